using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.Modules.Storage.Cleanup;
using Platform.Modules.Storage.Multipart;
using Platform.Modules.Storage.Objects;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Tests.Cleanup;

/// <summary>
/// The orphan sweep on the module's real database and blob store, with every blob older than the grace period: it
/// removes only what nothing references, also when a multipart completion commits while it reads the references.
/// </summary>
public sealed class OrphanSweepTests(StorageTestDatabase storage) : IClassFixture<StorageTestDatabase>
{
    [Fact]
    public async Task Given_objects_parts_and_snapshots_When_a_completion_commits_between_the_sweeps_reads_Then_every_referenced_blob_stays_and_only_the_orphan_goes()
    {
        var bucket = await storage.BucketAsync("sweep-race");
        var single = RandomNumberGenerator.GetBytes(10_000);
        var written = await storage.Bytes.WriteAsync(new MemoryStream(single), single.Length, encrypt: false, CancellationToken.None);
        await storage.InScopeAsync(db => storage.Objects(db).PutAsync(new StoredObject
        {
            BucketName = bucket.Name, Key = "single", Segments = Segments.Serialize([written.Segment]), Size = single.Length,
            ETag = $"\"{written.Md5Hex}\"", LastModified = DateTime.UtcNow,
        }, CancellationToken.None));

        // An upload the sweep's reads will see completed half-way, and one that stays in progress.
        var completing = await storage.UploadAsync(bucket.Name, "completed");
        var first = RandomNumberGenerator.GetBytes(5 * 1024 * 1024);
        var second = RandomNumberGenerator.GetBytes(1000);
        var parts = new[] { await storage.PartAsync(completing, 1, first), await storage.PartAsync(completing, 2, second) };
        foreach (var part in parts)
        {
            await storage.InScopeAsync(db => storage.Parts(db).PutAsync(completing, part, CancellationToken.None));
        }

        var open = await storage.UploadAsync(bucket.Name, "in-progress");
        var openPart = await storage.PartAsync(open, 1, RandomNumberGenerator.GetBytes(2000));
        await storage.InScopeAsync(db => storage.Parts(db).PutAsync(open, openPart, CancellationToken.None));

        var snapshotBlob = await storage.Blobs.WriteAsync(new MemoryStream(RandomNumberGenerator.GetBytes(3000)), 3000, CancellationToken.None);
        await storage.InScopeAsync(async db =>
        {
            db.Snapshots.Add(new Snapshot
            {
                Id = "snap-0123456789abcdef0", AccountId = bucket.AccountId, VolumeId = "vol-0123456789abcdef0", VolumeSizeGiB = 1,
                State = SnapshotStates.Completed, BlobId = snapshotBlob.BlobId, SizeBytes = 3000, StartedAt = DateTime.UtcNow,
            });
            await db.SaveChangesAsync();
        });

        var orphan = await storage.Blobs.WriteAsync(new MemoryStream(new byte[4096]), 4096, CancellationToken.None);

        // Between the sweep's first read of references and its next one, the upload completes (its part rows go and the
        // object row comes in one commit).
        var completion = new BeforeCommand("SELECT", 2, () => storage.InScopeAsync(db =>
            storage.Parts(db).CompleteAsync(completing, parts.Select(p => new ListedPart(p.PartNumber, p.ETag)).ToList(), DateTime.UtcNow, CancellationToken.None)));
        await using (var db = storage.Context(completion))
        {
            var sweep = new OrphanSweepJob(db, storage.Blobs, Options.Create(new StorageOptions { OrphanGracePeriod = TimeSpan.FromHours(1) }),
                new FixedClock(DateTimeOffset.UtcNow.AddHours(2)), NullLogger<OrphanSweepJob>.Instance);
            var result = await sweep.RunAsync(CancellationToken.None);

            Assert.True(completion.Fired);
            Assert.Equal(1, result.OrphanBlobs);
            Assert.Equal(4096, result.OrphanBytes);
        }

        Assert.False(storage.BlobExists(orphan.BlobId));
        Assert.Equal(single, await storage.ReadObjectAsync(bucket.Name, "single"));
        Assert.Equal(first.Concat(second).ToArray(), await storage.ReadObjectAsync(bucket.Name, "completed"));
        Assert.True(storage.BlobExists(openPart.BlobId));
        Assert.True(storage.BlobExists(snapshotBlob.BlobId));
    }
}
