using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.ManagedPolicies;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Policies;
using Platform.Modules.Shared.Accounts;

namespace Platform.Modules.Iam.Authorization;

/// <summary>
/// Each user's (with its groups') and role's parsed policies (attached and inline), kept for a few seconds so authorization costs no
/// query. Changes through this replica clear the account at once; through another, within the lifetime.
/// </summary>
internal sealed class PolicyCache(TimeProvider clock)
{
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(5);

    private static readonly Dictionary<string, PolicyDocument> AwsManaged =
        AwsManagedPolicies.Documents.ToDictionary(p => p.Key, p => PolicyDocument.Parse(p.Value, PolicyKind.Identity, int.MaxValue));

    private readonly ConcurrentDictionary<string, Entry> _users = new(StringComparer.Ordinal);

    /// <summary>The identity policies of the caller: its role's for a role session, its user's otherwise.</summary>
    public ValueTask<IReadOnlyList<PolicyDocument>> GetAsync(IamDbContext db, CallerIdentity identity, CancellationToken cancellationToken) =>
        identity.Role is { } role
            ? GetAsync(db, identity.AccountId, role.RoleId, isRole: true, cancellationToken)
            : GetAsync(db, identity.AccountId, identity.PrincipalId, isRole: false, cancellationToken);

    private async ValueTask<IReadOnlyList<PolicyDocument>> GetAsync(IamDbContext db, string accountId, string principalId, bool isRole, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_users.TryGetValue(principalId, out var entry) && now - entry.LoadedAt <= CacheLifetime)
        {
            return entry.Policies;
        }

        var policies = isRole ? await LoadRoleAsync(db, accountId, principalId, cancellationToken) : await LoadAsync(db, accountId, principalId, cancellationToken);
        _users[principalId] = new Entry(accountId, policies, now);
        return policies;
    }

    private static async Task<IReadOnlyList<PolicyDocument>> LoadRoleAsync(IamDbContext db, string accountId, string roleId, CancellationToken cancellationToken)
    {
        var attachedArns = await db.RolePolicyAttachments.AsNoTracking()
            .Where(a => a.RoleId == roleId && a.AccountId == accountId).Select(a => a.PolicyArn).ToListAsync(cancellationToken);
        var documents = await OwnManagedDocumentsAsync(db, accountId, attachedArns, cancellationToken);
        documents.AddRange(await db.RoleInlinePolicies.AsNoTracking()
            .Where(p => p.RoleId == roleId && p.AccountId == accountId).Select(p => p.Document).ToListAsync(cancellationToken));
        return Parse(attachedArns, documents);
    }

    private static async Task<List<string>> OwnManagedDocumentsAsync(IamDbContext db, string accountId, List<string> attachedArns, CancellationToken cancellationToken)
    {
        var ownPrefix = IamArns.Policy(accountId, "/", "");
        var ownNames = attachedArns.Where(a => a.StartsWith(ownPrefix, StringComparison.Ordinal)).Select(a => a[ownPrefix.Length..].ToLowerInvariant()).ToList();
        return await db.ManagedPolicies.AsNoTracking()
            .Where(p => p.AccountId == accountId && ownNames.Contains(p.NormalizedName)).Select(p => p.Document).ToListAsync(cancellationToken);
    }

    private static List<PolicyDocument> Parse(List<string> attachedArns, List<string> documents)
    {
        var policies = attachedArns.Where(AwsManaged.ContainsKey).Select(arn => AwsManaged[arn]).ToList();
        policies.AddRange(documents.Select(d => PolicyDocument.Parse(d, PolicyKind.Identity, int.MaxValue)));
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

    /// <summary>A user's own policies and those of every group it belongs to, as IAM evaluates them together.</summary>
    private static async Task<IReadOnlyList<PolicyDocument>> LoadAsync(IamDbContext db, string accountId, string userId, CancellationToken cancellationToken)
    {
        var groupIds = await db.GroupMemberships.AsNoTracking()
            .Where(m => m.UserId == userId && m.AccountId == accountId)
            .Join(db.Groups.AsNoTracking().Where(g => g.AccountId == accountId), m => m.GroupId, g => g.Id, (m, _) => m.GroupId)
            .ToListAsync(cancellationToken);
        var attachedArns = await db.UserPolicyAttachments.AsNoTracking()
            .Where(a => a.UserId == userId && a.AccountId == accountId).Select(a => a.PolicyArn).ToListAsync(cancellationToken);
        attachedArns.AddRange(await db.GroupPolicyAttachments.AsNoTracking()
            .Where(a => groupIds.Contains(a.GroupId) && a.AccountId == accountId).Select(a => a.PolicyArn).ToListAsync(cancellationToken));
        attachedArns = attachedArns.Distinct(StringComparer.Ordinal).ToList();
        var documents = await OwnManagedDocumentsAsync(db, accountId, attachedArns, cancellationToken);
        documents.AddRange(await db.InlinePolicies.AsNoTracking()
            .Where(p => p.UserId == userId && p.AccountId == accountId).Select(p => p.Document).ToListAsync(cancellationToken));
        documents.AddRange(await db.GroupInlinePolicies.AsNoTracking()
            .Where(p => groupIds.Contains(p.GroupId) && p.AccountId == accountId).Select(p => p.Document).ToListAsync(cancellationToken));
        return Parse(attachedArns, documents);
    }

    private sealed record Entry(string AccountId, IReadOnlyList<PolicyDocument> Policies, DateTimeOffset LoadedAt);
}
