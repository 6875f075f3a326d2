using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Policies;
using Platform.Modules.Iam.Sts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authentication.SigV4;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Caching;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Iam.Authentication;

/// <summary>
/// Resolves access keys and checks signatures. Keys are cached for a few seconds so a signed request
/// costs no database round trip; a change made through this API replica takes effect at once, one made
/// through another replica within <see cref="CacheLifetime"/>. Both caches are bounded: the ids a caller
/// may name are endless, so unknown ones are remembered briefly and only so many, and a known key keeps
/// only so many signing keys (one per day, region and service it signs for).
/// </summary>
internal sealed partial class AccessKeyAuthenticator(ISecretProtector protector, TimeProvider clock)
{
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(5);

    /// <summary>Far above the keys an installation has in use within <see cref="CacheLifetime"/>.</summary>
    public const int KnownKeyCapacity = 10_000;

    /// <summary>Enough to spare the database a client retrying with a revoked key; a flood of made-up ids passes through.</summary>
    public const int UnknownKeyCapacity = 1_000;

    public static readonly TimeSpan UnknownKeyLifetime = TimeSpan.FromSeconds(1);

    /// <summary>A client signs for a few scopes a day; a key asked for more forgets the ones it derived before.</summary>
    public const int SigningKeysPerKey = 16;

    private readonly BoundedCache<string, CachedKey> _known = new(KnownKeyCapacity, CacheLifetime, clock, StringComparer.Ordinal);
    private readonly BoundedCache<string, bool> _unknown = new(UnknownKeyCapacity, UnknownKeyLifetime, clock, StringComparer.Ordinal);

    /// <summary>Entries both caches hold now (for tests and diagnostics).</summary>
    public (int Known, int Unknown) CachedEntries => (_known.Count, _unknown.Count);

    public static string SecretContext(string accessKeyId) => $"iam/access-key/{accessKeyId}";

