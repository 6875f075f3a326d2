using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Iam.ManagedPolicies;

internal static class PolicyLookup
{
    public static async Task<ManagedPolicy> FindPolicyAsync(this IamDbContext db, string accountId, string policyName, CancellationToken cancellationToken)
    {
        var normalized = policyName.ToLowerInvariant();
        return await db.ManagedPolicies.SingleOrDefaultAsync(p => p.AccountId == accountId && p.NormalizedName == normalized, cancellationToken)
            ?? throw NoSuchPolicy(IamArns.Policy(accountId, "/", policyName));
    }

    /// <summary>
    /// Resolves an ARN the caller may attach: an AWS managed policy, or one of the caller's own account.
    /// Another account's policy reads as absent, so its existence is not revealed.
    /// </summary>
    public static async Task<(string Arn, string Name)> FindAttachableAsync(this IamDbContext db, string accountId, string policyArn, CancellationToken cancellationToken)
    {
        if (AwsManagedPolicies.Documents.ContainsKey(policyArn))
        {
            return (policyArn, AwsManagedPolicies.NameOf(policyArn));
        }

        var ownPrefix = IamArns.Policy(accountId, "/", "");
        if (policyArn.StartsWith(ownPrefix, StringComparison.Ordinal))
        {
            var policy = await db.FindPolicyAsync(accountId, policyArn[ownPrefix.Length..], cancellationToken);
            return (IamArns.Policy(accountId, policy.Path, policy.PolicyName), policy.PolicyName);
        }

        throw NoSuchPolicy(policyArn);
    }

    public static ApiException NoSuchPolicy(string arn) =>
        ApiErrors.NotFound("NoSuchEntity", $"Policy {arn} does not exist or is not attachable.");
}
