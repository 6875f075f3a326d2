using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Network.Tagging;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Tagging;

namespace Platform.Modules.Network.InternetGateways;

internal sealed record InternetGatewayAttachment(string VpcId, string State);

internal sealed record InternetGatewayResponse(string InternetGatewayId, string OwnerId, IReadOnlyList<InternetGatewayAttachment> Attachments)
{
    /// <summary>The resource's tags (EC2's tagSet), by key.</summary>
    public IReadOnlyList<ResourceTag> Tags { get; init; } = [];

    // EC2 shows an attached gateway's attachment as "available".
    public static InternetGatewayResponse From(InternetGateway gateway) =>
        new(gateway.Id, gateway.AccountId, gateway.AttachedVpcId is { } vpc ? [new InternetGatewayAttachment(vpc, "available")] : []);
}

internal sealed record InternetGatewayListResponse(IReadOnlyList<InternetGatewayResponse> InternetGateways);

/// <param name="Tags">Tags the gateway is made with (EC2's TagSpecification), saved with it.</param>
internal sealed record CreateInternetGateway(string Region, IReadOnlyList<ResourceTag>? Tags = null) : IRequest<InternetGatewayResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:CreateInternetGateway", NetworkArns.InternetGateway(Region, caller.AccountId, "*"));

    public void Validate() => ResourceTags.Validate(Tags);
}

internal sealed class CreateInternetGatewayHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<CreateInternetGateway, InternetGatewayResponse>
{
    public async ValueTask<InternetGatewayResponse> Handle(CreateInternetGateway request, CancellationToken cancellationToken)
    {
        var gateway = new InternetGateway { Id = ResourceIds.New("igw"), AccountId = caller.Identity.AccountId, CreatedAt = DateTime.UtcNow };
        db.InternetGateways.Add(gateway);
        NetworkTagStore.Add(db, gateway.AccountId, gateway.Id, request.Tags);
        await db.SaveChangesAsync(cancellationToken);
        return InternetGatewayResponse.From(gateway) with { Tags = request.Tags ?? [] };
    }
}

internal sealed record DescribeInternetGateways(IReadOnlyList<string> InternetGatewayIds) : IRequest<InternetGatewayListResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DescribeInternetGateways", "*");
}

internal sealed class DescribeInternetGatewaysHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DescribeInternetGateways, InternetGatewayListResponse>
{
    public async ValueTask<InternetGatewayListResponse> Handle(DescribeInternetGateways request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var query = db.InternetGateways.AsNoTracking().Where(g => g.AccountId == accountId);
        if (request.InternetGatewayIds.Count > 0)
        {
            query = query.Where(g => request.InternetGatewayIds.Contains(g.Id));
        }

        var gateways = await query.OrderBy(g => g.CreatedAt).ThenBy(g => g.Id).ToListAsync(cancellationToken);
        if (Lookups.FirstMissing(request.InternetGatewayIds, gateways.Select(g => g.Id)) is { } missing)
        {
            throw NetworkErrors.InternetGatewayNotFound(missing);
        }

        var tags = await NetworkTagStore.OfAsync(db, accountId, [.. gateways.Select(g => g.Id)], cancellationToken);
        return new InternetGatewayListResponse(gateways.Select(g => InternetGatewayResponse.From(g) with { Tags = tags.For(g.Id) }).ToList());
    }
}

/// <summary>
/// Attaches a gateway to a VPC. A gateway attached anywhere, or a VPC with a gateway already, is Resource.AlreadyAssociated;
/// the unique attached-VPC column decides between two attaching at once.
/// </summary>
internal sealed record AttachInternetGateway(string Region, string InternetGatewayId, string? VpcId) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("ec2:AttachInternetGateway", NetworkArns.InternetGateway(Region, caller.AccountId, InternetGatewayId));

    public void Validate() => Parameter.Required(VpcId, "VpcId");
}