    public async ValueTask<AuthenticatedCaller> AuthenticateAsync(IamDbContext db, SigV4ParsedRequest signature, CancellationToken cancellationToken)
    {
        var id = signature.AccessKeyId;
        var key = await GetAsync(db, id, cancellationToken) ?? throw InvalidAccessKeyId();
        if (key.Session is { } session)
        {
            CheckSession(signature, session);
        }
        else if (signature.SessionToken is not null)
        {
            // A long-term key has no token: one sent with it is refused as AWS refuses it (not ignored), header or query.
            throw InvalidClientTokenId();
        }

        if (!key.SigningKeys.TryGetValue(signature.Scope, out var signingKey))
        {
            if (key.SigningKeys.Count >= SigningKeysPerKey)
            {
                key.SigningKeys.Clear();
            }

            signingKey = SigV4Verifier.DeriveSigningKey(protector.Unprotect(key.ProtectedSecret, SecretContext(id)), signature.Scope);
            key.SigningKeys[signature.Scope] = signingKey;
        }

        // A session token must be covered by the signature. The variant without it (AWS's sts-header-after vectors) is never
        // needed here: a long-term key with any token was refused above.
        if (key.Session is null ? !SigV4Verifier.VerifySignature(signature, signingKey) : !SigV4Verifier.VerifySignatureWithToken(signature, signingKey))
        {
            throw new ApiException(403, "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
        }

        return new AuthenticatedCaller(key.Identity, signingKey);
    }

    /// <summary>Who an active key stands for, from the same caches as signatures; null for an unknown, inactive or expired key.</summary>
    public async ValueTask<CallerIdentity?> ResolveAsync(IamDbContext db, string accessKeyId, CancellationToken cancellationToken) =>
        await GetAsync(db, accessKeyId, cancellationToken) is { } key && (key.Session is null || key.Session.ExpiresAt > clock.GetUtcNow().UtcDateTime)
            ? key.Identity
            : null;

    /// <summary>The session policy of temporary credentials (AssumeRole's Policy), parsed; null when there is none.</summary>
    public async ValueTask<PolicyDocument?> SessionPolicyAsync(IamDbContext db, string accessKeyId, CancellationToken cancellationToken) =>
        (await GetAsync(db, accessKeyId, cancellationToken))?.Session?.Policy;

    /// <summary>
    /// Temporary credentials: the token the request carries must be the one issued with the key (else InvalidClientTokenId,
    /// as for a token altered or made up), the session must not have ended (ExpiredToken), and the token must be signed.
    /// </summary>
    private void CheckSession(SigV4ParsedRequest signature, CachedSession session)
    {
        if (!SessionCredentialIssuer.TokenMatches(signature.SessionToken, session.TokenHash))
        {
            throw InvalidClientTokenId();
        }

        if (session.ExpiresAt <= clock.GetUtcNow().UtcDateTime)
        {
            throw new ApiException(403, "ExpiredToken", "The security token included in the request is expired");
        }

        if (signature.Form == SigV4Form.Header && !signature.SignedHeaders.Contains("x-amz-security-token"))
        {
            throw new ApiException(403, "SignatureDoesNotMatch", "The session token (x-amz-security-token) must be included in the signed headers.");
        }
    }

    /// <summary>The key from the caches or the database; null, and remembered briefly as absent, for one IAM does not have.</summary>
    private async ValueTask<CachedKey?> GetAsync(IamDbContext db, string id, CancellationToken cancellationToken)
    {
        // An id IAM could never have issued is refused without a query and without a place in any cache.
        if (!AccessKeyIdPattern().IsMatch(id) || _unknown.TryGet(id, out _))
        {
            return null;
        }

        if (_known.TryGet(id, out var key))
        {
            return key;
        }

        var loaded = await LoadAsync(db, id, cancellationToken);
        if (loaded is null)
        {
            // Remembered as absent too, briefly, so a client retrying a bad key does not become a stream of queries.
            _unknown.Set(id, true);
            return null;
        }

        _known.Set(id, loaded);
        return loaded;
    }

    public void Forget(string accessKeyId)
    {
        _known.Remove(accessKeyId);
        _unknown.Remove(accessKeyId);
    }

    private static ApiException InvalidClientTokenId() =>
        new(403, "InvalidClientTokenId", "The security token included in the request is invalid.");

    private static ApiException InvalidAccessKeyId() =>
        new(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");

    /// <summary>IAM's accessKeyIdType: 16 to 128 word characters.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9_]{16,128}\z")]
    private static partial Regex AccessKeyIdPattern();

    private static async Task<CachedKey?> LoadAsync(IamDbContext db, string accessKeyId, CancellationToken cancellationToken)
    {
        if (accessKeyId.StartsWith(SessionKeyPrefix, StringComparison.Ordinal))
        {
            return await LoadSessionAsync(db, accessKeyId, cancellationToken);
        }

        var row = await db.AccessKeys.AsNoTracking()
            .Where(k => k.Id == accessKeyId && k.Status == AccessKeyStatus.Active)
            .Select(k => new { k.AccountId, k.UserId, k.ProtectedSecret, User = db.Users.FirstOrDefault(u => u.Id == k.UserId) })
            .SingleOrDefaultAsync(cancellationToken);
        if (row is null || (row.UserId is not null && row.User is null))
        {
            return null;
        }

        var identity = row.User is null
            ? new CallerIdentity(row.AccountId, Arns.AccountRoot(row.AccountId), row.AccountId, null, accessKeyId)
            : new CallerIdentity(row.AccountId, IamArns.User(row.AccountId, row.User.Path, row.User.UserName), row.User.Id, row.User.UserName, accessKeyId);
        return new CachedKey(identity, row.ProtectedSecret);
    }

    /// <summary>Temporary credentials' ids (STS); long-term keys are AKIA.</summary>
    public const string SessionKeyPrefix = "ASIA";

    private static async Task<CachedKey?> LoadSessionAsync(IamDbContext db, string accessKeyId, CancellationToken cancellationToken)
    {
        var session = await db.SessionCredentials.AsNoTracking().SingleOrDefaultAsync(s => s.AccessKeyId == accessKeyId, cancellationToken);
        if (session is null)
        {
            return null;
        }

        CallerIdentity identity;
        if (session.RoleId is not null)
        {
            var role = await db.Roles.AsNoTracking().SingleOrDefaultAsync(r => r.Id == session.RoleId, cancellationToken);
            if (role is null)
            {
                return null;
            }

            identity = new CallerIdentity(session.AccountId, IamArns.AssumedRole(role.AccountId, role.RoleName, session.SessionName),
                $"{role.Id}:{session.SessionName}", null, accessKeyId)
            {
                Role = new AssumedRole(role.Id, IamArns.Role(role.AccountId, role.Path, role.RoleName), role.RoleName, session.SessionName),
                IsSession = true,
            };
        }
        else if (session.UserId is not null)
        {
            var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == session.UserId, cancellationToken);
            if (user is null)
            {
                return null;
            }

            identity = new CallerIdentity(session.AccountId, IamArns.User(user.AccountId, user.Path, user.UserName), user.Id, user.UserName, accessKeyId) { IsSession = true };
        }
        else
        {
            identity = new CallerIdentity(session.AccountId, Arns.AccountRoot(session.AccountId), session.AccountId, null, accessKeyId) { IsSession = true };
        }

        var policy = session.SessionPolicy is null ? null : PolicyDocument.Parse(session.SessionPolicy, PolicyKind.Identity, int.MaxValue);
        return new CachedKey(identity, session.ProtectedSecret) { Session = new CachedSession(session.TokenHash, session.ExpiresAt, policy) };
    }

    private sealed record CachedSession(string TokenHash, DateTime ExpiresAt, PolicyDocument? Policy);

    private sealed record CachedKey(CallerIdentity Identity, string ProtectedSecret)
    {
        public CachedSession? Session { get; init; }

        public ConcurrentDictionary<SigV4Scope, byte[]> SigningKeys { get; } = new();
    }
}

internal sealed class AuthenticateRequestHandler(IamDbContext db, AccessKeyAuthenticator authenticator)
    : IRequestHandler<AuthenticateRequest, AuthenticatedCaller>
{
    public ValueTask<AuthenticatedCaller> Handle(AuthenticateRequest request, CancellationToken cancellationToken) =>
        authenticator.AuthenticateAsync(db, request.Signature, cancellationToken);
}

internal sealed class ResolveAccessKeyHandler(IamDbContext db, AccessKeyAuthenticator authenticator)
    : IRequestHandler<ResolveAccessKey, ResolvedAccessKey>
{
    public async ValueTask<ResolvedAccessKey> Handle(ResolveAccessKey request, CancellationToken cancellationToken) =>
        new(await authenticator.ResolveAsync(db, request.AccessKeyId, cancellationToken));
}
