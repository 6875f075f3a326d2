using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Tagging;
using Platform.Modules.Network.Tagging;

namespace Platform.Modules.Network.Vpcs;

/// <summary>A VPC with an IPv4 block of /16 to /28 (AWS's sizes) and its default security group.</summary>
/// <param name="Tags">Tags the VPC is made with (EC2's TagSpecification), saved with it.</param>
internal sealed record CreateVpc(string Region, string? CidrBlock, IReadOnlyList<ResourceTag>? Tags = null) : IRequest<VpcResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:CreateVpc", NetworkArns.Vpc(Region, caller.AccountId, "*"));

    public void Validate()
    {
        Parameter.Required(CidrBlock, "CidrBlock");
        ResourceTags.Validate(Tags);
        if (!Ipv4Cidr.TryParse(CidrBlock, out var cidr))
        {
            throw NetworkErrors.InvalidCidr(CidrBlock, "cidrBlock");
        }

        if (cidr.PrefixLength is < VpcFactory.MinPrefix or > VpcFactory.MaxPrefix)
        {
            throw NetworkErrors.VpcRange(CidrBlock);
        }
    }
}

internal sealed class CreateVpcHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<CreateVpc, VpcResponse>
{
    public async ValueTask<VpcResponse> Handle(CreateVpc request, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var isolationId = await VpcFactory.NextIsolationIdAsync(db, cancellationToken);
            var vpc = VpcFactory.Add(db, caller.Identity.AccountId, request.CidrBlock!, isDefault: false, isolationId, DateTime.UtcNow);
            NetworkTagStore.Add(db, vpc.AccountId, vpc.Id, request.Tags);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return VpcResponse.From(vpc) with { Tags = request.Tags ?? [] };
            }
            catch (DbUpdateException) when (attempt < 8)
            {
                // Another VPC took the same isolation id first.
                db.ChangeTracker.Clear();
            }
        }
    }
}
