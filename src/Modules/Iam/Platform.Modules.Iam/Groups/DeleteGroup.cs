using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Groups;

/// <summary>Deletes a group with no members and no policies left, as IAM requires.</summary>
internal sealed record DeleteGroup(string GroupName) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:DeleteGroup", IamArns.Group(caller.AccountId, "/", GroupName));

    public void Validate() => IamNames.Group(GroupName, "groupName");
}

internal sealed class DeleteGroupHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<DeleteGroup>
{
    public async ValueTask<Unit> Handle(DeleteGroup request, CancellationToken cancellationToken)
    {
        var group = await db.FindGroupAsync(caller.Identity.AccountId, request.GroupName, cancellationToken);
        if (await db.GroupMemberships.AnyAsync(m => m.GroupId == group.Id, cancellationToken))
        {
            throw ApiErrors.Conflict("DeleteConflict", "Cannot delete entity, must remove users from group first.");
        }

        if (await db.GroupPolicyAttachments.AnyAsync(a => a.GroupId == group.Id, cancellationToken))
        {
            throw ApiErrors.Conflict("DeleteConflict", "Cannot delete entity, must detach all policies first.");
        }

        if (await db.GroupInlinePolicies.AnyAsync(p => p.GroupId == group.Id, cancellationToken))
        {
            throw ApiErrors.Conflict("DeleteConflict", "Cannot delete entity, must delete policies first.");
        }

        db.Groups.Remove(group);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
