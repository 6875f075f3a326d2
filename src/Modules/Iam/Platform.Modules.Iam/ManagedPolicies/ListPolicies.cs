using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.ManagedPolicies;

/// <param name="Scope">All (default), Local (the account's own) or AWS (the built-in ones), as IAM's ListPolicies.</param>
internal sealed record ListPolicies(string? Scope) : IRequest<PolicyListResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:ListPolicies", IamArns.AnyPolicy(caller.AccountId));

    public void Validate()
    {
        if (Scope is not null)
        {
            Parameter.OneOf(Scope, "scope", "All", "AWS", "Local");
        }
    }
}

internal sealed class ListPoliciesHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<ListPolicies, PolicyListResponse>
{
    public async ValueTask<PolicyListResponse> Handle(ListPolicies request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var result = new List<PolicyResponse>();
        if (request.Scope is null or "All" or "AWS")
        {
            result.AddRange(AwsManagedPolicies.Documents.Keys.Select(arn => new PolicyResponse(
                AwsManagedPolicies.NameOf(arn), AwsManagedPolicies.NameOf(arn), arn, "/", "v1", 0, true, null,
                DateTime.UnixEpoch, DateTime.UnixEpoch, null)));
        }

        if (request.Scope is null or "All" or "Local")
        {
            var counts = await db.UserPolicyAttachments.AsNoTracking()
                .Where(a => a.AccountId == accountId)
                .GroupBy(a => a.PolicyArn)
                .Select(g => new { Arn = g.Key, Count = g.Count() })
                .ToDictionaryAsync(g => g.Arn, g => g.Count, cancellationToken);
            foreach (var roleCount in await db.RolePolicyAttachments.AsNoTracking().Where(a => a.AccountId == accountId).GroupBy(a => a.PolicyArn)
                         .Select(g => new { Arn = g.Key, Count = g.Count() }).ToListAsync(cancellationToken))
            {
                counts[roleCount.Arn] = counts.GetValueOrDefault(roleCount.Arn) + roleCount.Count;
            }

            foreach (var groupCount in await db.GroupPolicyAttachments.AsNoTracking().Where(a => a.AccountId == accountId).GroupBy(a => a.PolicyArn)
                         .Select(g => new { Arn = g.Key, Count = g.Count() }).ToListAsync(cancellationToken))
            {
                counts[groupCount.Arn] = counts.GetValueOrDefault(groupCount.Arn) + groupCount.Count;
            }

            var own = await db.ManagedPolicies.AsNoTracking().Where(p => p.AccountId == accountId).OrderBy(p => p.NormalizedName).ToListAsync(cancellationToken);
            result.AddRange(own.Select(p =>
                PolicyMapping.ToResponse(p, counts.GetValueOrDefault(IamArns.Policy(p.AccountId, p.Path, p.PolicyName)), includeDocument: false)));
        }

        return new PolicyListResponse(result);
    }
}
