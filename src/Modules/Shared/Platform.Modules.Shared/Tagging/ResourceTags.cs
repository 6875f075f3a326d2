using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Shared.Tagging;

/// <summary>One tag of a resource (EC2's Key and Value; a value may be empty).</summary>
public sealed record ResourceTag(string Key, string Value);

/// <summary>A tag to remove (EC2's DeleteTags): by key, and only when its value is <see cref="Value"/> if one is given.</summary>
public sealed record ResourceTagRemoval(string Key, string? Value);

/// <summary>A tag with the resource that has it (EC2's DescribeTags item).</summary>
public sealed record ResourceTagItem(string ResourceId, string ResourceType, string Key, string Value);

/// <summary>
/// EC2's tag rules, the same for every module's resources: at most 50 per resource, keys of 1 to 128 characters and values
/// of at most 256, no key starting with <c>aws:</c> (reserved), each key once per call.
/// </summary>
public static class ResourceTags
{
    public const int MaxPerResource = 50;

    public const int MaxKeyLength = 128;

    public const int MaxValueLength = 256;

    /// <summary>Checks tags a caller gives (CreateTags, a TagSpecification), refusing as EC2 does.</summary>
    public static IReadOnlyList<ResourceTag> Validate(IReadOnlyList<ResourceTag>? tags)
    {
        if (tags is null)
        {
            return [];
        }

        if (tags.Count > MaxPerResource)
        {
            throw TagLimitExceeded();
        }

        foreach (var tag in tags)
        {
            if (string.IsNullOrEmpty(tag.Key) || tag.Key.Length > MaxKeyLength)
            {
                throw ApiErrors.InvalidParameterValue($"Tag keys must be 1 to {MaxKeyLength} characters.");
            }

            if ((tag.Value?.Length ?? 0) > MaxValueLength)
            {
                throw ApiErrors.InvalidParameterValue($"Tag values must be at most {MaxValueLength} characters.");
            }

            if (tag.Key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw ApiErrors.InvalidParameterValue("Tag keys starting with 'aws:' are reserved for internal use");
            }
        }

        if (tags.Select(t => t.Key).Distinct(StringComparer.Ordinal).Count() != tags.Count)
        {
            throw ApiErrors.InvalidParameterValue("A tag key may appear only once.");
        }

        return tags;
    }

    /// <summary>Checks the keys of a DeleteTags (a key of 1 to 128 characters; <c>aws:</c> keys cannot be removed by a caller).</summary>
    public static IReadOnlyList<ResourceTagRemoval> Validate(IReadOnlyList<ResourceTagRemoval>? removals)
    {
        foreach (var removal in removals ?? [])
        {
            if (string.IsNullOrEmpty(removal.Key) || removal.Key.Length > MaxKeyLength)
            {
                throw ApiErrors.InvalidParameterValue($"Tag keys must be 1 to {MaxKeyLength} characters.");
            }

            if (removal.Key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw ApiErrors.InvalidParameterValue("Tag keys starting with 'aws:' are reserved for internal use");
            }
        }

        return removals ?? [];
    }

    /// <summary>Whether a resource that has <paramref name="existingKeys"/> may take <paramref name="adding"/> (new keys count, existing ones are overwritten).</summary>
    public static void EnsureWithinLimit(IEnumerable<string> existingKeys, IEnumerable<ResourceTag> adding)
    {
        var keys = existingKeys.ToHashSet(StringComparer.Ordinal);
        keys.UnionWith(adding.Select(t => t.Key));
        if (keys.Count > MaxPerResource)
        {
            throw TagLimitExceeded();
        }
    }

    /// <summary>Whether a removal takes this tag: its key, and its value when the removal names one.</summary>
    public static bool Removes(this IEnumerable<ResourceTagRemoval> removals, string key, string value) =>
        removals.Any(r => r.Key == key && (r.Value is null || r.Value == value));

    public static ApiException TagLimitExceeded() =>
        new(400, "TagLimitExceeded", $"The maximum number of tags for a resource is {MaxPerResource}.");

    /// <summary>EC2's resource type of an id, by its prefix (<c>vpc-</c> is a vpc, <c>eipalloc-</c> an elastic-ip); null when no module tags it.</summary>
    public static string? ResourceTypeOf(string resourceId)
    {
        var dash = resourceId.IndexOf('-', StringComparison.Ordinal);
        return dash <= 0 ? null : resourceId[..dash] switch
        {
            "i" => "instance",
            "vpc" => "vpc",
            "subnet" => "subnet",
            "sg" => "security-group",
            "igw" => "internet-gateway",
            "rtb" => "route-table",
            "eipalloc" => "elastic-ip",
            "vol" => "volume",
            "snap" => "snapshot",
            _ => null,
        };
    }
}

/// <summary>A resource's tags as the native API answers a change of them.</summary>
public sealed record ResourceTagsResponse(string ResourceId, string ResourceType, IReadOnlyList<ResourceTag> Tags)
{
    public static ResourceTagsResponse From(string resourceId, IEnumerable<ResourceTagItem> items) =>
        new(resourceId, ResourceTags.ResourceTypeOf(resourceId) ?? "", [.. items.Where(t => t.ResourceId == resourceId).Select(t => new ResourceTag(t.Key, t.Value))]);
}

/// <summary>The native API's body of a tag change: <c>{"tags": [{"key": "env", "value": "prod"}]}</c>.</summary>
public sealed record ResourceTagsBody(IReadOnlyList<ResourceTag>? Tags);
