using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Objects;

/// <summary>
/// The s3_objects rows. A new version commits by swapping the row's segments in one statement, after
/// its bytes are durable; the old segments are deleted only after that commit, so a reader sees the old
/// object or the new one. A crash between the two leaves orphan blobs that the sweep reclaims.
/// </summary>
internal sealed class ObjectCatalog(StorageDbContext db, ObjectBytes bytes, MetadataWriteGate gate, ObjectCommitQueue queue,
    Microsoft.Extensions.Options.IOptions<StorageOptions> options)
{
    private static readonly Func<StorageDbContext, string, string, CancellationToken, Task<StoredObject?>> FindObject =
        EF.CompileAsyncQuery((StorageDbContext db, string bucket, string key, CancellationToken _) =>
            db.Objects.AsNoTracking().SingleOrDefault(o => o.BucketName == bucket && o.Key == key));

    public Task<StoredObject?> FindAsync(string bucket, string key, CancellationToken cancellationToken) => FindObject(db, bucket, key, cancellationToken);

    public async Task PutAsync(StoredObject version, CancellationToken cancellationToken)
    {
        if (gate.IsSerialized && options.Value.GroupCommit)
        {
            // Not cancelled with the request: once queued, the version commits whole or fails whole.
            var previous = await queue.CommitAsync(version);
            if (previous is not null)
            {
                // After the answer, not before it: nothing points at these blobs any more, and should the process
                // die first, the orphan sweep reclaims them as it does after any crash between commit and delete.
                bytes.DeleteLater(Segments.Parse(previous));
            }

            return;
        }

        using var writing = await gate.EnterAsync(cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            var replaced = await StageAsync(version, cancellationToken);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // A concurrent PUT of the same new key inserted first: this one overwrites it.
                db.ChangeTracker.Clear();
                continue;
            }

            db.ChangeTracker.Clear();
            if (replaced is not null)
            {
                bytes.Delete(Segments.Parse(replaced));
            }

            return;
        }
    }

    /// <summary>
    /// Adds the version to the context (a new row, or the current row overwritten) for the caller's next save, which
    /// may carry other changes in the same transaction (a completed upload's rows going). Returns the segments (JSON)
    /// of the version it replaces, to delete once that save has committed.
    /// </summary>
    public async Task<string?> StageAsync(StoredObject version, CancellationToken cancellationToken)
    {
        var current = await db.Objects.SingleOrDefaultAsync(o => o.BucketName == version.BucketName && o.Key == version.Key, cancellationToken);
        if (current is null)
        {
            db.Objects.Add(version);
            return null;
        }

        var replaced = current.Segments;
        Overwrite(current, version);
        return replaced;
    }

    /// <summary>Deletes the key if present; true when there was something to delete.</summary>
    public async Task<bool> DeleteAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        using var writing = await gate.EnterAsync(cancellationToken);
        var current = await db.Objects.SingleOrDefaultAsync(o => o.BucketName == bucket && o.Key == key, cancellationToken);
        if (current is null)
        {
            return false;
        }

        db.Objects.Remove(current);
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        bytes.Delete(Segments.Parse(current.Segments));
        return true;
    }

    public static void Overwrite(StoredObject current, StoredObject version)
    {
        current.Segments = version.Segments;
        current.Size = version.Size;
        current.ETag = version.ETag;
        current.ContentType = version.ContentType;
        current.Metadata = version.Metadata;
        current.LastModified = version.LastModified;
        current.Encrypted = version.Encrypted;
        current.PartsCount = version.PartsCount;
        current.ChecksumAlgorithm = version.ChecksumAlgorithm;
        current.Checksum = version.Checksum;
        current.ChecksumType = version.ChecksumType;
    }

    public static string? SerializeMetadata(IReadOnlyDictionary<string, string> metadata) =>
        metadata.Count == 0 ? null : JsonSerializer.Serialize(metadata);

    public static IReadOnlyDictionary<string, string> ParseMetadata(string? json) =>
        json is null ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];
}
