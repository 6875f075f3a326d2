using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Authentication;
using Platform.Modules.Iam.Authorization;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Iam.Users;

/// <summary>
/// Renames a user (its path stays <c>/</c>): its id, access keys, policies, groups and sessions are kept, as they are
/// held by the user's id; its keys sign as the new name from the next request on.
/// </summary>
internal sealed record UpdateUser(string UserName, string? NewUserName, string? NewPath) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:UpdateUser", IamArns.User(caller.AccountId, "/", UserName));

    public void Validate()
    {
        IamNames.ExistingUser(UserName, "userName");
        if (NewUserName is not null)
        {
            IamNames.NewUser(NewUserName, "newUserName");
        }

        IamNames.RootPathOnly(NewPath);
    }
}

internal sealed class UpdateUserHandler(IamDbContext db, ICallerContext caller, AccessKeyAuthenticator keys, PolicyCache policies)
    : IRequestHandler<UpdateUser>
{
    public async ValueTask<Unit> Handle(UpdateUser request, CancellationToken cancellationToken)
    {
        var user = await db.FindAsync(caller.Identity.AccountId, request.UserName, cancellationToken);
        if (request.NewUserName is null || request.NewUserName == user.UserName)
        {
            return Unit.Value;
        }

        var normalized = request.NewUserName.ToLowerInvariant();
        if (normalized != user.NormalizedName && await db.Users.AnyAsync(u => u.AccountId == user.AccountId && u.NormalizedName == normalized, cancellationToken))
        {
            throw ApiErrors.Conflict("EntityAlreadyExists", $"User with name {request.NewUserName} already exists.");
        }

        user.UserName = request.NewUserName;
        user.NormalizedName = normalized;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (UniqueViolation.Is(e))
        {
            // Another request took the name between the check and the save: the unique index kept the first.
            db.ChangeTracker.Clear();
            throw ApiErrors.Conflict("EntityAlreadyExists", $"User with name {request.NewUserName} already exists.");
        }

        // Cached identities carry the old name and ARN (aws:username, policy variables); they are read again.
        foreach (var keyId in await db.AccessKeys.AsNoTracking().Where(k => k.UserId == user.Id).Select(k => k.Id).ToListAsync(cancellationToken))
        {
            keys.Forget(keyId);
        }

        foreach (var keyId in await db.SessionCredentials.AsNoTracking().Where(s => s.UserId == user.Id).Select(s => s.AccessKeyId).ToListAsync(cancellationToken))
        {
            keys.Forget(keyId);
        }

        policies.ForgetAccount(user.AccountId);
        return Unit.Value;
    }
}
