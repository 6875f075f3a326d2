using System.Globalization;

namespace Platform.HostAgent.OpenVSwitch;

/// <summary>
/// Which local VLAN each VPC has on this server. The tag is also the VPC's pipeline register and its conntrack
/// zone, so it must not change while the VPC is here: a new tag would start a fresh zone and every established
/// connection would be dropped as unknown. VPC isolation ids are platform-wide and may exceed 12 bits, so the tag
/// cannot simply be the id; it is assigned once per VPC and recorded in the integration bridge's external_ids
/// (<c>platform-vlan-&lt;vpc id&gt;=&lt;tag&gt;</c>), where a restarted agent, or one whose state directory is gone,
/// finds it again. The switch's database is the right home: if it is lost, so are the flows and conntrack zones
/// the tags refer to.
/// </summary>
/// <remarks>
/// A new VPC takes its isolation id as its tag when that fits and is free (tags then read as the ids on a small
/// cloud), else the lowest free tag. A VPC that left the server keeps its record, so its tag (and any conntrack
/// entries left in its zone) is not handed to another VPC while other tags are free; only when all 4094 are taken
/// are the records of departed VPCs given up, lowest tag first.
/// </remarks>
public static class LocalVlans
{
    public const string ExternalIdPrefix = "platform-vlan-";
    public const int MaxTag = 4094;

    /// <summary>The recorded tags, by VPC id, from a bridge's external_ids (other keys and malformed values are ignored).</summary>
    public static Dictionary<string, int> Read(IReadOnlyDictionary<string, string> externalIds)
    {
        var recorded = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, value) in externalIds)
        {
            if (key.StartsWith(ExternalIdPrefix, StringComparison.Ordinal) && key.Length > ExternalIdPrefix.Length
                && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var tag) && tag is >= 1 and <= MaxTag)
            {
                recorded[key[ExternalIdPrefix.Length..]] = tag;
            }
        }

        return recorded;
    }

    public static string Key(string vpcId) => ExternalIdPrefix + vpcId;

    /// <summary>
    /// Tags for <paramref name="wanted"/> (VPC id and isolation id), keeping every recorded one.
    /// </summary>
    /// <param name="recorded">What the bridge has recorded (<see cref="Read"/>).</param>
    /// <param name="reserved">Tags given explicitly by the desired state, never assigned here.</param>
    /// <exception cref="InvalidOperationException">More VPCs on this server than there are tags.</exception>
    public static LocalVlanAssignment Assign(IReadOnlyDictionary<string, int> recorded, IReadOnlyList<(string VpcId, int IsolationId)> wanted,
        IReadOnlySet<int>? reserved = null)
    {
        reserved ??= new HashSet<int>();
        var records = new Dictionary<string, int>(recorded, StringComparer.Ordinal);
        var wantedIds = wanted.Select(w => w.VpcId).ToHashSet(StringComparer.Ordinal);
        // Two records of one tag (hand-edited) or a record of a reserved tag: the VPC wanted here keeps it, others lose it.
        foreach (var clash in records.Where(r => reserved.Contains(r.Value)).Select(r => r.Key).ToList())
        {
            records.Remove(clash);
        }

        foreach (var group in records.GroupBy(r => r.Value).Where(g => g.Count() > 1).ToList())
        {
            var keep = group.OrderBy(r => wantedIds.Contains(r.Key) ? 0 : 1).ThenBy(r => r.Key, StringComparer.Ordinal).First().Key;
            foreach (var (vpcId, _) in group.Where(r => r.Key != keep))
            {
                records.Remove(vpcId);
            }
        }

        var removed = recorded.Keys.Where(k => !records.ContainsKey(k)).ToList();
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        var used = records.Values.Concat(reserved).ToHashSet();
        foreach (var (vpcId, isolationId) in wanted.OrderBy(w => w.IsolationId).ThenBy(w => w.VpcId, StringComparer.Ordinal))
        {
            if (records.ContainsKey(vpcId))
            {
                continue;
            }

            var tag = isolationId is >= 1 and <= MaxTag && !used.Contains(isolationId) ? isolationId : LowestFree(used);
            if (tag == 0)
            {
                // Every tag is taken: give up the record of a VPC that is no longer here.
                var departed = records.Where(r => !wantedIds.Contains(r.Key)).OrderBy(r => r.Value).Select(r => (KeyValuePair<string, int>?)r).FirstOrDefault()
                    ?? throw new InvalidOperationException($"More than {MaxTag - reserved.Count} VPCs on one server: no local VLAN is left for {vpcId}.");
                records.Remove(departed.Key);
                removed.Add(departed.Key);
                tag = departed.Value;
            }

            records[vpcId] = tag;
            added[vpcId] = tag;
            used.Add(tag);
        }

        var tags = wanted.ToDictionary(w => w.VpcId, w => records[w.VpcId], StringComparer.Ordinal);
        return new LocalVlanAssignment(tags, added, removed);
    }

    private static int LowestFree(HashSet<int> used)
    {
        for (var tag = 1; tag <= MaxTag; tag++)
        {
            if (!used.Contains(tag))
            {
                return tag;
            }
        }

        return 0;
    }
}

/// <param name="Tags">The tag of every VPC asked for.</param>
/// <param name="Added">New records to write.</param>
/// <param name="Removed">Records to delete (VPC ids): departed VPCs whose tag was needed, or clashing records.</param>
public sealed record LocalVlanAssignment(IReadOnlyDictionary<string, int> Tags, IReadOnlyDictionary<string, int> Added, IReadOnlyList<string> Removed)
{
    public bool Changed => Added.Count > 0 || Removed.Count > 0;
}
