using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Authorization;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Roles;

/// <summary>Deletes a role with no policies and in no instance profile, as IAM requires.</summary>
internal sealed record DeleteRole(string RoleName) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:DeleteRole", IamArns.Role(caller.AccountId, "/", RoleName));

    public void Validate() => IamNames.Role(RoleName, "roleName");
}

internal sealed class DeleteRoleHandler(IamDbContext db, ICallerContext caller, PolicyCache policies) : IRequestHandler<DeleteRole>
{
    public async ValueTask<Unit> Handle(DeleteRole request, CancellationToken cancellationToken)
    {
        var role = await db.FindRoleAsync(caller.Identity.AccountId, request.RoleName, cancellationToken);
        if (await db.RolePolicyAttachments.AnyAsync(a => a.RoleId == role.Id, cancellationToken))
        {
            throw ApiErrors.Conflict("DeleteConflict", "Cannot delete entity, must detach all policies first.");
        }

        if (await db.RoleInlinePolicies.AnyAsync(p => p.RoleId == role.Id, cancellationToken))
        {
            throw ApiErrors.Conflict("DeleteConflict", "Cannot delete entity, must delete policies first.");
        }

        if (await db.InstanceProfiles.AnyAsync(p => p.RoleId == role.Id, cancellationToken))
        {
            throw ApiErrors.Conflict("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.");
        }

        // The role's sessions end with it: their key no longer names anything.
        db.SessionCredentials.RemoveRange(await db.SessionCredentials.Where(s => s.RoleId == role.Id).ToListAsync(cancellationToken));
        db.Roles.Remove(role);
        await db.SaveChangesAsync(cancellationToken);
        policies.ForgetAccount(role.AccountId);
        return Unit.Value;
    }
}