internal sealed class AttachInternetGatewayHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<AttachInternetGateway>
{
    public async ValueTask<Unit> Handle(AttachInternetGateway request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var gateway = await db.FindInternetGatewayAsync(accountId, request.InternetGatewayId, cancellationToken);
        var vpc = await db.FindVpcAsync(accountId, request.VpcId!, cancellationToken);
        if (gateway.AttachedVpcId is { } attached)
        {
            throw NetworkErrors.AlreadyAssociated($"resource {gateway.Id} is already attached to network {attached}");
        }

        var taken = () => NetworkErrors.AlreadyAssociated($"network {vpc.Id} already has an internet gateway attached");
        if (await db.InternetGateways.AnyAsync(g => g.AttachedVpcId == vpc.Id, cancellationToken))
        {
            throw taken();
        }

        gateway.AttachedVpcId = vpc.Id;
        EdgeChanges.Add(db, accountId, [vpc.Id]);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw NetworkErrors.InternetGatewayNotFound(gateway.Id);
        }
        catch (DbUpdateException)
        {
            throw taken();
        }

        if (!await db.Vpcs.AnyAsync(v => v.Id == vpc.Id, cancellationToken))
        {
            // The VPC was deleted meanwhile; its delete looks for attached gateways after its write, we for the VPC after ours.
            gateway.AttachedVpcId = null;
            await db.SaveChangesAsync(cancellationToken);
            throw NetworkErrors.VpcNotFound(vpc.Id);
        }

        return Unit.Value;
    }
}

/// <summary>
/// Detaches a gateway from its VPC; refused while elastic IPs in that VPC are associated, as EC2 refuses ("has some mapped
/// public address(es)"). Routes to it turn blackhole.
/// </summary>
internal sealed record DetachInternetGateway(string Region, string InternetGatewayId, string? VpcId) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("ec2:DetachInternetGateway", NetworkArns.InternetGateway(Region, caller.AccountId, InternetGatewayId));

    public void Validate() => Parameter.Required(VpcId, "VpcId");
}

internal sealed class DetachInternetGatewayHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DetachInternetGateway>
{
    public async ValueTask<Unit> Handle(DetachInternetGateway request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var gateway = await db.FindInternetGatewayAsync(accountId, request.InternetGatewayId, cancellationToken);
        var vpc = await db.FindVpcAsync(accountId, request.VpcId!, cancellationToken);
        if (gateway.AttachedVpcId != vpc.Id)
        {
            throw NetworkErrors.GatewayNotAttached(gateway.Id, vpc.Id);
        }

        var violation = () => NetworkErrors.DependencyViolation(
            $"Network {vpc.Id} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.");
        Func<CancellationToken, Task<bool>> mapped = ct => db.ElasticAddresses.AnyAsync(a => a.VpcId == vpc.Id && a.NetworkInterfaceId != null, ct);
        if (await mapped(cancellationToken))
        {
            throw violation();
        }

        gateway.AttachedVpcId = null;
        EdgeChanges.Add(db, accountId, [vpc.Id]);

        // An association made meanwhile sees the gateway gone (it checks after its write) or is seen here: one of the two refuses.
        await CheckedDelete.RunAsync(db, mapped, violation, cancellationToken);
        return Unit.Value;
    }
}

internal sealed record DeleteInternetGateway(string Region, string InternetGatewayId) : IRequest, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("ec2:DeleteInternetGateway", NetworkArns.InternetGateway(Region, caller.AccountId, InternetGatewayId));
}

internal sealed class DeleteInternetGatewayHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DeleteInternetGateway>
{
    public async ValueTask<Unit> Handle(DeleteInternetGateway request, CancellationToken cancellationToken)
    {
        var gateway = await db.FindInternetGatewayAsync(caller.Identity.AccountId, request.InternetGatewayId, cancellationToken);
        if (gateway.AttachedVpcId is not null)
        {
            throw NetworkErrors.DependencyViolation($"The internetGateway '{gateway.Id}' has dependencies and cannot be deleted.");
        }

        await NetworkTagStore.RemoveAllAsync(db, [gateway.Id], cancellationToken);
        db.InternetGateways.Remove(gateway);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw NetworkErrors.InternetGatewayNotFound(gateway.Id);
        }

        return Unit.Value;
    }
}
