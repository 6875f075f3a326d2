namespace Platform.Modules.Iam.Policies;

internal enum PolicyDecision
{
    ImplicitDeny,
    Allow,
    ExplicitDeny,
}

/// <summary>
/// The request to decide. Context keys are matched without regard to case (aws:username, aws:SourceIp, ...);
/// the principal fields matter for resource policies only.
/// </summary>
internal sealed record AuthorizationContext(
    string Action,
    string Resource,
    IReadOnlyDictionary<string, IReadOnlyList<string>> ContextKeys,
    string? PrincipalArn = null,
    string? PrincipalAccount = null,
    string? PrincipalService = null);

/// <summary>IAM's evaluation: an explicit Deny anywhere wins, otherwise any Allow allows, otherwise deny.</summary>
internal static class PolicyEvaluator
{
    public static PolicyDecision Evaluate(IEnumerable<PolicyDocument> policies, AuthorizationContext request)
    {
        var allowed = false;
        foreach (var policy in policies)
        {
            foreach (var statement in policy.Statements)
            {
                if (!Applies(policy, statement, request))
                {
                    continue;
                }

                if (!statement.IsAllow)
                {
                    return PolicyDecision.ExplicitDeny;
                }

                allowed = true;
            }
        }

        return allowed ? PolicyDecision.Allow : PolicyDecision.ImplicitDeny;
    }

    private static bool Applies(PolicyDocument policy, PolicyStatement statement, AuthorizationContext request)
    {
        var actionMatches = false;
        foreach (var action in statement.Actions)
        {
            if (action.IsMatch(request.Action))
            {
                actionMatches = true;
                break;
            }
        }

        if (actionMatches == statement.NotAction)
        {
            return false;
        }

        var resourceMatches = false;
        foreach (var resource in statement.Resources)
        {
            if (resource.IsMatch(request.Resource, request.ContextKeys))
            {
                resourceMatches = true;
                break;
            }
        }

        if (resourceMatches == statement.NotResource)
        {
            return false;
        }

        if (statement.Principals is { } principals && principals.Contains(request.PrincipalArn, request.PrincipalAccount, request.PrincipalService) == principals.Negated)
        {
            return false;
        }

        if (statement.Conditions.Count == 0)
        {
            return true;
        }

        Func<string, string?>? substitute = policy.SupportsVariables
            ? value => !PolicyVariables.Contains(value) ? value
                : PolicyVariables.TryResolve(value, request.ContextKeys, ignoreCase: false, out var resolved) ? resolved.ToString() : null
            : null;
        foreach (var condition in statement.Conditions)
        {
            if (!condition.Holds(request.ContextKeys, substitute))
            {
                return false;
            }
        }

        return true;
    }
}
