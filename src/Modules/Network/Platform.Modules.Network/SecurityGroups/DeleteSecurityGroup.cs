using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Network.Tagging;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Network.SecurityGroups;

/// <summary>
/// Deletes a group no interface uses and no other group's rule names (DependencyViolation otherwise).
/// A VPC's default group goes only with its VPC (CannotDelete).
/// </summary>
internal sealed record DeleteSecurityGroup(string Region, string GroupId) : IRequest, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("ec2:DeleteSecurityGroup", NetworkArns.SecurityGroup(Region, caller.AccountId, GroupId));
}

internal sealed class DeleteSecurityGroupHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DeleteSecurityGroup>
{
    public async ValueTask<Unit> Handle(DeleteSecurityGroup request, CancellationToken cancellationToken)
    {
        var group = await db.FindGroupAsync(caller.Identity.AccountId, request.GroupId, cancellationToken);
        if (group.IsDefault)
        {
            throw new ApiException(400, "CannotDelete", $"the specified group: \"{group.Id}\" name: \"default\" cannot be deleted by a user");
        }

        var violation = () => NetworkErrors.DependencyViolation($"resource {group.Id} has a dependent object");
        Func<CancellationToken, Task<bool>> inUse = async ct =>
            await db.InterfaceSecurityGroups.AnyAsync(l => l.GroupId == group.Id, ct)
            || await db.SecurityGroupRules.AnyAsync(r => r.ReferencedGroupId == group.Id && r.GroupId != group.Id, ct);
        if (await inUse(cancellationToken))
        {
            throw violation();
        }

        db.SecurityGroupRules.RemoveRange(await db.SecurityGroupRules.Where(r => r.GroupId == group.Id).ToListAsync(cancellationToken));
        await NetworkTagStore.RemoveAllAsync(db, [group.Id], cancellationToken);
        db.SecurityGroups.Remove(group);
        await CheckedDelete.RunAsync(db, inUse, violation, cancellationToken);
        return Unit.Value;
    }
}
