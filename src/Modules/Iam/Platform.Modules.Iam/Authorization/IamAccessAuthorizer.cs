using System.Globalization;
using Platform.Modules.Iam.Authentication;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Policies;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Iam.Authorization;

/// <summary>
/// The account root may do anything in its own account; an IAM user may do what its policies allow
/// and nothing else (users start with no permissions; an explicit Deny wins).
/// </summary>
internal sealed class IamAccessAuthorizer(IamDbContext db, PolicyCache cache, AccessKeyAuthenticator keys, TimeProvider clock) : IAccessAuthorizer
{
    public async ValueTask EnsureAllowedAsync(ICallerContext caller, PermissionRequirement requirement, CancellationToken cancellationToken)
    {
        var identity = caller.Identity;
        if (identity.IsRoot)
        {
            return;
        }

        var decision = await DecideAsync(db, cache, keys, identity,
            new AuthorizationContext(requirement.Action, requirement.Resource, ContextKeys(caller)), cancellationToken);
        if (decision != PolicyDecision.Allow)
        {
            var reason = decision == PolicyDecision.ExplicitDeny ? "with an explicit deny" : "because no identity-based policy allows the action";
            throw ApiErrors.AccessDenied(
                $"User: {identity.PrincipalArn} is not authorized to perform: {requirement.Action} on resource: {requirement.Resource} {reason}");
        }
    }

    /// <summary>
    /// What the caller's own policies decide: a user's policies, or a role session's role policies intersected with its
    /// session policy (both must allow; an explicit deny in either wins).
    /// </summary>
    public static async ValueTask<PolicyDecision> DecideAsync(IamDbContext db, PolicyCache cache, AccessKeyAuthenticator keys, CallerIdentity identity,
        AuthorizationContext context, CancellationToken cancellationToken)
    {
        var decision = PolicyEvaluator.Evaluate(await cache.GetAsync(db, identity, cancellationToken), context);
        if (identity.IsSession && await keys.SessionPolicyAsync(db, identity.AccessKeyId, cancellationToken) is { } sessionPolicy)
        {
            var sessionDecision = PolicyEvaluator.Evaluate([sessionPolicy], context);
            decision = decision == PolicyDecision.ExplicitDeny || sessionDecision == PolicyDecision.ExplicitDeny ? PolicyDecision.ExplicitDeny
                : decision == PolicyDecision.Allow && sessionDecision == PolicyDecision.Allow ? PolicyDecision.Allow
                : PolicyDecision.ImplicitDeny;
        }

        return decision;
    }

    private Dictionary<string, IReadOnlyList<string>> ContextKeys(ICallerContext caller)
    {
        var identity = caller.Identity;
        var now = clock.GetUtcNow();
        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["aws:username"] = [identity.UserName ?? ""],
            ["aws:userid"] = [identity.PrincipalId],
            // A role session's aws:PrincipalArn is its role's ARN, as on AWS.
            ["aws:PrincipalArn"] = [identity.Role?.RoleArn ?? identity.PrincipalArn],
            ["aws:PrincipalAccount"] = [identity.AccountId],
            ["aws:PrincipalType"] = [identity.Role is null ? "User" : "AssumedRole"],
            ["aws:CurrentTime"] = [now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)],
            ["aws:EpochTime"] = [now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)],
        };
        foreach (var (name, value) in caller.RequestFacts)
        {
            keys[name] = [value];
        }

        return keys;
    }
}
