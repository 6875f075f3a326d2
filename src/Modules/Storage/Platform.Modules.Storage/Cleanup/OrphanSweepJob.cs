using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Storage.Blobs;
using Platform.Modules.Storage.Objects;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Cleanup;

/// <summary>
/// Reclaims space no object points at: writes a crash cut short (incoming/*.part) and finished blobs
/// whose metadata never committed or whose deletion a crash skipped. Only what is older than the grace
/// period goes, so an upload in flight on any replica is never touched.
/// </summary>
internal sealed class OrphanSweepJob(StorageDbContext db, IBlobStore blobs, IOptions<StorageOptions> options, TimeProvider clock,
    ILogger<OrphanSweepJob> logger)
{
    public const string RecurringJobId = "storage-orphan-sweep";

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public async Task<SweepResult> RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - options.Value.OrphanGracePeriod;
        var unfinished = blobs.ReclaimUnfinished(cutoff);

        // Every reference, read in an order no commit can slip through: a blob only ever moves from an upload's parts to
        // an object (CompleteMultipartUpload deletes the part rows and writes the object row in one transaction), never
        // back, so the parts are read before the objects. A completion that commits while the parts are read is then
        // seen in the objects, which are read afterwards; read the other way round, it would be seen in neither, and
        // parts older than the grace period would go from under a live object. Snapshots' blobs never move.
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var blobId in db.UploadParts.AsNoTracking().Select(p => p.BlobId).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            referenced.Add(blobId);
        }

        // Volume snapshots keep their bytes in the same blob store.
        await foreach (var blobId in db.Snapshots.AsNoTracking().Where(s => s.BlobId != null).Select(s => s.BlobId!).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            referenced.Add(blobId);
        }

        // Current and kept versions in one statement, so one snapshot: a blob moves between the two tables both ways
        // (superseded, or promoted when the current version is deleted), and two reads could miss one in flight.
        var versions = db.Objects.AsNoTracking().Select(o => o.Segments).Concat(db.Versions.AsNoTracking().Select(v => v.Segments));
        await foreach (var segments in versions.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            foreach (var segment in Segments.Parse(segments))
            {
                referenced.Add(segment.BlobId);
            }
        }

        var orphans = 0;
        long bytes = 0;
        foreach (var (blobId, length) in blobs.ListFinished(cutoff).ToList())
        {
            if (!referenced.Contains(blobId))
            {
                blobs.Delete(blobId);
                orphans++;
                bytes += length;
            }
        }

        if (unfinished + orphans > 0)
        {
            logger.LogInformation("Reclaimed {Unfinished} unfinished writes and {Orphans} orphan blobs ({Bytes} bytes)", unfinished, orphans, bytes);
        }

        return new SweepResult(unfinished, orphans, bytes);
    }
}

internal sealed record SweepResult(int UnfinishedWrites, int OrphanBlobs, long OrphanBytes);
