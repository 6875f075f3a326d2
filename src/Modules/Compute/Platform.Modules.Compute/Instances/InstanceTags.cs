using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.Instances;

/// <summary>EC2's tag rules: at most 50 per resource, keys 1–128 and values up to 256 characters, no <c>aws:</c> keys.</summary>
internal static class InstanceTags
{
    public const int MaxPerResource = 50;

    public static void Validate(IReadOnlyList<TagSpecification>? tags)
    {
        if (tags is null)
        {
            return;
        }

        if (tags.Count > MaxPerResource)
        {
            throw new ApiException(400, "TagLimitExceeded", $"A resource can have at most {MaxPerResource} tags.");
        }

        foreach (var tag in tags)
        {
            if (string.IsNullOrEmpty(tag.Key) || tag.Key.Length > 128 || (tag.Value?.Length ?? 0) > 256)
            {
                throw ApiErrors.InvalidParameterValue("Tag keys must be 1 to 128 characters and values at most 256.");
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
    }
}
