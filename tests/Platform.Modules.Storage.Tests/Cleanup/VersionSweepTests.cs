using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.Modules.Storage.Cleanup;
using Platform.Modules.Storage.Objects;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Tests.Cleanup;

/// <summary>
/// Versions on the module's real database and blob store: the orphan sweep keeps every kept version's blob (all older than
/// the grace period), and deleting a version for good frees its blob at once while the others stay readable.
/// </summary>
public sealed class VersionSweepTests(StorageTestDatabase storage) : IClassFixture<StorageTestDatabase>
{
    [Fact]
    public async Task Given_a_key_with_kept_versions_and_a_delete_marker_When_the_sweep_runs_and_a_version_is_deleted_Then_only_that_versions_blob_goes()
    {
        var bucket = await storage.BucketAsync("sweep-versions");
        var ids = new[] { ObjectVersions.NewId(), ObjectVersions.NewId() };
        var contents = new List<byte[]>();
        var blobs = new List<string>();
        // The null version from before versioning, then two versions with ids, then a delete marker on top.
        foreach (var id in new[] { null, ids[0], ids[1] })
        {
            var content = RandomNumberGenerator.GetBytes(5000);
            var written = await storage.Bytes.WriteAsync(new MemoryStream(content), content.Length, encrypt: false, CancellationToken.None);
            contents.Add(content);
            blobs.Add(written.Segment.BlobId);
            await storage.InScopeAsync(db => storage.Objects(db).PutAsync(new StoredObject
            {
                BucketName = bucket.Name, Key = "k", Segments = Segments.Serialize([written.Segment]), Size = content.Length,
                ETag = $"\"{written.Md5Hex}\"", LastModified = DateTime.UtcNow, VersionId = id,
            }, CancellationToken.None));
        }

        await storage.InScopeAsync(db => storage.Objects(db).PutAsync(ObjectCatalog.DeleteMarker(bucket.Name, "k", ObjectVersions.NewId(), DateTime.UtcNow),
            CancellationToken.None));
        var orphan = await storage.Blobs.WriteAsync(new MemoryStream(new byte[4096]), 4096, CancellationToken.None);

        await using (var db = storage.Context())
        {
            var sweep = new OrphanSweepJob(db, storage.Blobs, Options.Create(new StorageOptions { OrphanGracePeriod = TimeSpan.FromHours(1) }),
                new FixedClock(DateTimeOffset.UtcNow.AddHours(2)), NullLogger<OrphanSweepJob>.Instance);
            var result = await sweep.RunAsync(CancellationToken.None);
            Assert.Equal((1, 4096L), (result.OrphanBlobs, result.OrphanBytes));
        }

        Assert.False(storage.BlobExists(orphan.BlobId));
        Assert.All(blobs, blob => Assert.True(storage.BlobExists(blob), blob));

        var deleted = await storage.InScopeAsync(db => storage.Objects(db).DeleteVersionAsync(bucket.Name, "k", ids[0], CancellationToken.None));
        Assert.Equal(new DeletedVersion(ids[0], false), deleted);
        Assert.False(storage.BlobExists(blobs[1]));
        Assert.True(storage.BlobExists(blobs[0]));
        Assert.True(storage.BlobExists(blobs[2]));
        var kept = await storage.InScopeAsync(async db =>
        {
            var catalog = storage.Objects(db);
            return new[] { await catalog.FindVersionAsync(bucket.Name, "k", ObjectVersions.Null, CancellationToken.None),
                await catalog.FindVersionAsync(bucket.Name, "k", ids[1], CancellationToken.None) };
        });
        Assert.Equal([5000L, 5000L], kept.Select(v => v!.Size));
        Assert.Equal(contents[0], await ReadAsync(kept[0]!));
        Assert.Equal(contents[2], await ReadAsync(kept[1]!));
    }

    private async Task<byte[]> ReadAsync(StoredObject version)
    {
        await using var body = storage.Bytes.OpenRange(Segments.Parse(version.Segments), 0, version.Size)!;
        using var copy = new MemoryStream();
        await body.CopyToAsync(copy);
        return copy.ToArray();
    }
}
