using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Authorization;
using Platform.Modules.Iam.InlinePolicies;
using Platform.Modules.Iam.ManagedPolicies;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Groups;

/// <summary>Creates or replaces a policy embedded in one group; it applies to every member.</summary>
internal sealed record PutGroupPolicy(string GroupName, string PolicyName, JsonElement? PolicyDocument)
    : IRequest<GroupInlinePolicyResponse>, IRequiresPermission, IValidatable
{
    /// <summary>IAM's quota for a group's inline policies, whitespace excluded.</summary>
    public const int MaxDocumentSize = 5120;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:PutGroupPolicy", IamArns.Group(caller.AccountId, "/", GroupName));

    public void Validate()
    {
        IamNames.Group(GroupName, "groupName");
        IamNames.Policy(PolicyName, "policyName");
    }
}

internal sealed class PutGroupPolicyHandler(IamDbContext db, ICallerContext caller, PolicyCache policies) : IRequestHandler<PutGroupPolicy, GroupInlinePolicyResponse>
{
    public async ValueTask<GroupInlinePolicyResponse> Handle(PutGroupPolicy request, CancellationToken cancellationToken)
    {
        var document = PolicyDocumentText.Validate(request.PolicyDocument, PutGroupPolicy.MaxDocumentSize);
        var accountId = caller.Identity.AccountId;
        var group = await db.FindGroupAsync(accountId, request.GroupName, cancellationToken);
        var normalized = request.PolicyName.ToLowerInvariant();
        var existing = await db.GroupInlinePolicies.SingleOrDefaultAsync(p => p.GroupId == group.Id && p.NormalizedName == normalized, cancellationToken);
        if (existing is null)
        {
            db.GroupInlinePolicies.Add(new GroupInlinePolicy
            {
                AccountId = accountId, GroupId = group.Id, PolicyName = request.PolicyName, NormalizedName = normalized, Document = document,
            });
        }
        else
        {
            existing.Document = document;
        }

        await db.SaveChangesAsync(cancellationToken);
        policies.ForgetAccount(accountId);
        return new GroupInlinePolicyResponse(group.GroupName, existing?.PolicyName ?? request.PolicyName, document);
    }
}

internal sealed record GetGroupPolicy(string GroupName, string PolicyName) : IRequest<GroupInlinePolicyResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:GetGroupPolicy", IamArns.Group(caller.AccountId, "/", GroupName));

    public void Validate()
    {
        IamNames.Group(GroupName, "groupName");
        IamNames.Policy(PolicyName, "policyName");
    }
}

internal sealed class GetGroupPolicyHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<GetGroupPolicy, GroupInlinePolicyResponse>
{
    public async ValueTask<GroupInlinePolicyResponse> Handle(GetGroupPolicy request, CancellationToken cancellationToken)
    {
        var group = await db.FindGroupAsync(caller.Identity.AccountId, request.GroupName, cancellationToken);
        var policy = await FindAsync(db, group, request.PolicyName, cancellationToken);
        return new GroupInlinePolicyResponse(group.GroupName, policy.PolicyName, policy.Document);
    }

    internal static async Task<GroupInlinePolicy> FindAsync(IamDbContext db, Group group, string policyName, CancellationToken cancellationToken)
    {
        var normalized = policyName.ToLowerInvariant();
        return await db.GroupInlinePolicies.SingleOrDefaultAsync(p => p.GroupId == group.Id && p.NormalizedName == normalized, cancellationToken)
            ?? throw ApiErrors.NotFound("NoSuchEntity", $"The group policy with name {policyName} cannot be found.");
    }
}

internal sealed record ListGroupPolicies(string GroupName) : IRequest<InlinePolicyNamesResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:ListGroupPolicies", IamArns.Group(caller.AccountId, "/", GroupName));

    public void Validate() => IamNames.Group(GroupName, "groupName");
}

internal sealed class ListGroupPoliciesHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<ListGroupPolicies, InlinePolicyNamesResponse>
{
    public async ValueTask<InlinePolicyNamesResponse> Handle(ListGroupPolicies request, CancellationToken cancellationToken)
    {
        var group = await db.FindGroupAsync(caller.Identity.AccountId, request.GroupName, cancellationToken);
        return new InlinePolicyNamesResponse(await db.GroupInlinePolicies.AsNoTracking().Where(p => p.GroupId == group.Id).OrderBy(p => p.NormalizedName)
            .Select(p => p.PolicyName).ToListAsync(cancellationToken));
    }
}

internal sealed record DeleteGroupPolicy(string GroupName, string PolicyName) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:DeleteGroupPolicy", IamArns.Group(caller.AccountId, "/", GroupName));

    public void Validate()
    {
        IamNames.Group(GroupName, "groupName");
        IamNames.Policy(PolicyName, "policyName");
    }
}

internal sealed class DeleteGroupPolicyHandler(IamDbContext db, ICallerContext caller, PolicyCache policies) : IRequestHandler<DeleteGroupPolicy>
{
    public async ValueTask<Unit> Handle(DeleteGroupPolicy request, CancellationToken cancellationToken)
    {
        var group = await db.FindGroupAsync(caller.Identity.AccountId, request.GroupName, cancellationToken);
        db.GroupInlinePolicies.Remove(await GetGroupPolicyHandler.FindAsync(db, group, request.PolicyName, cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        policies.ForgetAccount(group.AccountId);
        return Unit.Value;
    }
}
