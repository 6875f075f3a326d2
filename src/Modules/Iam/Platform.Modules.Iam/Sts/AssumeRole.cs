using System.Globalization;
using System.Text.RegularExpressions;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.ManagedPolicies;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Policies;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Iam.Sts;

/// <summary>
/// sts:AssumeRole. Two policies must agree: the role's trust policy must allow the caller (its account, its ARN, its
/// conditions such as sts:ExternalId), and the caller's own policies must allow sts:AssumeRole on the role (an account's
/// root needs no policy of its own). The session may do what the role's policies allow, narrowed by <see cref="Policy"/>.
/// </summary>
internal sealed partial record AssumeRole(string? RoleArn, string? RoleSessionName, int? DurationSeconds, string? Policy, string? ExternalId)
    : IRequest<AssumeRoleResponse>, IRequiresPermission, IValidatable
{
    public const int MinDuration = 900;

    /// <summary>A session that assumes another role (role chaining) gets an hour at most, as on AWS.</summary>
    public const int ChainedMaxDuration = 3600;

    public const int MaxSessionPolicySize = 2048;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("sts:AssumeRole", RoleArn ?? "");

    public void Validate()
    {
        Parameter.Required(RoleArn, "roleArn");
        Parameter.Length(RoleArn, "roleArn", 20, 2048);
        Parameter.Required(RoleSessionName, "roleSessionName");
        Parameter.Length(RoleSessionName, "roleSessionName", 2, 64);
        Parameter.Matches(RoleSessionName, "roleSessionName", SessionNamePattern(), @"[\w+=,.@-]*");
        if (DurationSeconds is < MinDuration or > Roles.CreateRole.LongestMaxSessionDuration)
        {
            throw ApiErrors.ValidationError(
                $"1 validation error detected: Value '{DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value between {MinDuration} and {Roles.CreateRole.LongestMaxSessionDuration}");
        }

        if (ExternalId is not null)
        {
            Parameter.Length(ExternalId, "externalId", 2, 1224);
            Parameter.Matches(ExternalId, "externalId", ExternalIdPattern(), @"[\w+=,.@:\/-]*");
        }

        if (Policy is not null)
        {
            Parameter.Length(Policy, "policy", 1, 100_000);
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@-]*\z")]
    private static partial Regex SessionNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@:/-]*\z")]
    private static partial Regex ExternalIdPattern();
}

internal sealed partial class AssumeRoleHandler(IamDbContext db, ICallerContext caller, ISecretProtector protector, TimeProvider clock)
    : IRequestHandler<AssumeRole, AssumeRoleResponse>
{
    public async ValueTask<AssumeRoleResponse> Handle(AssumeRole request, CancellationToken cancellationToken)
    {
        var identity = caller.Identity;
        var denied = ApiErrors.AccessDenied($"User: {identity.PrincipalArn} is not authorized to perform: sts:AssumeRole on resource: {request.RoleArn}");
        if (RoleArnPattern().Match(request.RoleArn!) is not { Success: true } arn)
        {
            throw ApiErrors.ValidationError($"{request.RoleArn} is invalid");
        }

        var accountId = arn.Groups["account"].Value;
        var normalized = arn.Groups["name"].Value.ToLowerInvariant();
        // Another account's role that does not exist and one whose trust policy does not name the caller answer alike.
        var role = await db.Roles.AsNoTracking().SingleOrDefaultAsync(r => r.AccountId == accountId && r.NormalizedName == normalized, cancellationToken)
            ?? throw denied;

        string? sessionPolicy = null;
        if (request.Policy is not null)
        {
            sessionPolicy = PolicyDocumentText.Validate(System.Text.Json.JsonSerializer.SerializeToElement(request.Policy), AssumeRole.MaxSessionPolicySize);
        }

        var now = clock.GetUtcNow();
        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["aws:PrincipalArn"] = [identity.Role?.RoleArn ?? identity.PrincipalArn],
            ["aws:PrincipalAccount"] = [identity.AccountId],
            ["aws:userid"] = [identity.PrincipalId],
            ["aws:PrincipalType"] = [identity.Role is not null ? "AssumedRole" : identity.IsRoot ? "Account" : "User"],
            ["aws:CurrentTime"] = [now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)],
            ["aws:EpochTime"] = [now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)],
            ["sts:RoleSessionName"] = [request.RoleSessionName!],
        };
        if (identity.UserName is not null)
        {
            keys["aws:username"] = [identity.UserName];
        }

        if (request.ExternalId is not null)
        {
            keys["sts:ExternalId"] = [request.ExternalId];
        }

        foreach (var (name, value) in caller.RequestFacts)
        {
            keys[name] = [value];
        }

        var roleArn = IamArns.Role(role.AccountId, role.Path, role.RoleName);
        var trust = PolicyDocument.Parse(role.AssumeRolePolicy, PolicyKind.Trust, int.MaxValue);
        // A role session is matched by its role's ARN or by the session's own ARN, as AWS matches either.
        var trusted = PolicyEvaluator.Evaluate([trust], new AuthorizationContext("sts:AssumeRole", roleArn, keys, identity.PrincipalArn, identity.AccountId))
            == PolicyDecision.Allow
            || (identity.Role is not null
                && PolicyEvaluator.Evaluate([trust], new AuthorizationContext("sts:AssumeRole", roleArn, keys, identity.Role.RoleArn, identity.AccountId))
                == PolicyDecision.Allow);
        if (!trusted)
        {
            throw denied;
        }

        var longest = identity.Role is not null ? Math.Min(AssumeRole.ChainedMaxDuration, role.MaxSessionDuration) : role.MaxSessionDuration;
        var duration = request.DurationSeconds ?? Math.Min(3600, longest);
        if (duration > longest)
        {
            throw ApiErrors.ValidationError(identity.Role is not null
                ? "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
                : "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
        }

        var (row, credentials) = SessionCredentialIssuer.Issue(protector, role.AccountId, role.Id, userId: null, request.RoleSessionName!, sessionPolicy,
            now.UtcDateTime, TimeSpan.FromSeconds(duration));
        db.SessionCredentials.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        var packed = sessionPolicy is null ? (int?)null : Math.Max(1, sessionPolicy.Count(c => !char.IsWhiteSpace(c)) * 100 / AssumeRole.MaxSessionPolicySize);
        return new AssumeRoleResponse(credentials,
            new AssumedRoleUserResponse($"{role.Id}:{request.RoleSessionName}", IamArns.AssumedRole(role.AccountId, role.RoleName, request.RoleSessionName!)),
            packed);
    }

    /// <summary>A role's ARN with the root path (the only one roles have here).</summary>
    [GeneratedRegex(@"^arn:aws:iam::(?<account>[0-9]{12}):role/(?<name>[A-Za-z0-9_+=,.@-]{1,64})\z")]
    private static partial Regex RoleArnPattern();
}
