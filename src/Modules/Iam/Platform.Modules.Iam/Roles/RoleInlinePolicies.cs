using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Authorization;
using Platform.Modules.Iam.ManagedPolicies;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Roles;

internal sealed record RolePolicyResponse(string RoleName, string PolicyName, string PolicyDocument);

internal sealed record RolePolicyNamesResponse(IReadOnlyList<string> PolicyNames);

/// <summary>Creates or replaces a policy embedded in one role.</summary>
internal sealed record PutRolePolicy(string RoleName, string PolicyName, JsonElement? PolicyDocument) : IRequest<RolePolicyResponse>, IRequiresPermission, IValidatable
{
    /// <summary>IAM's quota for a role's inline policies, white space excluded.</summary>
    public const int MaxDocumentSize = 10240;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:PutRolePolicy", IamArns.Role(caller.AccountId, "/", RoleName));

    public void Validate()
    {
        IamNames.Role(RoleName, "roleName");
        IamNames.Policy(PolicyName, "policyName");
    }
}

internal sealed class PutRolePolicyHandler(IamDbContext db, ICallerContext caller, PolicyCache policies) : IRequestHandler<PutRolePolicy, RolePolicyResponse>
{
    public async ValueTask<RolePolicyResponse> Handle(PutRolePolicy request, CancellationToken cancellationToken)
    {
        var document = PolicyDocumentText.Validate(request.PolicyDocument, PutRolePolicy.MaxDocumentSize);
        var accountId = caller.Identity.AccountId;
        var role = await db.FindRoleAsync(accountId, request.RoleName, cancellationToken);
        var normalized = request.PolicyName.ToLowerInvariant();
        var existing = await db.RoleInlinePolicies.SingleOrDefaultAsync(p => p.RoleId == role.Id && p.NormalizedName == normalized, cancellationToken);
        if (existing is null)
        {
            db.RoleInlinePolicies.Add(new RoleInlinePolicy { AccountId = accountId, RoleId = role.Id, PolicyName = request.PolicyName, NormalizedName = normalized, Document = document });
        }
        else
        {
            existing.Document = document;
        }

        await db.SaveChangesAsync(cancellationToken);
        policies.ForgetAccount(accountId);
        return new RolePolicyResponse(role.RoleName, existing?.PolicyName ?? request.PolicyName, document);
    }
}

internal sealed record GetRolePolicy(string RoleName, string PolicyName) : IRequest<RolePolicyResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:GetRolePolicy", IamArns.Role(caller.AccountId, "/", RoleName));

    public void Validate()
    {
        IamNames.Role(RoleName, "roleName");
        IamNames.Policy(PolicyName, "policyName");
    }
}

internal sealed class GetRolePolicyHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<GetRolePolicy, RolePolicyResponse>
{
    public async ValueTask<RolePolicyResponse> Handle(GetRolePolicy request, CancellationToken cancellationToken)
    {
        var role = await db.FindRoleAsync(caller.Identity.AccountId, request.RoleName, cancellationToken);
        var policy = await RoleInlinePolicyLookup.FindAsync(db, role, request.PolicyName, cancellationToken);
        return new RolePolicyResponse(role.RoleName, policy.PolicyName, policy.Document);
    }
}

internal sealed record ListRolePolicies(string RoleName) : IRequest<RolePolicyNamesResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:ListRolePolicies", IamArns.Role(caller.AccountId, "/", RoleName));

    public void Validate() => IamNames.Role(RoleName, "roleName");
}

internal sealed class ListRolePoliciesHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<ListRolePolicies, RolePolicyNamesResponse>
{
    public async ValueTask<RolePolicyNamesResponse> Handle(ListRolePolicies request, CancellationToken cancellationToken)
    {
        var role = await db.FindRoleAsync(caller.Identity.AccountId, request.RoleName, cancellationToken);
        var names = await db.RoleInlinePolicies.AsNoTracking().Where(p => p.RoleId == role.Id).OrderBy(p => p.NormalizedName).Select(p => p.PolicyName).ToListAsync(cancellationToken);
        return new RolePolicyNamesResponse(names);
    }
}

internal sealed record DeleteRolePolicy(string RoleName, string PolicyName) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:DeleteRolePolicy", IamArns.Role(caller.AccountId, "/", RoleName));

    public void Validate()
    {
        IamNames.Role(RoleName, "roleName");
        IamNames.Policy(PolicyName, "policyName");
    }
}

internal sealed class DeleteRolePolicyHandler(IamDbContext db, ICallerContext caller, PolicyCache policies) : IRequestHandler<DeleteRolePolicy>
{
    public async ValueTask<Unit> Handle(DeleteRolePolicy request, CancellationToken cancellationToken)
    {
        var role = await db.FindRoleAsync(caller.Identity.AccountId, request.RoleName, cancellationToken);
        db.RoleInlinePolicies.Remove(await RoleInlinePolicyLookup.FindAsync(db, role, request.PolicyName, cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        policies.ForgetAccount(role.AccountId);
        return Unit.Value;
    }
}

internal static class RoleInlinePolicyLookup
{
    public static async Task<RoleInlinePolicy> FindAsync(IamDbContext db, Role role, string policyName, CancellationToken cancellationToken)
    {
        var normalized = policyName.ToLowerInvariant();
        return await db.RoleInlinePolicies.SingleOrDefaultAsync(p => p.RoleId == role.Id && p.NormalizedName == normalized, cancellationToken)
            ?? throw ApiErrors.NotFound("NoSuchEntity", $"The role policy with name {policyName} cannot be found.");
    }
}
