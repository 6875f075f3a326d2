using FsCheck;
using FsCheck.Fluent;
using Platform.Modules.Storage.Objects;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.Modules.Storage.Tests.Objects;

/// <summary>
/// ListObjectVersions' paging (<see cref="VersionListing"/>) over generated buckets of keys, versions and delete markers:
/// walking the pages by NextKeyMarker / NextVersionIdMarker gives exactly the one-page listing, each page within max-keys,
/// and the one-page listing is the model's (every version under the prefix in order, keys with the delimiter rolled up).
/// </summary>
public sealed class VersionListingPropertyTests(ITestOutputHelper output)
{
    private static readonly string[] Keys = ["a", "a/b", "a/c/d", "a/c/e", "ab", "b", "b/x", "c", "c/d/e", "d"];

    private static readonly Gen<List<VersionEntry>> Buckets = Gen.Choose(0, int.MaxValue).Select(seed => Bucket(new Random(seed)));

    /// <summary>Each key with 0 to 4 versions newest first, any of them a delete marker, the oldest sometimes the null version.</summary>
    private static List<VersionEntry> Bucket(Random random)
    {
        var entries = new List<VersionEntry>();
        var n = 0;
        foreach (var key in Keys)
        {
            var count = random.Next(0, 5);
            for (var v = 0; v < count; v++, n++)
            {
                var marker = random.Next(3) == 0;
                var id = v == count - 1 && random.Next(3) == 0 ? ObjectVersions.Null : $"v{n:D3}";
                entries.Add(new VersionEntry(key, id, v == 0, marker, DateTime.UnixEpoch.AddSeconds(-n), marker ? "" : "\"e\"", marker ? 0 : n));
            }
        }

        return entries;
    }

    private static VersionPage List(List<VersionEntry> all, string? prefix, string? delimiter, string? keyMarker, string? versionIdMarker, int maxKeys)
    {
        var listing = new VersionListing(prefix, delimiter, keyMarker, versionIdMarker, maxKeys);
        foreach (var entry in all.Where(e => string.CompareOrdinal(e.Key, listing.StartKey) >= 0))
        {
            if (!listing.Offer(entry))
            {
                break;
            }
        }

        return listing.Page();
    }

    [Fact]
    public void Given_any_bucket_prefix_delimiter_and_page_size_Then_the_pages_walked_by_their_markers_are_the_whole_listing()
    {
        var cases = from all in Buckets
                    from prefix in Gen.Elements<string?>(null, "", "a", "a/", "a/c", "b", "z")
                    from delimiter in Gen.Elements<string?>(null, "/", "c")
                    from pageSize in Gen.Choose(1, 5)
                    select (all, prefix, delimiter, pageSize);
        PropertyRuns.Check(output, "version pages", Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var whole = List(c.all, c.prefix, c.delimiter, null, null, 1000);
            Assert.False(whole.IsTruncated);
            var p = c.prefix ?? "";
            var under = c.all.Where(e => e.Key.StartsWith(p, StringComparison.Ordinal)).ToList();
            int Cut(VersionEntry e) => c.delimiter is null ? -1 : e.Key.IndexOf(c.delimiter, p.Length, StringComparison.Ordinal);
            Assert.Equal(under.Where(e => Cut(e) < 0), whole.Entries);
            Assert.Equal(under.Where(e => Cut(e) >= 0).Select(e => e.Key[..(Cut(e) + c.delimiter!.Length)]).Distinct(), whole.CommonPrefixes);

            var entries = new List<VersionEntry>();
            var prefixes = new List<string>();
            string? keyMarker = null, versionIdMarker = null;
            for (var pages = 0; ; pages++)
            {
                Assert.True(pages <= c.all.Count + 1, "the walk does not end");
                var page = List(c.all, c.prefix, c.delimiter, keyMarker, versionIdMarker, c.pageSize);
                Assert.True(page.Entries.Count + page.CommonPrefixes.Count <= c.pageSize);
                entries.AddRange(page.Entries);
                prefixes.AddRange(page.CommonPrefixes);
                if (!page.IsTruncated)
                {
                    break;
                }

                Assert.NotNull(page.NextKeyMarker);
                (keyMarker, versionIdMarker) = (page.NextKeyMarker, page.NextVersionIdMarker);
            }

            Assert.Equal(whole.Entries, entries);
            Assert.Equal(whole.CommonPrefixes, prefixes);
        }), inputsPerSeed: 300);
    }

    [Fact]
    public void Given_max_keys_zero_or_a_key_marker_alone_Then_nothing_or_only_later_keys()
    {
        List<VersionEntry> all = [new("a", "v1", true, false, DateTime.UnixEpoch, "\"e\"", 1), new("a", "null", false, false, DateTime.UnixEpoch, "\"e\"", 1),
            new("b", "v2", true, true, DateTime.UnixEpoch, "", 0)];
        var none = List(all, null, null, null, null, 0);
        Assert.Equal((0, false), (none.Entries.Count, none.IsTruncated));
        Assert.Equal(["b"], List(all, null, null, "a", null, 10).Entries.Select(e => e.Key));
        Assert.Equal(["null", "v2"], List(all, null, null, "a", "v1", 10).Entries.Select(e => e.VersionId));
    }
}
