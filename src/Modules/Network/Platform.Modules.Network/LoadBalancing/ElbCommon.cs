using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.LoadBalancing;

/// <summary>A tag as ELBv2 takes it.</summary>
internal sealed record ElbTag(string? Key, string? Value);

/// <summary>How conditions, actions, nodes and tags are kept in their JSON columns.</summary>
internal static class ElbJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)!;
}

internal static partial class ElbNames
{
    /// <summary>ELBv2's names: 1 to 32 letters, digits and hyphens, not beginning or ending with a hyphen.</summary>
    public static void Check(string? name, string what)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 32 || !NamePattern().IsMatch(name))
        {
            throw ElbErrors.Validation($"{what} name '{name}' must have 1 to 32 alphanumeric characters or hyphens, and must not begin or end with a hyphen.");
        }
    }

    public static IReadOnlyList<ElbTag> Tags(IReadOnlyList<ElbTag>? tags)
    {
        if (tags is null)
        {
            return [];
        }

        if (tags.Count > 50)
        {
            throw new Shared.Errors.ApiException(400, "TooManyTags", "A resource takes at most 50 tags.");
        }

        foreach (var tag in tags)
        {
            if (string.IsNullOrEmpty(tag.Key) || tag.Key.Length > 128 || tag.Value is { Length: > 256 } || tag.Key.StartsWith("aws:", StringComparison.Ordinal))
            {
                throw ElbErrors.Validation($"Tag key '{tag.Key}' must have 1 to 128 characters and not begin with 'aws:'; values at most 256.");
            }
        }

        if (tags.GroupBy(t => t.Key).Any(g => g.Count() > 1))
        {
            throw new Shared.Errors.ApiException(400, "DuplicateTagKeys", "A tag key is given twice.");
        }

        return tags;
    }

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")]
    private static partial Regex NamePattern();
}

/// <summary>The account's ELBv2 resources by ARN; another account's ARN does not exist here.</summary>
internal static class ElbLookups
{
    public static async Task<LoadBalancer> FindLoadBalancerAsync(this NetworkDbContext db, string accountId, string? arn, CancellationToken cancellationToken) =>
        await db.LoadBalancers.SingleOrDefaultAsync(l => l.Arn == arn && l.AccountId == accountId, cancellationToken) ?? throw ElbErrors.LoadBalancerNotFound(arn);

    public static async Task<TargetGroup> FindTargetGroupAsync(this NetworkDbContext db, string accountId, string? arn, CancellationToken cancellationToken) =>
        await db.TargetGroups.SingleOrDefaultAsync(g => g.Arn == arn && g.AccountId == accountId, cancellationToken) ?? throw ElbErrors.TargetGroupNotFound(arn);

    public static async Task<Listener> FindListenerAsync(this NetworkDbContext db, string accountId, string? arn, CancellationToken cancellationToken) =>
        await db.Listeners.SingleOrDefaultAsync(l => l.Arn == arn && l.AccountId == accountId, cancellationToken) ?? throw ElbErrors.ListenerNotFound(arn);

    public static async Task<ListenerRule> FindRuleAsync(this NetworkDbContext db, string accountId, string? arn, CancellationToken cancellationToken) =>
        await db.ListenerRules.SingleOrDefaultAsync(r => r.Arn == arn && r.AccountId == accountId, cancellationToken) ?? throw ElbErrors.RuleNotFound(arn);

    /// <summary>Which load balancers forward to each target group of the account (through a listener's default action or a rule).</summary>
    public static async Task<Dictionary<string, HashSet<string>>> LoadBalancersByTargetGroupAsync(this NetworkDbContext db, string accountId, CancellationToken cancellationToken)
    {
        var listeners = await db.Listeners.AsNoTracking().Where(l => l.AccountId == accountId)
            .Select(l => new { l.Arn, l.LoadBalancerArn, l.DefaultActionJson }).ToListAsync(cancellationToken);
        var rules = await db.ListenerRules.AsNoTracking().Where(r => r.AccountId == accountId).Select(r => new { r.ListenerArn, r.ActionJson }).ToListAsync(cancellationToken);
        var balancerOf = listeners.ToDictionary(l => l.Arn, l => l.LoadBalancerArn, StringComparer.Ordinal);
        var uses = listeners.Select(l => (l.LoadBalancerArn, l.DefaultActionJson))
            .Concat(rules.Where(r => balancerOf.ContainsKey(r.ListenerArn)).Select(r => (balancerOf[r.ListenerArn], r.ActionJson)));
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (balancer, json) in uses)
        {
            foreach (var group in ElbJson.Read<Rules.RuleAction>(json).TargetGroups ?? [])
            {
                if (!result.TryGetValue(group.TargetGroupArn!, out var set))
                {
                    result[group.TargetGroupArn!] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.Add(balancer);
            }
        }

        return result;
    }
}

/// <summary>The interfaces a load balancer's nodes answer on.</summary>
internal static class LoadBalancerNodes
{
    public const string DescriptionPrefix = "ELB ";

    /// <summary>ELBv2 describes its nodes' interfaces <c>ELB app/NAME/ID</c> (<c>net/</c> for a network load balancer).</summary>
    public static string Description(string loadBalancerArn) => DescriptionPrefix + loadBalancerArn[(loadBalancerArn.IndexOf(":loadbalancer/", StringComparison.Ordinal) + 14)..];

    public static bool IsNodeInterface(NetworkInterface eni) =>
        eni.InstanceId is null && eni.Description.StartsWith(DescriptionPrefix, StringComparison.Ordinal);
}

/// <summary>
/// Records, in the change's own transaction (Network's outbox), that the servers carrying the account's load balancer nodes
/// must take a new desired state: a listener, rule or registration changed what their HAProxy is to run. Every node of the
/// account: a target group may be used by several balancers, and an account's balancers are few.
/// </summary>
internal static class LoadBalancerChanges
{
    public static async Task AddAsync(NetworkDbContext db, string accountId, CancellationToken cancellationToken)
    {
        var nodes = await db.LoadBalancers.AsNoTracking().Where(l => l.AccountId == accountId).Select(l => l.NodesJson).ToListAsync(cancellationToken);
        var hosts = nodes.SelectMany(ElbJson.Read<List<LoadBalancerNode>>).SelectMany(n => n.HostIds()).ToList();
        if (hosts.Count > 0)
        {
            EdgeChanges.Add(db, accountId, [], hosts);
        }
    }
}
