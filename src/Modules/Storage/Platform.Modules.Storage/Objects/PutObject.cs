using System.Security.Cryptography;
using Mediator;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Storage.Blobs;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Objects;

/// <summary>
/// PutObject: the body streams into a new blob (never whole in memory), its MD5 becomes the ETag and is
/// checked against Content-MD5; only then does the metadata commit, so a failed or torn upload changes nothing.
/// </summary>
/// <param name="Metadata">The headers kept with the object: x-amz-meta-*, Content-Encoding, Cache-Control, ...</param>
/// <param name="Encrypt">x-amz-server-side-encryption: AES256 asked for; the bucket's default applies otherwise.</param>
/// <param name="Checksum">The additional checksum the request declares (header or trailer), kept with the object once it matched.</param>
/// <param name="Acl">x-amz-acl or x-amz-grant-*: the new version's ACL; null for the default.</param>
/// <param name="Lock">x-amz-object-lock-*: the new version's retention and legal hold; null for the bucket's default retention.</param>
internal sealed record PutObject(string Bucket, string Key, Stream Body, long? ContentLength, string? ContentMd5, string? ContentType,
    IReadOnlyDictionary<string, string> Metadata, bool Encrypt, BodyChecksum? Checksum = null, IReadOnlyDictionary<string, string>? Tags = null,
    AclRequest? Acl = null, Locking.ObjectLockRequest? Lock = null)
    : IRequest<PutObjectResult>, IValidatable
{
    /// <summary>S3's limit for one PUT; larger objects are uploaded in parts.</summary>
    public const long MaxSize = 5L * 1024 * 1024 * 1024;

    public void Validate()
    {
        ObjectKey.Validate(Key);
        if (ContentLength > MaxSize)
        {
            throw S3Errors.EntityTooLarge();
        }

        _ = ContentMd5Header.Parse(ContentMd5);
        UserMetadata.Validate(Metadata);
    }
}

/// <param name="VersionId">The new version's id; null for the null version.</param>
internal sealed record PutObjectResult(string ETag, bool Encrypted, DateTime LastModified, StoredChecksum? Checksum, string? VersionId = null);

