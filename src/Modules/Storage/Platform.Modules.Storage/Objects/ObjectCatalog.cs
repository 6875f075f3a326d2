using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Objects;

/// <summary>
/// The s3_objects rows (each key's current version) and s3_object_versions (the versions a versioned bucket keeps).
/// A new version commits by swapping the row's segments in one statement, after its bytes are durable; freed segments
/// are deleted only after that commit, so a reader sees the old object or the new one. A crash between the two leaves
/// orphan blobs that the sweep reclaims.
/// </summary>
internal sealed class ObjectCatalog(StorageDbContext db, ObjectBytes bytes, MetadataWriteGate gate, ObjectCommitQueue queue,
    Microsoft.Extensions.Options.IOptions<StorageOptions> options)
{
    private static readonly Func<StorageDbContext, string, string, CancellationToken, Task<StoredObject?>> FindObject =
        EF.CompileAsyncQuery((StorageDbContext db, string bucket, string key, CancellationToken _) =>
            db.Objects.AsNoTracking().SingleOrDefault(o => o.BucketName == bucket && o.Key == key));

    public Task<StoredObject?> FindAsync(string bucket, string key, CancellationToken cancellationToken) => FindObject(db, bucket, key, cancellationToken);

    /// <summary>The version <paramref name="versionId"/> ("null" for the null version) of the key, current or not; null when there is none.</summary>
    public async Task<StoredObject?> FindVersionAsync(string bucket, string key, string versionId, CancellationToken cancellationToken)
    {
        var stored = ObjectVersions.Stored(versionId);
        var current = await FindObject(db, bucket, key, cancellationToken);
        if (current is null || current.VersionId == stored)
        {
            return current;
        }

        var kept = await db.Versions.AsNoTracking().SingleOrDefaultAsync(v => v.BucketName == bucket && v.Key == key && v.VersionId == versionId, cancellationToken);
        return kept?.ToObject();
    }

    /// <summary>Makes the version current; returns once it is durable. The version it replaces is kept or freed as the bucket's versioning says.</summary>
    public async Task PutAsync(StoredObject version, CancellationToken cancellationToken)
    {
        if (gate.IsSerialized && options.Value.GroupCommit)
        {
            // Not cancelled with the request: once queued, the version commits whole or fails whole.
            var freed = await queue.CommitAsync(version);
            // After the answer, not before it: nothing points at these blobs any more, and should the process
            // die first, the orphan sweep reclaims them as it does after any crash between commit and delete.
            bytes.DeleteLater([.. freed.SelectMany(Segments.Parse)]);
            return;
        }

        using var writing = await gate.EnterAsync(cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            var freed = await StageAsync(version, cancellationToken);
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
            bytes.Delete([.. freed.SelectMany(Segments.Parse)]);
            return;
        }
    }

    /// <summary>
    /// Adds the version to the context (a new row, or the current row superseded) for the caller's next save, which
    /// may carry other changes in the same transaction (a completed upload's rows going). Returns the segments (JSON)
    /// of the versions it frees, to delete once that save has committed.
    /// </summary>
    public async Task<IReadOnlyList<string>> StageAsync(StoredObject version, CancellationToken cancellationToken)
    {
        var current = await db.Objects.SingleOrDefaultAsync(o => o.BucketName == version.BucketName && o.Key == version.Key, cancellationToken);
        if (current is null)
        {
            db.Objects.Add(version);
            return [];
        }

        return await SupersedeAsync(db, current, version, cancellationToken);
    }

    /// <summary>
    /// Makes <paramref name="version"/> the key's current version in place of the tracked <paramref name="current"/> row.
    /// Two null versions: the new one replaces the old, whose bytes are freed (an unversioned bucket's overwrite). Otherwise
    /// the old current version is kept as noncurrent, and a new null version replaces a kept null version (a suspended bucket).
    /// </summary>
    public static async Task<IReadOnlyList<string>> SupersedeAsync(StorageDbContext db, StoredObject current, StoredObject version, CancellationToken cancellationToken)
    {
        if (current.VersionId is null && version.VersionId is null)
        {
            var replaced = current.Segments;
            Overwrite(current, version);
            return [replaced];
        }

        var freed = new List<string>();
        if (version.VersionId is null)
        {
            var keptNull = db.Versions.Local.FirstOrDefault(v => v.BucketName == version.BucketName && v.Key == version.Key && v.VersionId == ObjectVersions.Null
                    && db.Entry(v).State != EntityState.Deleted)
                ?? await db.Versions.SingleOrDefaultAsync(v => v.BucketName == version.BucketName && v.Key == version.Key && v.VersionId == ObjectVersions.Null,
                    cancellationToken);
            if (keptNull is not null)
            {
                db.Versions.Remove(keptNull);
                freed.Add(keptNull.Segments);
            }
        }

        db.Versions.Add(NoncurrentVersion.From(current, version.LastModified));
        Overwrite(current, version);
        return freed;
    }

    /// <summary>Deletes the key if present (an unversioned bucket's DeleteObject); true when there was something to delete.</summary>
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

    /// <summary>
    /// Deletes one version for good and frees its bytes. When it was the current one, the newest kept version becomes
    /// current (a delete marker too). Returns what was deleted, or null when the key has no such version. A version object
    /// lock protects is refused (AccessDenied) as it is found, under the write gate, so a lock set meanwhile is never missed;
    /// <paramref name="bypassGovernance"/> lifts a governance retention (the caller sent the header and holds the permission).
    /// </summary>
    public async Task<DeletedVersion?> DeleteVersionAsync(string bucket, string key, string versionId, CancellationToken cancellationToken,
        DateTime? now = null, bool bypassGovernance = false)
    {
        var checkedAt = now ?? DateTime.UtcNow;
        using var writing = await gate.EnterAsync(cancellationToken);
        var current = await db.Objects.SingleOrDefaultAsync(o => o.BucketName == bucket && o.Key == key, cancellationToken);
        if (current is null)
        {
            return null;
        }

        DeletedVersion deleted;
        string segments;
        if (current.VersionId == ObjectVersions.Stored(versionId))
        {
            Locking.ObjectLockState.Of(current).EnsureDeletable(checkedAt, bypassGovernance);
            deleted = new DeletedVersion(versionId, current.IsDeleteMarker);
            segments = current.Segments;
            var next = await db.Versions.Where(v => v.BucketName == bucket && v.Key == key)
                .OrderByDescending(v => v.NoncurrentSince).ThenByDescending(v => v.LastModified).FirstOrDefaultAsync(cancellationToken);
            if (next is null)
            {
                db.Objects.Remove(current);
            }
            else
            {
                db.Versions.Remove(next);
                Overwrite(current, next.ToObject());
            }
        }
        else
        {
            var kept = await db.Versions.SingleOrDefaultAsync(v => v.BucketName == bucket && v.Key == key && v.VersionId == versionId, cancellationToken);
            if (kept is null)
            {
                return null;
            }

            new Locking.ObjectLockState(kept.LockMode, kept.LockRetainUntil, kept.LegalHold).EnsureDeletable(checkedAt, bypassGovernance);
            deleted = new DeletedVersion(versionId, kept.IsDeleteMarker);
            segments = kept.Segments;
            db.Versions.Remove(kept);
        }

        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        bytes.Delete(Segments.Parse(segments));
        return deleted;
    }

    /// <summary>
    /// Lifecycle's expiration of a current version as it was <paramref name="seen"/>: gone on an unversioned bucket, under a
    /// new delete marker (<paramref name="markerVersionId"/>, null on a suspended bucket) otherwise. The row is claimed by a
    /// conditional update in the same transaction first (SQL Server's row lock, SQLite's one writer), so a version written
    /// since it was read, or an expiration by another run, leaves it alone: false then.
    /// </summary>
    public async Task<bool> ExpireCurrentAsync(StoredObject seen, bool versioned, string? markerVersionId, DateTime now, CancellationToken cancellationToken)
    {
        using var writing = await gate.EnterAsync(cancellationToken);
        IReadOnlyList<string> freed = [];
        var expired = await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var claimed = await db.Objects
                .Where(o => o.BucketName == seen.BucketName && o.Key == seen.Key && o.VersionId == seen.VersionId && o.ETag == seen.ETag
                    && o.LastModified == seen.LastModified && !o.IsDeleteMarker)
                .ExecuteUpdateAsync(set => set.SetProperty(o => o.LastModified, o => o.LastModified), ct);
            if (claimed == 0)
            {
                return false;
            }

            var current = await db.Objects.SingleAsync(o => o.BucketName == seen.BucketName && o.Key == seen.Key, ct);
            if (versioned)
            {
                freed = await SupersedeAsync(db, current, DeleteMarker(seen.BucketName, seen.Key, markerVersionId, now), ct);
            }
            else
            {
                db.Objects.Remove(current);
                freed = [current.Segments];
            }

            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            db.ChangeTracker.Clear();
            return true;
        }, cancellationToken);

        bytes.Delete([.. freed.SelectMany(Segments.Parse)]);
        return expired;
    }

    /// <summary>
    /// Lifecycle's ExpiredObjectDeleteMarker: removes the key's current delete marker when no other version of the key is
    /// left, in one statement, so a version written meanwhile keeps it. True when it went.
    /// </summary>
    public async Task<bool> RemoveLoneDeleteMarkerAsync(string bucket, string key, string? markerVersionId, CancellationToken cancellationToken)
    {
        using var writing = await gate.EnterAsync(cancellationToken);
        return await db.Objects
            .Where(o => o.BucketName == bucket && o.Key == key && o.VersionId == markerVersionId && o.IsDeleteMarker
                && !db.Versions.Any(v => v.BucketName == bucket && v.Key == key))
            .ExecuteDeleteAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Lifecycle's noncurrent expiration: deletes the kept version as it was <paramref name="seen"/> (a suspended bucket's
    /// new null version replaces a kept one of the same id) in one statement and frees its bytes. True when it went.
    /// </summary>
    public async Task<bool> DeleteNoncurrentAsync(NoncurrentVersion seen, DateTime now, CancellationToken cancellationToken)
    {
        using var writing = await gate.EnterAsync(cancellationToken);
        // A version object lock protects is left alone, as S3's lifecycle leaves it: decided in the same statement, so a
        // legal hold or retention set since it was read is honoured.
        var deleted = await db.Versions
            .Where(v => v.BucketName == seen.BucketName && v.Key == seen.Key && v.VersionId == seen.VersionId && v.NoncurrentSince == seen.NoncurrentSince
                && v.ETag == seen.ETag && v.LegalHold != true && (v.LockRetainUntil == null || v.LockRetainUntil <= now))
            .ExecuteDeleteAsync(cancellationToken) == 1;
        if (deleted)
        {
            bytes.Delete(Segments.Parse(seen.Segments));
        }

        return deleted;
    }

    /// <summary>
    /// Changes the object lock of one version (the current one when <paramref name="versionId"/> is null) under the write gate:
    /// <paramref name="change"/> decides on the lock it finds (throwing to refuse) and returns the new one. Returns the version.
    /// </summary>
    public async Task<StoredObject> UpdateLockAsync(string bucket, string key, string? versionId, Func<Locking.ObjectLockState, Locking.ObjectLockState> change,
        CancellationToken cancellationToken)
    {
        using var writing = await gate.EnterAsync(cancellationToken);
        var current = await db.Objects.SingleOrDefaultAsync(o => o.BucketName == bucket && o.Key == key, cancellationToken)
            ?? throw (versionId is null ? S3Errors.NoSuchKey() : S3Errors.NoSuchVersion());
        StoredObject changed;
        if (versionId is null || current.VersionId == ObjectVersions.Stored(versionId))
        {
            if (current.IsDeleteMarker)
            {
                throw S3Errors.DeleteMarker(current.VersionId, named: versionId is not null);
            }

            change(Locking.ObjectLockState.Of(current)).ApplyTo(current);
            changed = current;
        }
        else
        {
            var kept = await db.Versions.SingleOrDefaultAsync(v => v.BucketName == bucket && v.Key == key && v.VersionId == versionId, cancellationToken)
                ?? throw S3Errors.NoSuchVersion();
            if (kept.IsDeleteMarker)
            {
                throw S3Errors.DeleteMarker(kept.VersionId, named: true);
            }

            changed = kept.ToObject();
            change(Locking.ObjectLockState.Of(changed)).ApplyTo(changed);
            (kept.LockMode, kept.LockRetainUntil, kept.LegalHold) = (changed.LockMode, changed.LockRetainUntil, changed.LegalHold);
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Deleted by another replica between the read and the write.
            throw versionId is null ? S3Errors.NoSuchKey() : S3Errors.NoSuchVersion();
        }
        finally
        {
            db.ChangeTracker.Clear();
        }

        return changed;
    }

    /// <summary>A delete marker as the new current version (DeleteObject without a version id on a versioned bucket).</summary>
    public static StoredObject DeleteMarker(string bucket, string key, string? versionId, DateTime now) => new()
    {
        BucketName = bucket,
        Key = key,
        Segments = Objects.Segments.Serialize([]),
        ETag = "",
        LastModified = now,
        VersionId = versionId,
        IsDeleteMarker = true,
    };

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
        current.VersionId = version.VersionId;
        current.IsDeleteMarker = version.IsDeleteMarker;
        current.Tags = version.Tags;
        current.Acl = version.Acl;
        current.LockMode = version.LockMode;
        current.LockRetainUntil = version.LockRetainUntil;
        current.LegalHold = version.LegalHold;
    }

    public static string? SerializeMetadata(IReadOnlyDictionary<string, string> metadata) =>
        metadata.Count == 0 ? null : JsonSerializer.Serialize(metadata);

    public static IReadOnlyDictionary<string, string> ParseMetadata(string? json) =>
        json is null ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];
}

/// <summary>What a DeleteObject with a version id removed: x-amz-version-id and x-amz-delete-marker of its answer.</summary>
internal sealed record DeletedVersion(string VersionId, bool DeleteMarker);
