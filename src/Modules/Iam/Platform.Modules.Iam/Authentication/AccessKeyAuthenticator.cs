using System.Collections.Concurrent;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authentication.SigV4;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Iam.Authentication;

/// <summary>
/// Resolves access keys and checks signatures. Keys are cached for a few seconds so a signed request
/// costs no database round trip; a change made through this API replica takes effect at once, one made
/// through another replica within <see cref="CacheLifetime"/>.
/// </summary>
internal sealed class AccessKeyAuthenticator(ISecretProtector protector, TimeProvider clock)
{
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, CachedKey> _keys = new(StringComparer.Ordinal);

    public static string SecretContext(string accessKeyId) => $"iam/access-key/{accessKeyId}";

    public async ValueTask<AuthenticatedCaller> AuthenticateAsync(IamDbContext db, SigV4ParsedRequest signature, CancellationToken cancellationToken)
    {
        var key = await GetAsync(db, signature.AccessKeyId, cancellationToken);
        if (key.Identity is null)
        {
            throw new ApiException(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
        }

        var signingKey = key.SigningKeys.GetOrAdd(signature.Scope, static (scope, state) =>
            SigV4Verifier.DeriveSigningKey(state.Protector.Unprotect(state.Key.ProtectedSecret!, SecretContext(state.Key.Identity!.AccessKeyId)), scope),
            (Protector: protector, Key: key));
        if (!SigV4Verifier.VerifySignature(signature, signingKey))
        {
            throw new ApiException(403, "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
        }

        return new AuthenticatedCaller(key.Identity, signingKey);
    }

    /// <summary>Who an active key stands for, from the same cache as signatures; null for an unknown or inactive key.</summary>
    public async ValueTask<CallerIdentity?> ResolveAsync(IamDbContext db, string accessKeyId, CancellationToken cancellationToken) =>
        (await GetAsync(db, accessKeyId, cancellationToken)).Identity;

    public void Forget(string accessKeyId) => _keys.TryRemove(accessKeyId, out _);

    private async ValueTask<CachedKey> GetAsync(IamDbContext db, string accessKeyId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (!_keys.TryGetValue(accessKeyId, out var key) || now - key.LoadedAt > CacheLifetime)
        {
            key = await LoadAsync(db, accessKeyId, now, cancellationToken);
            _keys[accessKeyId] = key;
        }

        return key;
    }

    private static async Task<CachedKey> LoadAsync(IamDbContext db, string accessKeyId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var row = await db.AccessKeys.AsNoTracking()
            .Where(k => k.Id == accessKeyId && k.Status == AccessKeyStatus.Active)
            .Select(k => new { k.AccountId, k.UserId, k.ProtectedSecret, User = db.Users.FirstOrDefault(u => u.Id == k.UserId) })
            .SingleOrDefaultAsync(cancellationToken);
        if (row is null || (row.UserId is not null && row.User is null))
        {
            // Remembered as absent too, so a flood of bad keys does not become a flood of queries.
            return new CachedKey(null, null, now);
        }

        var identity = row.User is null
            ? new CallerIdentity(row.AccountId, Arns.AccountRoot(row.AccountId), row.AccountId, null, accessKeyId)
            : new CallerIdentity(row.AccountId, IamArns.User(row.AccountId, row.User.Path, row.User.UserName), row.User.Id, row.User.UserName, accessKeyId);
        return new CachedKey(identity, row.ProtectedSecret, now);
    }

    private sealed record CachedKey(CallerIdentity? Identity, string? ProtectedSecret, DateTimeOffset LoadedAt)
    {
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