internal sealed class PutObjectHandler(BucketAccess access, ObjectBytes bytes, ObjectCatalog catalog, TimeProvider clock, AclResolver acls)
    : IRequestHandler<PutObject, PutObjectResult>
{
    public async ValueTask<PutObjectResult> Handle(PutObject request, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(request.Bucket, "s3:PutObject", BucketAccess.Arn(request.Bucket, request.Key), cancellationToken,
            Tagging.ObjectTagConditions.Request(request.Tags));
        if (request.Tags is { Count: > 0 })
        {
            // As S3: tags on a PUT need the tagging permission too.
            await access.AuthorizeAsync(bucket, "s3:PutObjectTagging", BucketAccess.Arn(request.Bucket, request.Key), cancellationToken,
                Tagging.ObjectTagConditions.Request(request.Tags));
        }

        var acl = await acls.ForNewObjectAsync(bucket, request.Acl, cancellationToken);
        await AuthorizeAclAsync(access, bucket, request.Key, request.Acl, acl, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var locking = Locking.ObjectLockRequest.ForNewVersion(bucket, request.Lock, now);
        await AuthorizeLockAsync(access, bucket, request.Key, request.Lock, cancellationToken);
        if (Locking.ObjectLockRequest.Locks(locking) && request.ContentMd5 is null && request.Checksum is null)
        {
            throw S3Errors.InvalidRequest("Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters");
        }

        var encrypt = request.Encrypt || bucket.DefaultEncryption;
        var body = request.Checksum?.Wrap(request.Body) ?? request.Body;
        var written = await ContentMd5Header.WriteCheckedAsync(bytes, body, request.ContentLength, request.ContentMd5, encrypt, cancellationToken);
        var checksum = request.Checksum is { Value: { } value } given ? new StoredChecksum(given.Algorithm, value, StoredChecksum.FullObject) : null;
        var version = new StoredObject
        {
            BucketName = bucket.Name,
            Key = request.Key,
            Segments = Segments.Serialize([written.Segment]),
            Size = written.Segment.Size,
            ETag = $"\"{written.Md5Hex}\"",
            ContentType = request.ContentType,
            Metadata = ObjectCatalog.SerializeMetadata(request.Metadata),
            LastModified = now,
            Encrypted = encrypt,
            ChecksumAlgorithm = checksum?.Algorithm.Name,
            Checksum = checksum?.Value,
            ChecksumType = checksum?.Type,
            VersionId = ObjectVersions.NewIdFor(bucket),
            Tags = request.Tags is null ? null : Tagging.TagSet.ToJson(request.Tags),
            Acl = acl,
        };
        locking.ApplyTo(version);
        try
        {
            await catalog.PutAsync(version, cancellationToken);
        }
        catch
        {
            bytes.Delete([written.Segment]);
            throw;
        }

        return new PutObjectResult(version.ETag, encrypt, version.LastModified, checksum, version.VersionId);
    }

    /// <summary>
    /// As S3: an ACL sent with a write (x-amz-acl, x-amz-grant-*, a form's acl field) needs s3:PutObjectAcl as well, decided on the
    /// new version as it will be (<paramref name="storedAcl"/>): where ACLs are enabled, a writer who will own it (ObjectWriter) has
    /// its full control, as S3's object owner has; otherwise the caller's policies and the bucket policy decide.
    /// </summary>
    public static async Task AuthorizeAclAsync(BucketAccess access, Bucket bucket, string key, AclRequest? requested, string? storedAcl,
        CancellationToken cancellationToken)
    {
        if (requested is not null)
        {
            var version = new StoredObject { BucketName = bucket.Name, Key = key, Segments = Segments.Serialize([]), ETag = "", Acl = storedAcl };
            await access.AuthorizeAsync(bucket, "s3:PutObjectAcl", BucketAccess.Arn(bucket.Name, key), cancellationToken, target: version);
        }
    }

    /// <summary>As S3: a retention asked for on a write needs s3:PutObjectRetention too, a legal hold s3:PutObjectLegalHold.</summary>
    public static async Task AuthorizeLockAsync(BucketAccess access, Bucket bucket, string key, Locking.ObjectLockRequest? requested,
        CancellationToken cancellationToken)
    {
        if (requested?.Mode is not null)
        {
            await access.AuthorizeAsync(bucket, "s3:PutObjectRetention", BucketAccess.Arn(bucket.Name, key), cancellationToken);
        }

        if (requested?.LegalHold is not null)
        {
            await access.AuthorizeAsync(bucket, "s3:PutObjectLegalHold", BucketAccess.Arn(bucket.Name, key), cancellationToken);
        }
    }
}

/// <summary>Content-MD5: base64 of 16 bytes, compared with what was received once the bytes are stored.</summary>
internal static class ContentMd5Header
{
    public static byte[]? Parse(string? header)
    {
        if (header is null)
        {
            return null;
        }

        var digest = new byte[16];
        if (!Convert.TryFromBase64String(header.Trim(), digest, out var written) || written != 16)
        {
            throw S3Errors.InvalidDigest();
        }

        return digest;
    }

    /// <summary>Writes one segment and refuses it (deleting its blob) when the body is short, long, or not what Content-MD5 says.</summary>
    public static async Task<WrittenSegment> WriteCheckedAsync(ObjectBytes bytes, Stream body, long? length, string? contentMd5, bool encrypt,
        CancellationToken cancellationToken)
    {
        var expected = Parse(contentMd5);
        WrittenSegment written;
        try
        {
            written = await bytes.WriteAsync(body, length, encrypt, cancellationToken);
        }
        catch (BlobLengthException e) when (e.Actual < e.Expected)
        {
            throw S3Errors.IncompleteBody();
        }
        catch (BlobLengthException)
        {
            throw S3Errors.InvalidRequest("The body is longer than its Content-Length.");
        }

        if (expected is not null && !CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(written.Md5Hex)))
        {
            bytes.Delete([written.Segment]);
            throw S3Errors.BadDigest();
        }

        return written;
    }
}
