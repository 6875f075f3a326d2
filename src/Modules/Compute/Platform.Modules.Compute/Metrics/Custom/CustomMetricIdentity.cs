using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Platform.Modules.Compute.Alarms;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.Metrics.Custom;

/// <summary>
/// What names a custom metric, CloudWatch's way: its namespace, its name and the exact set of its dimensions (order does not
/// matter, a missing dimension makes another metric); and the checks every CloudWatch call applies to those names.
/// </summary>
internal static class CustomMetricIdentity
{
    public const int MaxDimensions = 30;

    /// <summary>Namespaces beginning so are AWS's own services': a tenant may not publish into them.</summary>
    public const string ReservedPrefix = "AWS/";

    public static IReadOnlyList<MetricDimension> Canonical(IEnumerable<MetricDimension> dimensions) =>
        [.. dimensions.OrderBy(d => d.Name, StringComparer.Ordinal)];

    public static string Key(string ns, string metricName, IReadOnlyList<MetricDimension> dimensions)
    {
        var text = new StringBuilder().Append(ns).Append('\0').Append(metricName);
        foreach (var d in Canonical(dimensions))
        {
            text.Append('\0').Append(d.Name).Append('\u0001').Append(d.Value);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    public static string Json(IReadOnlyList<MetricDimension> dimensions) =>
        JsonSerializer.Serialize(Canonical(dimensions).Select(d => new StoredDimension(d.Name!, d.Value!)).ToList());

    public static IReadOnlyList<MetricDimension> Parse(string json) =>
        [.. (JsonSerializer.Deserialize<List<StoredDimension>>(json) ?? []).Select(d => new MetricDimension(d.Name, d.Value))];

    /// <summary>A namespace a tenant may publish to and read its own metrics from: 1–255 printable characters, not AWS's.</summary>
    public static void EnsureCustomNamespace(string? ns, string parameter = "Namespace")
    {
        EnsureName(ns, parameter, 255);
        if (ns!.StartsWith(':') || ns.StartsWith(ReservedPrefix, StringComparison.Ordinal))
        {
            throw ApiErrors.InvalidParameterValue($"The value {ns} for parameter {parameter} is invalid.");
        }
    }

    public static void EnsureName(string? value, string parameter, int max)
    {
        if (value is null)
        {
            throw ApiErrors.MissingParameter($"The parameter {parameter} is required.");
        }

        if (value.Length == 0 || value.Length > max || value.Any(char.IsControl))
        {
            throw ApiErrors.InvalidParameterValue($"The value for parameter {parameter} must be 1 to {max} characters without control characters.");
        }
    }

    /// <summary>At most 30 dimensions, each a name of 1–255 and a value of 1–1024 characters, no name twice.</summary>
    public static void EnsureDimensions(IReadOnlyList<MetricDimension>? dimensions, string parameter = "Dimensions")
    {
        if (dimensions is null)
        {
            return;
        }

        if (dimensions.Count > MaxDimensions)
        {
            throw ApiErrors.InvalidParameterValue($"The collection {parameter} must not have a size greater than {MaxDimensions}.");
        }

        for (var i = 0; i < dimensions.Count; i++)
        {
            EnsureName(dimensions[i].Name, $"{parameter}.member.{i + 1}.Name", 255);
            EnsureName(dimensions[i].Value, $"{parameter}.member.{i + 1}.Value", 1024);
        }

        if (dimensions.GroupBy(d => d.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw ApiErrors.InvalidParameterValue($"The dimension {twice.Key} is given more than once in {parameter}.");
        }
    }

    private sealed record StoredDimension(string Name, string Value);
}
