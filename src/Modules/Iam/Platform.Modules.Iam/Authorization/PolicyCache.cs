using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.ManagedPolicies;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Policies;

namespace Platform.Modules.Iam.Authorization;

/// <summary>
/// Each user's parsed policies (attached and inline), kept for a few seconds so authorization costs no
/// query. Changes through this replica clear the account at once; through another, within the lifetime.
/// </summary>
internal sealed class PolicyCache(TimeProvider clock)
{
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(5);

    private static readonly Dictionary<string, PolicyDocument> AwsManaged =
        AwsManagedPolicies.Documents.ToDictionary(p => p.Key, p => PolicyDocument.Parse(p.Value, PolicyKind.Identity, int.MaxValue));

    private readonly ConcurrentDictionary<string, Entry> _users = new(StringComparer.Ordinal);

    public async ValueTask<IReadOnlyList<PolicyDocument>> GetAsync(IamDbContext db, string accountId, string userId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_users.TryGetValue(userId, out var entry) && now - entry.LoadedAt <= CacheLifetime)
        {
            return entry.Policies;
        }

        var policies = await LoadAsync(db, accountId, userId, cancellationToken);
        _users[userId] = new Entry(accountId, policies, now);
        return policies;
    }

    public void ForgetAccount(string accountId)
    {
        foreach (var (userId, entry) in _users)
        {
            if (entry.AccountId == accountId)
            {
                _users.TryRemove(userId, out _);
            }
        }
    }

    private static async Task<IReadOnlyList<PolicyDocument>> LoadAsync(IamDbContext db, string accountId, string userId, CancellationToken cancellationToken)
    {
        var attachedArns = await db.UserPolicyAttachments.AsNoTracking()
            .Where(a => a.UserId == userId && a.AccountId == accountId).Select(a => a.PolicyArn).ToListAsync(cancellationToken);
        var ownPrefix = IamArns.Policy(accountId, "/", "");
        var ownNames = attachedArns.Where(a => a.StartsWith(ownPrefix, StringComparison.Ordinal)).Select(a => a[ownPrefix.Length..].ToLowerInvariant()).ToList();
        var documents = await db.ManagedPolicies.AsNoTracking()
            .Where(p => p.AccountId == accountId && ownNames.Contains(p.NormalizedName)).Select(p => p.Document).ToListAsync(cancellationToken);
        documents.AddRange(await db.InlinePolicies.AsNoTracking()
            .Where(p => p.UserId == userId && p.AccountId == accountId).Select(p => p.Document).ToListAsync(cancellationToken));

        var policies = attachedArns.Where(AwsManaged.ContainsKey).Select(arn => AwsManaged[arn]).ToList();
        policies.AddRange(documents.Select(d => PolicyDocument.Parse(d, PolicyKind.Identity, int.MaxValue)));
        return policies;
    }

    private sealed record Entry(string AccountId, IReadOnlyList<PolicyDocument> Policies, DateTimeOffset LoadedAt);
}
