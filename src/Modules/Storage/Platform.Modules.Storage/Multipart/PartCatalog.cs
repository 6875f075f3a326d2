using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Shared.Payloads;
using Platform.Modules.Storage.Objects;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Multipart;

/// <summary>
/// The commits that change an upload's parts: UploadPart, CompleteMultipartUpload and AbortMultipartUpload. Each runs
/// in one transaction that first takes its upload's row lock (an UPDATE that changes nothing), then reads and writes
/// the parts. So on any provider and any number of replicas they happen one after another: a completion commits
/// exactly the parts it read (a re-upload of a part cannot delete a blob the new object points at), and no part can be
/// added under an upload that has ended. The blobs a commit no longer references are deleted only after it.
/// </summary>
internal sealed class PartCatalog(StorageDbContext db, ObjectCatalog catalog, ObjectBytes bytes, MetadataWriteGate gate)
{
    /// <summary>
    /// Stores a part whose blob is already durable, replacing one of the same number; NoSuchUpload once the upload has
    /// ended. The part's blob is the catalog's from here on: deleted when the part cannot be stored.
    /// </summary>
    public async Task PutAsync(MultipartUpload upload, StoredPart part, CancellationToken cancellationToken)
    {
        Segment? replaced = null;
        try
        {
            using var writing = await gate.EnterAsync(cancellationToken);
            await InTransactionAsync(async ct =>
            {
                replaced = null;
                await LockAsync(upload, ct);
                var current = await db.UploadParts.SingleOrDefaultAsync(p => p.UploadId == upload.UploadId && p.PartNumber == part.PartNumber, ct);
                if (current is null)
                {
                    db.UploadParts.Add(part);
                }
                else
                {
                    replaced = new Segment(current.BlobId, current.Size, current.WrappedKey);
                    current.BlobId = part.BlobId;
                    current.Size = part.Size;
                    current.ETag = part.ETag;
                    current.WrappedKey = part.WrappedKey;
                    current.LastModified = part.LastModified;
                    current.ChecksumAlgorithm = part.ChecksumAlgorithm;
                    current.Checksum = part.Checksum;
                }

                await db.SaveChangesAsync(ct);
            }, cancellationToken);
        }
        catch
        {
            bytes.Delete([new Segment(part.BlobId, part.Size, part.WrappedKey)]);
            throw;
        }

        if (replaced is not null)
        {
            bytes.Delete([replaced]);
        }
    }

