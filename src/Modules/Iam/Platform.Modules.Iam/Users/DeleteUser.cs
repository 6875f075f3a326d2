using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Iam.Users;

/// <summary>Deletes a user that has no access keys, policies or group memberships left, as IAM requires.</summary>
internal sealed record DeleteUser(string UserName) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:DeleteUser", IamArns.User(caller.AccountId, "/", UserName));

    public void Validate() => IamNames.ExistingUser(UserName, "userName");
}

internal sealed class DeleteUserHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<DeleteUser>
{
    public async ValueTask<Unit> Handle(DeleteUser request, CancellationToken cancellationToken)
    {
        var user = await db.FindAsync(caller.Identity.AccountId, request.UserName, cancellationToken);
        if (await db.AccessKeys.AnyAsync(k => k.UserId == user.Id, cancellationToken))
        {
            throw ApiErrors.Conflict("DeleteConflict", "Cannot delete entity, must delete access keys first.");
        }

        if (await db.UserPolicyAttachments.AnyAsync(a => a.UserId == user.Id, cancellationToken))
        {
            throw ApiErrors.Conflict("DeleteConflict", "Cannot delete entity, must detach all policies first.");
        }

        if (await db.InlinePolicies.AnyAsync(p => p.UserId == user.Id, cancellationToken))
        {
            throw ApiErrors.Conflict("DeleteConflict", "Cannot delete entity, must delete policies first.");
        }

        if (await db.GroupMemberships.AnyAsync(m => m.UserId == user.Id, cancellationToken))
        {
            throw ApiErrors.Conflict("DeleteConflict", "Cannot delete entity, must remove user from all groups first.");
        }

        db.Users.Remove(user);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
