using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Network.Vpcs;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Tagging;
using Platform.Modules.Network.Tagging;

namespace Platform.Modules.Network.Subnets;

/// <summary>
/// A subnet of a VPC in one availability zone: /16 to /28, inside the VPC's block, overlapping none of
/// its other subnets. Without a zone it goes to the first configured one.
/// </summary>
internal sealed record CreateSubnet(string Region, string? VpcId, string? CidrBlock, string? AvailabilityZone, IReadOnlyList<ResourceTag>? Tags = null)
    : IRequest<SubnetResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("ec2:CreateSubnet", NetworkArns.Vpc(Region, caller.AccountId, VpcId ?? "*"));

    public void Validate()
    {
        Parameter.Required(VpcId, "VpcId");
        Parameter.Required(CidrBlock, "CidrBlock");
        ResourceTags.Validate(Tags);
        if (!Ipv4Cidr.TryParse(CidrBlock, out _))
        {
            throw NetworkErrors.InvalidCidr(CidrBlock, "cidrBlock");
        }
    }
}

internal sealed class CreateSubnetHandler(NetworkDbContext db, ICallerContext caller, NetworkSettings settings)
    : IRequestHandler<CreateSubnet, SubnetResponse>
{
    public async ValueTask<SubnetResponse> Handle(CreateSubnet request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var zone = request.AvailabilityZone ?? settings.AvailabilityZones[0];
        if (!settings.AvailabilityZones.Contains(zone, StringComparer.Ordinal))
        {
            throw ApiErrors.InvalidParameterValue(
                $"Value ({zone}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: {string.Join(", ", settings.AvailabilityZones)}.");
        }

        _ = Ipv4Cidr.TryParse(request.CidrBlock, out var cidr);
        for (var attempt = 0; ; attempt++)
        {
            var vpc = await db.FindVpcAsync(accountId, request.VpcId!, cancellationToken);
            _ = Ipv4Cidr.TryParse(vpc.CidrBlock, out var vpcBlock);
            if (cidr.PrefixLength is < VpcFactory.MinPrefix or > VpcFactory.MaxPrefix || !vpcBlock.Contains(cidr))
            {
                throw NetworkErrors.SubnetRange(request.CidrBlock!);
            }

            var siblings = await db.Subnets.AsNoTracking().Where(s => s.VpcId == vpc.Id).Select(s => s.CidrBlock).ToListAsync(cancellationToken);
            if (siblings.Any(s => Ipv4Cidr.TryParse(s, out var other) && other.Overlaps(cidr)))
            {
                throw NetworkErrors.SubnetConflict(request.CidrBlock!);
            }

            var subnet = new Subnet
            {
                Id = ResourceIds.New("subnet"),
                AccountId = accountId,
                VpcId = vpc.Id,
                CidrBlock = cidr.ToString(),
                AvailabilityZone = zone,
                CreatedAt = DateTime.UtcNow,
            };
            db.Subnets.Add(subnet);
            NetworkTagStore.Add(db, accountId, subnet.Id, request.Tags);
            vpc.Version++;
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return SubnetResponse.From(subnet, request.Region, 0) with { Tags = request.Tags ?? [] };
            }
            catch (DbUpdateConcurrencyException) when (attempt < 8)
            {
                // Another subnet of this VPC was created meanwhile: check overlap again against it.
                db.ChangeTracker.Clear();
            }
        }
    }
}
