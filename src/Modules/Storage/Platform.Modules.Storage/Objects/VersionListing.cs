namespace Platform.Modules.Storage.Objects;

/// <summary>One entry of ListObjectVersions: a version or a delete marker.</summary>
internal sealed record VersionEntry(string Key, string VersionId, bool IsLatest, bool IsDeleteMarker, DateTime LastModified, string ETag, long Size);

internal sealed record VersionPage(IReadOnlyList<VersionEntry> Entries, IReadOnlyList<string> CommonPrefixes, bool IsTruncated, string? NextKeyMarker,
    string? NextVersionIdMarker);

/// <summary>
/// One page of ListObjectVersions, built from every version in S3's order (keys in UTF-8 binary order, each key's versions
/// newest first) offered one at a time. Versions up to the markers are skipped: with only key-marker, every version of
/// keys up to it; with version-id-marker too, the key-marker's versions up to and including that one. Keys with the
/// delimiter past the prefix roll up into common prefixes, each counted once against max-keys as ListObjects does.
/// </summary>
internal sealed class VersionListing(string? prefix, string? delimiter, string? keyMarker, string? versionIdMarker, int maxKeys)
{
    public const int MaxKeys = 1000;
    private readonly string _prefix = prefix ?? "";
    private readonly string? _delimiter = string.IsNullOrEmpty(delimiter) ? null : delimiter;
    private readonly string? _keyMarker = string.IsNullOrEmpty(keyMarker) ? null : keyMarker;
    private readonly string? _versionIdMarker = string.IsNullOrEmpty(keyMarker) || string.IsNullOrEmpty(versionIdMarker) ? null : versionIdMarker;
    private readonly int _limit = Math.Clamp(maxKeys, 0, MaxKeys);
    private readonly List<VersionEntry> _entries = [];
    private readonly List<string> _prefixes = [];
    private bool _markerPassed;
    private bool _truncated;
    private string? _lastKey;
    private string? _lastVersion;

    /// <summary>Where the scan of keys can start: the later of the prefix and the key-marker (inclusive).</summary>
    public string StartKey => _keyMarker is { } marker && string.CompareOrdinal(marker, _prefix) > 0 ? marker : _prefix;

    /// <summary>Takes the next entry in order; false when the page is complete and no further entry can change it.</summary>
    public bool Offer(VersionEntry entry)
    {
        if (_truncated || _limit == 0)
        {
            return false;
        }

        if (string.CompareOrdinal(entry.Key, _prefix) < 0)
        {
            return true;
        }

        if (!entry.Key.StartsWith(_prefix, StringComparison.Ordinal))
        {
            return false;
        }

        if (_keyMarker is { } marker)
        {
            var order = string.CompareOrdinal(entry.Key, marker);
            if (order < 0 || (order == 0 && _versionIdMarker is null))
            {
                return true;
            }

            if (order == 0 && !_markerPassed)
            {
                _markerPassed = entry.VersionId == _versionIdMarker;
                return true;
            }
        }

        var cut = _delimiter is null ? -1 : entry.Key.IndexOf(_delimiter, _prefix.Length, StringComparison.Ordinal);
        if (cut >= 0)
        {
            var common = entry.Key[..(cut + _delimiter!.Length)];
            if ((_prefixes.Count > 0 && _prefixes[^1] == common) || (_keyMarker is { } after && after.StartsWith(common, StringComparison.Ordinal)))
            {
                return true;
            }

            if (Full())
            {
                return false;
            }

            _prefixes.Add(common);
            (_lastKey, _lastVersion) = (common, null);
            return true;
        }

        if (Full())
        {
            return false;
        }

        _entries.Add(entry);
        (_lastKey, _lastVersion) = (entry.Key, entry.VersionId);
        return true;
    }

    public VersionPage Page() => _truncated
        ? new VersionPage(_entries, _prefixes, true, _lastKey, _lastVersion)
        : new VersionPage(_entries, _prefixes, false, null, null);

    private bool Full()
    {
        _truncated = _entries.Count + _prefixes.Count == _limit;
        return _truncated;
    }
}
