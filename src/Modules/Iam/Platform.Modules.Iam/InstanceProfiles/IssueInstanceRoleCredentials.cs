using System.Globalization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Policies;
using Platform.Modules.Iam.Sts;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Iam.InstanceProfiles;

internal sealed class IssueInstanceRoleCredentialsHandler(IamDbContext db, ISecretProtector protector, TimeProvider clock)
    : IRequestHandler<IssueInstanceRoleCredentials, InstanceRoleCredentials>
{
    public const string ServicePrincipal = "ec2.amazonaws.com";

    /// <summary>How long an instance's credentials last (EC2's last about six hours), at most the role's MaxSessionDuration.</summary>
    public static readonly TimeSpan LongestDuration = TimeSpan.FromHours(6);

    public async ValueTask<InstanceRoleCredentials> Handle(IssueInstanceRoleCredentials request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var name = request.InstanceProfileArn[(request.InstanceProfileArn.LastIndexOf('/') + 1)..].ToLowerInvariant();
        var profile = await db.InstanceProfiles.AsNoTracking()
            .SingleOrDefaultAsync(p => p.AccountId == request.AccountId && p.NormalizedName == name, cancellationToken);
        var role = profile is { RoleId: { } roleId } && IamArns.InstanceProfile(profile.AccountId, profile.Path, profile.Name) == request.InstanceProfileArn
                && (request.InstanceProfileId is null || profile.Id == request.InstanceProfileId)
            ? await db.Roles.AsNoTracking().SingleOrDefaultAsync(r => r.Id == roleId, cancellationToken)
            : null;
        if (role is null)
        {
            return new InstanceRoleCredentials(InstanceRoleCredentials.InstanceProfileNotFound, $"Instance profile {request.InstanceProfileArn} holds no role",
                null, null, null, null, null, now);
        }

        var roleArn = IamArns.Role(role.AccountId, role.Path, role.RoleName);
        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["aws:CurrentTime"] = [now.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)],
            ["aws:EpochTime"] = [new DateTimeOffset(now).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)],
            ["sts:RoleSessionName"] = [request.InstanceId],
        };
        var trust = PolicyDocument.Parse(role.AssumeRolePolicy, PolicyKind.Trust, int.MaxValue);
        if (PolicyEvaluator.Evaluate([trust], new AuthorizationContext("sts:AssumeRole", roleArn, keys, PrincipalService: ServicePrincipal)) != PolicyDecision.Allow)
        {
            return new InstanceRoleCredentials(InstanceRoleCredentials.AssumeRoleUnauthorizedAccess,
                $"EC2 cannot assume the role {role.RoleName}. Please see documentation at https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html#troubleshoot_roles_ec2",
                role.RoleName, null, null, null, null, now);
        }

        var duration = TimeSpan.FromSeconds(Math.Min(role.MaxSessionDuration, LongestDuration.TotalSeconds));
        var (row, credentials) = SessionCredentialIssuer.Issue(protector, role.AccountId, role.Id, userId: null, request.InstanceId, sessionPolicy: null, now, duration);
        db.SessionCredentials.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return new InstanceRoleCredentials(InstanceRoleCredentials.Success, null, role.RoleName, credentials.AccessKeyId, credentials.SecretAccessKey,
            credentials.SessionToken, credentials.Expiration, now);
    }
}
