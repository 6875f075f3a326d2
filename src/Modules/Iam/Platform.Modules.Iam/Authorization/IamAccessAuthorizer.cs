using System.Globalization;
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
internal sealed class IamAccessAuthorizer(IamDbContext db, PolicyCache cache, TimeProvider clock) : IAccessAuthorizer
{
    public async ValueTask EnsureAllowedAsync(ICallerContext caller, PermissionRequirement requirement, CancellationToken cancellationToken)
    {
        var identity = caller.Identity;
        if (identity.IsRoot)
        {
            return;
        }

        var policies = await cache.GetAsync(db, identity.AccountId, identity.PrincipalId, cancellationToken);
        var decision = PolicyEvaluator.Evaluate(policies, new AuthorizationContext(requirement.Action, requirement.Resource, ContextKeys(caller)));
        if (decision != PolicyDecision.Allow)
        {
            var reason = decision == PolicyDecision.ExplicitDeny ? "with an explicit deny" : "because no identity-based policy allows the action";
            throw ApiErrors.AccessDenied(
                $"User: {identity.PrincipalArn} is not authorized to perform: {requirement.Action} on resource: {requirement.Resource} {reason}");
        }
    }

    private Dictionary<string, IReadOnlyList<string>> ContextKeys(ICallerContext caller)
    {
        var identity = caller.Identity;
        var now = clock.GetUtcNow();
        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["aws:username"] = [identity.UserName ?? ""],
            ["aws:userid"] = [identity.PrincipalId],
            ["aws:PrincipalArn"] = [identity.PrincipalArn],
            ["aws:PrincipalAccount"] = [identity.AccountId],
            ["aws:PrincipalType"] = ["User"],
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
