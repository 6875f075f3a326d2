using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Network.NatGateways;

/// <summary>The account's NAT gateways (deleted ones for an hour, as EC2 shows them): all, the named ids, or those of some VPCs.</summary>
internal sealed record DescribeNatGateways(IReadOnlyList<string> NatGatewayIds, IReadOnlyList<string> VpcIds) : IRequest<NatGatewayListResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DescribeNatGateways", "*");
}

internal sealed class DescribeNatGatewaysHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DescribeNatGateways, NatGatewayListResponse>
{
    public async ValueTask<NatGatewayListResponse> Handle(DescribeNatGateways request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var shownSince = DateTime.UtcNow.AddHours(-1);
        var query = db.NatGateways.AsNoTracking().Where(n => n.AccountId == accountId && (n.DeletedAt == null || n.DeletedAt > shownSince));
        if (request.NatGatewayIds.Count > 0)
        {
            query = query.Where(n => request.NatGatewayIds.Contains(n.Id));
        }

        if (request.VpcIds.Count > 0)
        {
            query = query.Where(n => request.VpcIds.Contains(n.VpcId));
        }

        var nats = await query.OrderBy(n => n.CreatedAt).ThenBy(n => n.Id).ToListAsync(cancellationToken);
        if (request.VpcIds.Count == 0 && Lookups.FirstMissing(request.NatGatewayIds, nats.Select(n => n.Id)) is { } missing)
        {
            throw NetworkErrors.NatGatewayNotFound(missing);
        }

        return new NatGatewayListResponse(await NatGatewayViews.DescribeAsync(db, nats, cancellationToken));
    }
}

/// <summary>
/// Deletes a NAT gateway: its interface and address mapping go at once (answered as <c>deleting</c>, then shown
/// <c>deleted</c>); the elastic IP stays allocated. Routes to it turn blackhole. Deleting a deleted one changes nothing.
/// </summary>
internal sealed record DeleteNatGateway(string Region, string NatGatewayId) : IRequest<NatGatewayIdResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DeleteNatGateway", NetworkArns.NatGateway(Region, caller.AccountId, NatGatewayId));
}

internal sealed record NatGatewayIdResponse(string NatGatewayId);

internal sealed class DeleteNatGatewayHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DeleteNatGateway, NatGatewayIdResponse>
{
    public async ValueTask<NatGatewayIdResponse> Handle(DeleteNatGateway request, CancellationToken cancellationToken)
    {
        var nat = await db.FindNatGatewayAsync(caller.Identity.AccountId, request.NatGatewayId, cancellationToken);
        if (nat.State != NatGatewayStates.Deleted)
        {
            try
            {
                await NatGatewayTeardown.DeleteAsync(db, nat, cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                // A concurrent delete did it first (the state is a concurrency token); the outcome is the same.
            }
        }

        return new NatGatewayIdResponse(nat.Id);
    }
}
