using Mediator;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Users;

/// <summary>A user of the caller's account; without a name, the calling user itself.</summary>
internal sealed record GetUser(string UserName) : IRequest<UserResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:GetUser", IamArns.User(caller.AccountId, "/", UserName));

    public void Validate() => IamNames.ExistingUser(UserName, "userName");
}

internal sealed class GetUserHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<GetUser, UserResponse>
{
    public async ValueTask<UserResponse> Handle(GetUser request, CancellationToken cancellationToken) =>
        UserResponse.From(await db.FindAsync(caller.Identity.AccountId, request.UserName, cancellationToken));
}
