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

internal sealed record AttachRolePolicy(string RoleName, string? PolicyArn) : IRequest, IRequiresPermission, IValidatable
{
    public const int MaxAttachedPerRole = 10;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:AttachRolePolicy", IamArns.Role(caller.AccountId, "/", RoleName));

    public void Validate()
    {
        IamNames.Role(RoleName, "roleName");
        Parameter.Required(PolicyArn, "PolicyArn");
    }
}

internal sealed class AttachRolePolicyHandler(IamDbContext db, ICallerContext caller, PolicyCache policies) : IRequestHandler<AttachRolePolicy>
{
    public async ValueTask<Unit> Handle(AttachRolePolicy request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var role = await db.FindRoleAsync(accountId, request.RoleName, cancellationToken);
        var (arn, _) = await db.FindAttachableAsync(accountId, request.PolicyArn!, cancellationToken);
        if (await db.RolePolicyAttachments.AnyAsync(a => a.RoleId == role.Id && a.PolicyArn == arn, cancellationToken))
        {
            return Unit.Value;
        }

        if (await db.RolePolicyAttachments.CountAsync(a => a.RoleId == role.Id, cancellationToken) >= AttachRolePolicy.MaxAttachedPerRole)
        {
            throw ApiErrors.LimitExceeded($"Cannot exceed quota for PoliciesPerRole: {AttachRolePolicy.MaxAttachedPerRole}");
        }

        db.RolePolicyAttachments.Add(new RolePolicyAttachment { AccountId = accountId, RoleId = role.Id, PolicyArn = arn, AttachedAt = DateTime.UtcNow });
        await db.SaveChangesAsync(cancellationToken);
        policies.ForgetAccount(accountId);
        return Unit.Value;
    }
}

internal sealed record DetachRolePolicy(string RoleName, string? PolicyArn) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:DetachRolePolicy", IamArns.Role(caller.AccountId, "/", RoleName));

    public void Validate()
    {
        IamNames.Role(RoleName, "roleName");
        Parameter.Required(PolicyArn, "PolicyArn");
    }
}

internal sealed class DetachRolePolicyHandler(IamDbContext db, ICallerContext caller, PolicyCache policies) : IRequestHandler<DetachRolePolicy>
{
    public async ValueTask<Unit> Handle(DetachRolePolicy request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var role = await db.FindRoleAsync(accountId, request.RoleName, cancellationToken);
        var attachment = await db.RolePolicyAttachments.SingleOrDefaultAsync(a => a.RoleId == role.Id && a.PolicyArn == request.PolicyArn, cancellationToken)
            ?? throw ApiErrors.NotFound("NoSuchEntity", $"Policy {request.PolicyArn} was not found.");
        db.RolePolicyAttachments.Remove(attachment);
        await db.SaveChangesAsync(cancellationToken);
        policies.ForgetAccount(accountId);
        return Unit.Value;
    }
}

internal sealed record ListAttachedRolePolicies(string RoleName) : IRequest<AttachedPolicyListResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:ListAttachedRolePolicies", IamArns.Role(caller.AccountId, "/", RoleName));

    public void Validate() => IamNames.Role(RoleName, "roleName");
}

internal sealed class ListAttachedRolePoliciesHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<ListAttachedRolePolicies, AttachedPolicyListResponse>
{
    public async ValueTask<AttachedPolicyListResponse> Handle(ListAttachedRolePolicies request, CancellationToken cancellationToken)
    {
        var role = await db.FindRoleAsync(caller.Identity.AccountId, request.RoleName, cancellationToken);
        var arns = await db.RolePolicyAttachments.AsNoTracking().Where(a => a.RoleId == role.Id).OrderBy(a => a.PolicyArn).Select(a => a.PolicyArn).ToListAsync(cancellationToken);
        return new AttachedPolicyListResponse(arns.Select(arn => new AttachedPolicy(arn[(arn.LastIndexOf('/') + 1)..], arn)).ToList());
    }
}
