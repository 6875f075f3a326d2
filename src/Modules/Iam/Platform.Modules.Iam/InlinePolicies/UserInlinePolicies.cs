using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Authorization;
using Platform.Modules.Iam.ManagedPolicies;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Users;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.InlinePolicies;

internal sealed record InlinePolicyResponse(string UserName, string PolicyName, string PolicyDocument);

internal sealed record InlinePolicyNamesResponse(IReadOnlyList<string> PolicyNames);

/// <summary>Creates or replaces a policy embedded in one user.</summary>
internal sealed record PutUserPolicy(string UserName, string PolicyName, JsonElement? PolicyDocument) : IRequest<InlinePolicyResponse>, IRequiresPermission, IValidatable
{
    /// <summary>IAM's quota for a user's inline policies, whitespace excluded.</summary>
    public const int MaxDocumentSize = 2048;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:PutUserPolicy", IamArns.User(caller.AccountId, "/", UserName));

    public void Validate()
    {
        IamNames.ExistingUser(UserName, "userName");
        IamNames.Policy(PolicyName, "policyName");
    }
}

internal sealed class PutUserPolicyHandler(IamDbContext db, ICallerContext caller, PolicyCache policies) : IRequestHandler<PutUserPolicy, InlinePolicyResponse>
{
    public async ValueTask<InlinePolicyResponse> Handle(PutUserPolicy request, CancellationToken cancellationToken)
    {
        var document = PolicyDocumentText.Validate(request.PolicyDocument, PutUserPolicy.MaxDocumentSize);
        var accountId = caller.Identity.AccountId;
        var user = await db.FindAsync(accountId, request.UserName, cancellationToken);
        var normalized = request.PolicyName.ToLowerInvariant();
        var existing = await db.InlinePolicies.SingleOrDefaultAsync(p => p.UserId == user.Id && p.NormalizedName == normalized, cancellationToken);
        if (existing is null)
        {
            db.InlinePolicies.Add(new InlinePolicy { AccountId = accountId, UserId = user.Id, PolicyName = request.PolicyName, NormalizedName = normalized, Document = document });
        }
        else
        {
            existing.Document = document;
        }

        await db.SaveChangesAsync(cancellationToken);
        policies.ForgetAccount(accountId);
        return new InlinePolicyResponse(user.UserName, existing?.PolicyName ?? request.PolicyName, document);
    }
}

internal sealed record GetUserPolicy(string UserName, string PolicyName) : IRequest<InlinePolicyResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:GetUserPolicy", IamArns.User(caller.AccountId, "/", UserName));

    public void Validate()
    {
        IamNames.ExistingUser(UserName, "userName");
        IamNames.Policy(PolicyName, "policyName");
    }
}

internal sealed class GetUserPolicyHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<GetUserPolicy, InlinePolicyResponse>
{
    public async ValueTask<InlinePolicyResponse> Handle(GetUserPolicy request, CancellationToken cancellationToken)
    {
        var user = await db.FindAsync(caller.Identity.AccountId, request.UserName, cancellationToken);
        var policy = await InlinePolicyLookup.FindAsync(db, user, request.PolicyName, cancellationToken);
        return new InlinePolicyResponse(user.UserName, policy.PolicyName, policy.Document);
    }
}

internal sealed record ListUserPolicies(string UserName) : IRequest<InlinePolicyNamesResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:ListUserPolicies", IamArns.User(caller.AccountId, "/", UserName));

    public void Validate() => IamNames.ExistingUser(UserName, "userName");
}

internal sealed class ListUserPoliciesHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<ListUserPolicies, InlinePolicyNamesResponse>
{
    public async ValueTask<InlinePolicyNamesResponse> Handle(ListUserPolicies request, CancellationToken cancellationToken)
    {
        var user = await db.FindAsync(caller.Identity.AccountId, request.UserName, cancellationToken);
        var names = await db.InlinePolicies.AsNoTracking().Where(p => p.UserId == user.Id).OrderBy(p => p.NormalizedName).Select(p => p.PolicyName).ToListAsync(cancellationToken);
        return new InlinePolicyNamesResponse(names);
    }
}

internal sealed record DeleteUserPolicy(string UserName, string PolicyName) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:DeleteUserPolicy", IamArns.User(caller.AccountId, "/", UserName));

    public void Validate()
    {
        IamNames.ExistingUser(UserName, "userName");
        IamNames.Policy(PolicyName, "policyName");
    }
}

internal sealed class DeleteUserPolicyHandler(IamDbContext db, ICallerContext caller, PolicyCache policies) : IRequestHandler<DeleteUserPolicy>
{
    public async ValueTask<Unit> Handle(DeleteUserPolicy request, CancellationToken cancellationToken)
    {
        var user = await db.FindAsync(caller.Identity.AccountId, request.UserName, cancellationToken);
        db.InlinePolicies.Remove(await InlinePolicyLookup.FindAsync(db, user, request.PolicyName, cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        policies.ForgetAccount(user.AccountId);
        return Unit.Value;
    }
}

internal static class InlinePolicyLookup
{
    public static async Task<InlinePolicy> FindAsync(IamDbContext db, User user, string policyName, CancellationToken cancellationToken)
    {
        var normalized = policyName.ToLowerInvariant();
        return await db.InlinePolicies.SingleOrDefaultAsync(p => p.UserId == user.Id && p.NormalizedName == normalized, cancellationToken)
            ?? throw ApiErrors.NotFound("NoSuchEntity", $"The user policy with name {policyName} cannot be found.");
    }
}
