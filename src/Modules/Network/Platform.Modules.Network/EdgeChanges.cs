using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network;

/// <summary>Records, in the change's own transaction (the outbox), that some servers' view of these VPCs' edge changed.</summary>
internal static class EdgeChanges
{
    public static void Add(NetworkDbContext db, string accountId, IEnumerable<string?> vpcIds, IEnumerable<string?>? hostIds = null) =>
        db.AddNotification(new NetworkEdgeChanged(
            accountId,
            vpcIds.OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            (hostIds ?? []).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            DateTime.UtcNow));
}
