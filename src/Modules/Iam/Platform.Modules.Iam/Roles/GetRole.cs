using Mediator;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Roles;

internal sealed record GetRole(string RoleName) : IRequest<RoleResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:GetRole", IamArns.Role(caller.AccountId, "/", RoleName));

    public void Validate() => IamNames.Role(RoleName, "roleName");
}

internal sealed class GetRoleHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<GetRole, RoleResponse>
{
    public async ValueTask<RoleResponse> Handle(GetRole request, CancellationToken cancellationToken) =>
        RoleResponse.From(await db.FindRoleAsync(caller.Identity.AccountId, request.RoleName, cancellationToken));
}
