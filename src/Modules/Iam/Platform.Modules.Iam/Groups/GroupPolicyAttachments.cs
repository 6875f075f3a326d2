using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Authorization;
using Platform.Modules.Iam.ManagedPolicies;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Groups;

internal sealed record AttachGroupPolicy(string GroupName, string? PolicyArn) : IRequest, IRequiresPermission, IValidatable
{
    public const int MaxAttachedPerGroup = 10;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:AttachGroupPolicy", IamArns.Group(caller.AccountId, "/", GroupName));

    public void Validate()
    {
        IamNames.Group(GroupName, "groupName");
        Parameter.Required(PolicyArn, "PolicyArn");
    }
}

internal sealed class AttachGroupPolicyHandler(IamDbContext db, ICallerContext caller, PolicyCache policies) : IRequestHandler<AttachGroupPolicy>
{
    public async ValueTask<Unit> Handle(AttachGroupPolicy request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var group = await db.FindGroupAsync(accountId, request.GroupName, cancellationToken);
        var (arn, _) = await db.FindAttachableAsync(accountId, request.PolicyArn!, cancellationToken);
        if (await db.GroupPolicyAttachments.AnyAsync(a => a.GroupId == group.Id && a.PolicyArn == arn, cancellationToken))
        {
            return Unit.Value;
        }

        if (await db.GroupPolicyAttachments.CountAsync(a => a.GroupId == group.Id, cancellationToken) >= AttachGroupPolicy.MaxAttachedPerGroup)
        {
            throw ApiErrors.LimitExceeded($"Cannot exceed quota for PoliciesPerGroup: {AttachGroupPolicy.MaxAttachedPerGroup}");
        }

        db.GroupPolicyAttachments.Add(new GroupPolicyAttachment { AccountId = accountId, GroupId = group.Id, PolicyArn = arn, AttachedAt = DateTime.UtcNow });
        await db.SaveChangesAsync(cancellationToken);
        policies.ForgetAccount(accountId);
        return Unit.Value;
    }
}

internal sealed record DetachGroupPolicy(string GroupName, string? PolicyArn) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:DetachGroupPolicy", IamArns.Group(caller.AccountId, "/", GroupName));

    public void Validate()
    {
        IamNames.Group(GroupName, "groupName");
        Parameter.Required(PolicyArn, "PolicyArn");
    }
}

internal sealed class DetachGroupPolicyHandler(IamDbContext db, ICallerContext caller, PolicyCache policies) : IRequestHandler<DetachGroupPolicy>
{
    public async ValueTask<Unit> Handle(DetachGroupPolicy request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var group = await db.FindGroupAsync(accountId, request.GroupName, cancellationToken);
        var attachment = await db.GroupPolicyAttachments.SingleOrDefaultAsync(a => a.GroupId == group.Id && a.PolicyArn == request.PolicyArn, cancellationToken)
            ?? throw ApiErrors.NotFound("NoSuchEntity", $"Policy {request.PolicyArn} was not found.");
        db.GroupPolicyAttachments.Remove(attachment);
        await db.SaveChangesAsync(cancellationToken);
        policies.ForgetAccount(accountId);
        return Unit.Value;
    }
}

internal sealed record ListAttachedGroupPolicies(string GroupName) : IRequest<AttachedPolicyListResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:ListAttachedGroupPolicies", IamArns.Group(caller.AccountId, "/", GroupName));

    public void Validate() => IamNames.Group(GroupName, "groupName");
}

internal sealed class ListAttachedGroupPoliciesHandler(IamDbContext db, ICallerContext caller)
    : IRequestHandler<ListAttachedGroupPolicies, AttachedPolicyListResponse>
{
    public async ValueTask<AttachedPolicyListResponse> Handle(ListAttachedGroupPolicies request, CancellationToken cancellationToken)
    {
        var group = await db.FindGroupAsync(caller.Identity.AccountId, request.GroupName, cancellationToken);
        var arns = await db.GroupPolicyAttachments.AsNoTracking().Where(a => a.GroupId == group.Id).OrderBy(a => a.PolicyArn)
            .Select(a => a.PolicyArn).ToListAsync(cancellationToken);
        return new AttachedPolicyListResponse(arns.Select(arn => new AttachedPolicy(arn[(arn.LastIndexOf('/') + 1)..], arn)).ToList());
    }
}
