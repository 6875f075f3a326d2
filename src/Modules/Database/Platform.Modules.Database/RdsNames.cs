using System.Text.Json;
using System.Text.RegularExpressions;

namespace Platform.Modules.Database;

/// <summary>A tag as RDS's Tag shape carries it.</summary>
internal sealed record RdsTag(string? Key, string? Value);

/// <summary>RDS's rules for identifiers and tags, and the messages RDS answers them with.</summary>
internal static partial class RdsNames
{
    /// <summary>
    /// DB instance, snapshot and parameter group identifiers: a letter first, then letters, digits and single hyphens, no
    /// hyphen last; compared and kept in lower case, as RDS keeps them.
    /// </summary>
    public static string Identifier(string? value, string parameter, int maxLength)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw Platform.Modules.Shared.Errors.ApiErrors.MissingParameter($"The request must contain the parameter {parameter}.");
        }

        if (value.Length > maxLength || !IdentifierPattern().IsMatch(value) || value.Contains("--", StringComparison.Ordinal))
        {
            throw RdsErrors.InvalidParameterValue(
                $"The parameter {parameter} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.");
        }

        return value.ToLowerInvariant();
    }

    /// <summary>DB subnet group names: letters, digits, periods, underscores, spaces and hyphens, at most 255; not <c>default</c>.</summary>
    public static string SubnetGroupName(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw Platform.Modules.Shared.Errors.ApiErrors.MissingParameter("The request must contain the parameter DBSubnetGroupName.");
        }

        if (value.Length > 255 || !SubnetGroupPattern().IsMatch(value) || string.Equals(value, "default", StringComparison.OrdinalIgnoreCase))
        {
            throw RdsErrors.InvalidParameterValue(
                $"Invalid DB subnet group name: {value}. It must contain only ASCII letters, digits, periods, underscores, spaces, or hyphens, must not be default, and must be at most 255 characters.");
        }

        return value.ToLowerInvariant();
    }

    /// <summary>At most 50 tags, keys 1–128 characters not starting with <c>aws:</c> or <c>rds:</c>, values up to 256; as JSON, or null for none.</summary>
    public static string? Tags(IReadOnlyList<RdsTag>? tags)
    {
        if (tags is null || tags.Count == 0)
        {
            return null;
        }

        if (tags.Count > 50)
        {
            throw RdsErrors.InvalidParameterValue("A resource can have at most 50 tags.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            if (string.IsNullOrEmpty(tag.Key) || tag.Key.Length > 128 || (tag.Value?.Length ?? 0) > 256)
            {
                throw RdsErrors.InvalidParameterValue("Tag keys must be 1 to 128 characters and values at most 256.");
            }

            if (tag.Key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase) || tag.Key.StartsWith("rds:", StringComparison.OrdinalIgnoreCase))
            {
                throw RdsErrors.InvalidParameterValue($"Tag key {tag.Key} uses a reserved prefix (aws:, rds:).");
            }

            if (!seen.Add(tag.Key))
            {
                throw RdsErrors.InvalidParameterValue($"Tag key {tag.Key} is given twice.");
            }
        }

        return JsonSerializer.Serialize(tags.Select(t => new RdsTag(t.Key, t.Value ?? "")).ToList());
    }

    public static IReadOnlyList<RdsTag> ReadTags(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize<List<RdsTag>>(json) ?? [];

    [GeneratedRegex("^[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")]
    private static partial Regex IdentifierPattern();

    [GeneratedRegex("^[A-Za-z0-9._ -]+$")]
    private static partial Regex SubnetGroupPattern();
}
