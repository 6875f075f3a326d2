using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Authorization;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Users;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.ManagedPolicies;

internal sealed record AttachUserPolicy(string UserName, string? PolicyArn) : IRequest, IRequiresPermission, IValidatable
{
    public const int MaxAttachedPerUser = 10;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:AttachUserPolicy", IamArns.User(caller.AccountId, "/", UserName));

    public void Validate()
    {
        IamNames.ExistingUser(UserName, "userName");
        Parameter.Required(PolicyArn, "PolicyArn");
    }
}

internal sealed class AttachUserPolicyHandler(IamDbContext db, ICallerContext caller, PolicyCache policies) : IRequestHandler<AttachUserPolicy>
{
    public async ValueTask<Unit> Handle(AttachUserPolicy request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var user = await db.FindAsync(accountId, request.UserName, cancellationToken);
        var (arn, _) = await db.FindAttachableAsync(accountId, request.PolicyArn!, cancellationToken);
        if (await db.UserPolicyAttachments.AnyAsync(a => a.UserId == user.Id && a.PolicyArn == arn, cancellationToken))
        {
            return Unit.Value;
        }

        if (await db.UserPolicyAttachments.CountAsync(a => a.UserId == user.Id, cancellationToken) >= AttachUserPolicy.MaxAttachedPerUser)
        {
            throw ApiErrors.LimitExceeded($"Cannot exceed quota for PoliciesPerUser: {AttachUserPolicy.MaxAttachedPerUser}");
        }

        db.UserPolicyAttachments.Add(new UserPolicyAttachment { AccountId = accountId, UserId = user.Id, PolicyArn = arn, AttachedAt = DateTime.UtcNow });
        await db.SaveChangesAsync(cancellationToken);
        policies.ForgetAccount(accountId);
        return Unit.Value;
    }
}

internal sealed record DetachUserPolicy(string UserName, string? PolicyArn) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:DetachUserPolicy", IamArns.User(caller.AccountId, "/", UserName));

    public void Validate()
    {
        IamNames.ExistingUser(UserName, "userName");
        Parameter.Required(PolicyArn, "PolicyArn");
    }
}

internal sealed class DetachUserPolicyHandler(IamDbContext db, ICallerContext caller, PolicyCache policies) : IRequestHandler<DetachUserPolicy>
{
    public async ValueTask<Unit> Handle(DetachUserPolicy request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var user = await db.FindAsync(accountId, request.UserName, cancellationToken);
        var attachment = await db.UserPolicyAttachments.SingleOrDefaultAsync(a => a.UserId == user.Id && a.PolicyArn == request.PolicyArn, cancellationToken)
            ?? throw ApiErrors.NotFound("NoSuchEntity", $"Policy {request.PolicyArn} was not found.");
        db.UserPolicyAttachments.Remove(attachment);
        await db.SaveChangesAsync(cancellationToken);
        policies.ForgetAccount(accountId);
        return Unit.Value;
    }
}

internal sealed record ListAttachedUserPolicies(string UserName) : IRequest<AttachedPolicyListResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:ListAttachedUserPolicies", IamArns.User(caller.AccountId, "/", UserName));

    public void Validate() => IamNames.ExistingUser(UserName, "userName");
}

internal sealed class ListAttachedUserPoliciesHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<ListAttachedUserPolicies, AttachedPolicyListResponse>
{
    public async ValueTask<AttachedPolicyListResponse> Handle(ListAttachedUserPolicies request, CancellationToken cancellationToken)
    {
        var user = await db.FindAsync(caller.Identity.AccountId, request.UserName, cancellationToken);
        var arns = await db.UserPolicyAttachments.AsNoTracking().Where(a => a.UserId == user.Id).OrderBy(a => a.PolicyArn).Select(a => a.PolicyArn).ToListAsync(cancellationToken);
        return new AttachedPolicyListResponse(arns.Select(arn => new AttachedPolicy(arn[(arn.LastIndexOf('/') + 1)..], arn)).ToList());
    }
}