    /// <summary>
    /// Makes the listed parts the object, ends the upload, and deletes the parts it did not list. The parts are read
    /// inside the commit's transaction, after the upload's lock, so they are the ones the object ends up with.
    /// </summary>
    /// <param name="expected">The object's checksum the request states (x-amz-checksum-*), compared with the one the parts give.</param>
    public async Task<StoredObject> CompleteAsync(MultipartUpload upload, IReadOnlyList<ListedPart> listed, DateTime now, CancellationToken cancellationToken,
        string? expected = null, string? versionId = null, Locking.ObjectLockState? lockState = null)
    {
        StoredObject version = null!;
        List<Segment> unreferenced = [];
        using (await gate.EnterAsync(cancellationToken))
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await InTransactionAsync(async ct =>
                    {
                        await LockAsync(upload, ct);
                        var stored = await db.UploadParts.Where(p => p.UploadId == upload.UploadId).ToDictionaryAsync(p => p.PartNumber, ct);
                        var chosen = Choose(upload, stored, listed);
                        version = Assemble(upload, chosen, now, expected);
                        version.VersionId = versionId;
                        lockState?.ApplyTo(version);
                        var replaced = await catalog.StageAsync(version, ct);
                        db.UploadParts.RemoveRange(stored.Values);
                        db.MultipartUploads.Remove(await db.MultipartUploads.SingleAsync(u => u.UploadId == upload.UploadId, ct));
                        await db.SaveChangesAsync(ct);

                        var used = chosen.Select(p => p.PartNumber).ToHashSet();
                        unreferenced = stored.Values.Where(p => !used.Contains(p.PartNumber)).Select(p => new Segment(p.BlobId, p.Size, p.WrappedKey))
                            .Concat(replaced.SelectMany(Segments.Parse)).ToList();
                    }, cancellationToken);
                    break;
                }
                catch (DbUpdateException) when (attempt < 3)
                {
                    // A concurrent PUT of the same new key inserted first: this completion overwrites it.
                }
            }
        }

        bytes.Delete(unreferenced);
        return version;
    }

    /// <summary>Ends the upload and deletes its parts; NoSuchUpload when it has already ended.</summary>
    public async Task AbortAsync(MultipartUpload upload, CancellationToken cancellationToken)
    {
        List<StoredPart> parts = [];
        using (await gate.EnterAsync(cancellationToken))
        {
            await InTransactionAsync(async ct =>
            {
                await LockAsync(upload, ct);
                parts = await db.UploadParts.Where(p => p.UploadId == upload.UploadId).ToListAsync(ct);
                db.UploadParts.RemoveRange(parts);
                db.MultipartUploads.Remove(await db.MultipartUploads.SingleAsync(u => u.UploadId == upload.UploadId, ct));
                await db.SaveChangesAsync(ct);
            }, cancellationToken);
        }

        bytes.Delete(parts.Select(p => new Segment(p.BlobId, p.Size, p.WrappedKey)));
    }

    private static List<StoredPart> Choose(MultipartUpload upload, Dictionary<int, StoredPart> stored, IReadOnlyList<ListedPart> listed)
    {
        var chosen = new List<StoredPart>(listed.Count);
        foreach (var (number, etag, algorithm, checksum) in listed)
        {
            if (!stored.TryGetValue(number, out var part) || Unquote(part.ETag) != Unquote(etag))
            {
                throw S3Errors.InvalidPart();
            }

            // A part checksum in the request must be the one the part was stored with.
            if (checksum is not null && (algorithm!.Name != part.ChecksumAlgorithm || !algorithm.IsValid(checksum)
                || Convert.ToBase64String(Convert.FromBase64String(checksum)) != part.Checksum))
            {
                throw S3Errors.InvalidPart();
            }

            // A COMPOSITE checksum is made of the parts' checksums, so S3 wants each of them named.
            if (checksum is null && upload.ChecksumType == StoredChecksum.Composite)
            {
                throw S3Errors.InvalidRequest($"The upload was created using a {upload.ChecksumAlgorithm!.ToLowerInvariant()} checksum. The complete request must include the checksum for each part. It was missing for part {number} in the request.");
            }

            chosen.Add(part);
        }

        if (chosen.Take(chosen.Count - 1).Any(p => p.Size < MultipartUploads.MinPartSize))
        {
            throw S3Errors.EntityTooSmall();
        }

        return chosen;
    }

    private static StoredObject Assemble(MultipartUpload upload, List<StoredPart> chosen, DateTime now, string? expected)
    {
        using var md5s = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        foreach (var part in chosen)
        {
            md5s.AppendData(Convert.FromHexString(Unquote(part.ETag)));
        }

        string? checksum = null;
        if (FlexibleChecksum.FromName(upload.ChecksumAlgorithm) is { } algorithm && chosen.All(p => p.ChecksumAlgorithm == algorithm.Name && p.Checksum is not null))
        {
            checksum = upload.ChecksumType == StoredChecksum.FullObject
                ? algorithm.Combine(chosen.Select(p => (p.Checksum!, p.Size)).ToList())
                : algorithm.Composite(chosen.Select(p => p.Checksum!).ToList());
            if (expected is not null && expected.Trim() != checksum)
            {
                throw PayloadTrailer.Mismatch(algorithm);
            }
        }

        return new StoredObject
        {
            BucketName = upload.BucketName,
            Key = upload.Key,
            Segments = Segments.Serialize(chosen.Select(p => new Segment(p.BlobId, p.Size, p.WrappedKey)).ToList()),
            Size = chosen.Sum(p => p.Size),
            ETag = $"\"{Convert.ToHexStringLower(md5s.GetHashAndReset())}-{chosen.Count}\"",
            ContentType = upload.ContentType,
            Metadata = upload.Metadata,
            LastModified = now,
            Encrypted = upload.Encrypted,
            PartsCount = chosen.Count,
            ChecksumAlgorithm = checksum is null ? null : upload.ChecksumAlgorithm,
            Checksum = checksum,
            ChecksumType = checksum is null ? null : upload.ChecksumType,
            Tags = upload.Tags,
            Acl = upload.Acl,
        };
    }

    /// <summary>
    /// Takes the upload's row lock until the transaction ends (SQL Server's row lock; SQLite's one writer), or answers
    /// NoSuchUpload when the row is gone: the upload was completed or aborted since it was looked up.
    /// </summary>
    private async Task LockAsync(MultipartUpload upload, CancellationToken cancellationToken)
    {
        var locked = await db.MultipartUploads
            .Where(u => u.UploadId == upload.UploadId && u.BucketName == upload.BucketName && u.Key == upload.Key)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.InitiatedAt, u => u.InitiatedAt), cancellationToken);
        if (locked == 0)
        {
            throw S3Errors.NoSuchUpload();
        }
    }

    /// <summary>One transaction, replayed whole by SQL Server's retrying strategy (which allows user transactions only so).</summary>
    private Task InTransactionAsync(Func<CancellationToken, Task> work, CancellationToken cancellationToken) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await work(ct);
            await transaction.CommitAsync(ct);
            db.ChangeTracker.Clear();
        }, cancellationToken);

    private static string Unquote(string etag) => etag.Trim().Trim('"');
}

/// <summary>A part as CompleteMultipartUpload lists it: its number, ETag and, optionally, its checksum.</summary>
internal sealed record ListedPart(int PartNumber, string ETag, FlexibleChecksum? ChecksumAlgorithm = null, string? Checksum = null);
