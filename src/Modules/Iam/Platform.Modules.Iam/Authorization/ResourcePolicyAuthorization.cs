using System.Globalization;
using Mediator;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Iam.Authentication;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Policies;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Iam.Authorization;

/// <summary>Identity policies and a resource policy decided together, as AWS does for S3 bucket policies.</summary>
internal sealed class AuthorizeResourceAccessHandler(ICallerContext caller, IamDbContext db, PolicyCache cache, AccessKeyAuthenticator accessKeys, TimeProvider clock,
    RequestActions actions)
    : IRequestHandler<AuthorizeResourceAccess, Unit>
{
    public async ValueTask<Unit> Handle(AuthorizeResourceAccess request, CancellationToken cancellationToken)
    {
        actions.Add(new PermissionRequirement(request.Action, request.Resource));
        var identity = caller.IsAuthenticated ? caller.Identity : null;
        var context = new AuthorizationContext(request.Action, request.Resource, ContextKeys(identity, request.ConditionKeys), identity?.PrincipalArn, identity?.AccountId);
        var resourceDecision = request.ResourcePolicy is null
            ? PolicyDecision.ImplicitDeny
            : PolicyEvaluator.Evaluate([PolicyDocument.Parse(request.ResourcePolicy, PolicyKind.Resource, int.MaxValue)], context);
        if (resourceDecision == PolicyDecision.ImplicitDeny && request.GrantedByAcl)
        {
            resourceDecision = PolicyDecision.Allow;
        }

        var identityDecision = PolicyDecision.ImplicitDeny;
        if (identity is not null)
        {
            identityDecision = identity.IsRoot
                ? PolicyDecision.Allow
                : await IamAccessAuthorizer.DecideAsync(db, cache, accessKeys, identity, context, cancellationToken);
        }

        var sameAccount = identity?.AccountId == request.ResourceAccountId;
        var allowed = identityDecision != PolicyDecision.ExplicitDeny && resourceDecision != PolicyDecision.ExplicitDeny
            && (sameAccount
                ? identityDecision == PolicyDecision.Allow || resourceDecision == PolicyDecision.Allow
                : resourceDecision == PolicyDecision.Allow && (identity is null || identityDecision == PolicyDecision.Allow));
        if (!allowed)
        {
            throw ApiErrors.AccessDenied("Access Denied");
        }

        return Unit.Value;
    }

    private Dictionary<string, IReadOnlyList<string>> ContextKeys(CallerIdentity? identity, IReadOnlyDictionary<string, string>? actionKeys)
    {
        var now = clock.GetUtcNow();
        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["aws:CurrentTime"] = [now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)],
            ["aws:EpochTime"] = [now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)],
        };
        if (identity is not null)
        {
            keys["aws:username"] = [identity.UserName ?? ""];
            keys["aws:userid"] = [identity.PrincipalId];
            keys["aws:PrincipalArn"] = [identity.Role?.RoleArn ?? identity.PrincipalArn];
            keys["aws:PrincipalAccount"] = [identity.AccountId];
            keys["aws:PrincipalType"] = [identity.IsRoot ? "Account" : identity.Role is null ? "User" : "AssumedRole"];
        }

        foreach (var (name, value) in caller.RequestFacts)
        {
            keys[name] = [value];
        }

        foreach (var (name, value) in actionKeys ?? new Dictionary<string, string>())
        {
            keys[name] = [value];
        }

        return keys;
    }
}

internal sealed class ValidateResourcePolicyHandler : IRequestHandler<ValidateResourcePolicy, Unit>
{
    /// <summary>S3's limit on a bucket policy.</summary>
    private const int MaxBucketPolicySize = 20 * 1024;

    public ValueTask<Unit> Handle(ValidateResourcePolicy request, CancellationToken cancellationToken)
    {
        try
        {
            _ = PolicyDocument.Parse(request.Document, PolicyKind.Resource, MaxBucketPolicySize);
        }
        catch (PolicyValidationException e)
        {
            throw new ApiException(400, "MalformedPolicy", e.Message);
        }

        return ValueTask.FromResult(Unit.Value);
    }
}
