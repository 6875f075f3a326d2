using System.Text.Json;
using Mediator;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Roles;

/// <summary>Replaces the trust policy; sessions already issued keep running until they expire, as on AWS.</summary>
internal sealed record UpdateAssumeRolePolicy(string RoleName, JsonElement? PolicyDocument) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:UpdateAssumeRolePolicy", IamArns.Role(caller.AccountId, "/", RoleName));

    public void Validate() => IamNames.Role(RoleName, "roleName");
}

internal sealed class UpdateAssumeRolePolicyHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<UpdateAssumeRolePolicy>
{
    public async ValueTask<Unit> Handle(UpdateAssumeRolePolicy request, CancellationToken cancellationToken)
    {
        var trust = TrustPolicyText.Validate(request.PolicyDocument);
        var role = await db.FindRoleAsync(caller.Identity.AccountId, request.RoleName, cancellationToken);
        role.AssumeRolePolicy = trust;
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}

/// <summary>Changes a role's description and longest session.</summary>
internal sealed record UpdateRole(string RoleName, string? Description, int? MaxSessionDuration) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:UpdateRole", IamArns.Role(caller.AccountId, "/", RoleName));

    public void Validate()
    {
        IamNames.Role(RoleName, "roleName");
        RoleSettings.Check(Description, MaxSessionDuration);
    }
}

internal sealed class UpdateRoleHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<UpdateRole>
{
    public async ValueTask<Unit> Handle(UpdateRole request, CancellationToken cancellationToken)
    {
        var role = await db.FindRoleAsync(caller.Identity.AccountId, request.RoleName, cancellationToken);
        role.Description = request.Description ?? role.Description;
        role.MaxSessionDuration = request.MaxSessionDuration ?? role.MaxSessionDuration;
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
