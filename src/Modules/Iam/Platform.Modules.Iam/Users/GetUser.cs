using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.AccessKeys;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Users;

/// <summary>A user of the caller's account; without a name, the calling user itself (the account's root for its root), as IAM's GetUser.</summary>
internal sealed record GetUser(string? UserName) : IRequest<UserResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:GetUser", KeyOwner.ResourceArn(caller, UserName));

    public void Validate()
    {
        if (UserName is not null)
        {
            IamNames.ExistingUser(UserName, "userName");
        }
    }
}

internal sealed class GetUserHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<GetUser, UserResponse>
{
    public async ValueTask<UserResponse> Handle(GetUser request, CancellationToken cancellationToken)
    {
        var identity = caller.Identity;
        if ((request.UserName ?? identity.UserName) is { } userName)
        {
            return UserResponse.From(await db.FindAsync(identity.AccountId, userName, cancellationToken));
        }

        // The root has no user name or path: IAM answers with the account as its id and the root's ARN.
        var account = await db.Accounts.AsNoTracking().SingleAsync(a => a.Id == identity.AccountId, cancellationToken);
        return new UserResponse(null, identity.AccountId, Arns.AccountRoot(identity.AccountId), null, account.CreatedAt);
    }
}
