using System.Security.Cryptography;
using System.Text;
using Platform.Modules.Iam.Authentication;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Iam.Sts;

internal sealed record SessionCredentialsResponse(string AccessKeyId, string SecretAccessKey, string SessionToken, DateTime Expiration);

internal sealed record AssumedRoleUserResponse(string AssumedRoleId, string Arn);

internal sealed record AssumeRoleResponse(SessionCredentialsResponse Credentials, AssumedRoleUserResponse AssumedRoleUser, int? PackedPolicySize);

internal sealed record GetSessionTokenResponse(SessionCredentialsResponse Credentials);

/// <summary>Issues temporary credentials: an ASIA key, a secret kept encrypted, and a random token kept only as its hash.</summary>
internal static class SessionCredentialIssuer
{
    /// <summary>Random bytes in a token: far past guessing, and a token about as long as AWS's, which clients must carry whole.</summary>
    private const int TokenBytes = 96;

    public static (SessionCredential Row, SessionCredentialsResponse Credentials) Issue(ISecretProtector protector, string accountId, string? roleId,
        string? userId, string sessionName, string? sessionPolicy, DateTime now, TimeSpan duration)
    {
        var id = ResourceIds.NewIamId("ASIA");
        var secret = ResourceIds.NewSecret();
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(TokenBytes));
        var expires = DateTime.SpecifyKind(now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)) + duration, DateTimeKind.Utc);
        var row = new SessionCredential
        {
            AccessKeyId = id,
            AccountId = accountId,
            RoleId = roleId,
            UserId = userId,
            SessionName = sessionName,
            ProtectedSecret = protector.Protect(secret, AccessKeyAuthenticator.SecretContext(id)),
            TokenHash = HashToken(token),
            SessionPolicy = sessionPolicy,
            ExpiresAt = expires,
            CreatedAt = now,
        };
        return (row, new SessionCredentialsResponse(id, secret, token, expires));
    }

    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Compares in constant time, as signatures are.</summary>
    public static bool TokenMatches(string? token, string storedHash) =>
        token is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(HashToken(token)), Encoding.ASCII.GetBytes(storedHash));
}
