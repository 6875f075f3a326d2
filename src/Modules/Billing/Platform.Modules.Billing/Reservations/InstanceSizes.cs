namespace Platform.Modules.Billing.Reservations;

/// <summary>
/// EC2's normalization factors: how many units of a regional reservation one second of an instance size uses, so a
/// Linux regional reservation covers any size of its family (a t3.large's 4 units a second cover two t3.medium, or half
/// of a t3.xlarge). Sizes AWS gives no fixed factor (metal) have none here: only their own type matches.
/// </summary>
internal static class InstanceSizes
{
    private static readonly Dictionary<string, decimal> Factors = new(StringComparer.Ordinal)
    {
        ["nano"] = 0.25m,
        ["micro"] = 0.5m,
        ["small"] = 1m,
        ["medium"] = 2m,
        ["large"] = 4m,
        ["xlarge"] = 8m,
    };

    /// <summary>The family (<c>t3</c>) and size (<c>large</c>) of a type, or null for a name without both.</summary>
    public static (string Family, string Size)? Split(string instanceType)
    {
        var dot = instanceType.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && dot < instanceType.Length - 1 && instanceType.IndexOf('.', dot + 1) < 0
            ? (instanceType[..dot], instanceType[(dot + 1)..])
            : null;
    }

    /// <summary>The size's factor (nano 0.25 … xlarge 8, then 8 per <c>N</c> of <c>Nxlarge</c>), or null when AWS fixes none.</summary>
    public static decimal? Factor(string instanceType)
    {
        if (Split(instanceType) is not { Size: var size })
        {
            return null;
        }

        if (Factors.TryGetValue(size, out var factor))
        {
            return factor;
        }

        return size.EndsWith("xlarge", StringComparison.Ordinal)
            && int.TryParse(size.AsSpan(0, size.Length - "xlarge".Length), System.Globalization.NumberStyles.None, null, out var n)
            && n is >= 2 and <= 64 && size[0] != '0'
            ? 8m * n
            : null;
    }

    /// <summary>Whether a regional reservation of <paramref name="reserved"/> may cover <paramref name="running"/> (same family, both sized).</summary>
    public static bool Flexible(string reserved, string running) =>
        Split(reserved) is { } r && Split(running) is { } u && r.Family == u.Family && Factor(reserved) is not null && Factor(running) is not null;
}
