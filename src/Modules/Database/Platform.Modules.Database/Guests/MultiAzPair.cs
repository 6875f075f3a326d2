using Platform.Modules.Database.Persistence;

namespace Platform.Modules.Database.Guests;

/// <summary>
/// The two guests of a Multi-AZ DB instance (docs/ARCHITECTURE.md, "Multi-AZ"): side A is the managed instance of the DB
/// instance's resource id, side B that of <see cref="StandbyResourceId"/>; <see cref="DbInstance.PrimarySide"/> says which is
/// the primary now. A Single-AZ instance has side A only, always its primary.
/// </summary>
internal static class MultiAzPair
{
    public const string SideA = "a";

    public const string SideB = "b";

    /// <summary>The resource id side B's managed instance is kept under in Compute (one managed instance per resource id).</summary>
    public static string StandbyResourceId(string resourceId) => resourceId + "-b";

    /// <summary>The DB instance's resource id and the side of a managed instance's resource id.</summary>
    public static (string ResourceId, string Side) Parse(string managedResourceId) =>
        managedResourceId.EndsWith("-b", StringComparison.Ordinal)
            ? (managedResourceId[..^2], SideB)
            : (managedResourceId, SideA);

    public static string ResourceIdOf(DbInstance instance, string side) =>
        side == SideB ? StandbyResourceId(instance.ResourceId) : instance.ResourceId;

    /// <summary>The managed resource id of the current primary's guest.</summary>
    public static string PrimaryOf(DbInstance instance) => ResourceIdOf(instance, instance.MultiAz ? instance.PrimarySide : SideA);

    /// <summary>The managed resource id of the current standby's guest (null for a Single-AZ instance).</summary>
    public static string? StandbyOf(DbInstance instance) =>
        instance.MultiAz ? ResourceIdOf(instance, instance.PrimarySide == SideA ? SideB : SideA) : null;

    /// <summary>The standby's name in the guests (its replication slot and application_name): <c>s_a</c> or <c>s_b</c>.</summary>
    public static string StandbyName(string side) => "s_" + side;

    public static string Other(string side) => side == SideA ? SideB : SideA;
}
