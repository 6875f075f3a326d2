using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Network.Vpcs;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Tagging;
using Platform.Modules.Network.Tagging;

namespace Platform.Modules.Network.SecurityGroups;

/// <summary>
/// A security group in a VPC (the default VPC when none is named), starting as AWS's do: no ingress,
/// all egress. Names are unique per VPC; <c>default</c> is taken by the VPC's own group.
/// </summary>
internal sealed record CreateSecurityGroup(string Region, string? GroupName, string? Description, string? VpcId, IReadOnlyList<ResourceTag>? Tags = null)
    : IRequest<SecurityGroupResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("ec2:CreateSecurityGroup", NetworkArns.SecurityGroup(Region, caller.AccountId, "*"));

    public void Validate()
    {
        Parameter.Required(GroupName, "GroupName");
        Parameter.Required(Description, "GroupDescription");
        ResourceTags.Validate(Tags);
        if (GroupName.Length > 255 || Description.Length > 255)
        {
            throw ApiErrors.InvalidParameterValue("Group names and descriptions are at most 255 characters.");
        }

        if (GroupName.StartsWith("sg-", StringComparison.OrdinalIgnoreCase))
        {
            throw ApiErrors.InvalidParameterValue("Group names may not be in the format sg-*.");
        }

        if (GroupName.Equals("default", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(400, "InvalidGroup.Reserved", "The security group 'default' is reserved");
        }
    }
}

internal sealed class CreateSecurityGroupHandler(NetworkDbContext db, ICallerContext caller, DefaultVpcProvisioner defaults)
    : IRequestHandler<CreateSecurityGroup, SecurityGroupResponse>
{
    public async ValueTask<SecurityGroupResponse> Handle(CreateSecurityGroup request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var vpc = request.VpcId is null
            ? await defaults.EnsureAsync(accountId, cancellationToken) ?? throw NetworkErrors.NoDefaultVpc()
            : await db.FindVpcAsync(accountId, request.VpcId, cancellationToken);

        var now = DateTime.UtcNow;
        var group = new SecurityGroup
        {
            Id = ResourceIds.New("sg"),
            AccountId = accountId,
            VpcId = vpc.Id,
            GroupName = request.GroupName!,
            Description = request.Description!,
            CreatedAt = now,
        };
        var egress = VpcFactory.AllowAllEgress(group, now);
        db.SecurityGroups.Add(group);
        db.SecurityGroupRules.Add(egress);
        NetworkTagStore.Add(db, accountId, group.Id, request.Tags);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The unique (vpc, name) index decided between two racing creations.
            db.ChangeTracker.Clear();
            if (await db.SecurityGroups.AnyAsync(g => g.VpcId == vpc.Id && g.GroupName == group.GroupName, cancellationToken))
            {
                throw NetworkErrors.GroupDuplicate(group.GroupName, vpc.Id);
            }

            throw;
        }

        // A VPC deleted meanwhile: its delete looks for groups after its own write, and this looks for the VPC after ours.
        if (!await db.Vpcs.AnyAsync(v => v.Id == vpc.Id, cancellationToken))
        {
            db.SecurityGroupRules.Remove(egress);
            db.SecurityGroups.Remove(group);
            await NetworkTagStore.RemoveAllAsync(db, [group.Id], cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            throw NetworkErrors.VpcNotFound(vpc.Id);
        }

        return SecurityGroupResponse.From(group, request.Region, [egress]) with { Tags = request.Tags ?? [] };
    }
}
