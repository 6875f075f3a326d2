namespace Platform.Modules.Storage.Persistence;

/// <summary>A bucket: its name is unique across every account (S3's global namespace).</summary>
internal sealed class Bucket
{
    public required string Name { get; init; }

    public required string AccountId { get; init; }

    public DateTime CreatedAt { get; init; }

    /// <summary>The bucket policy as the owner sent it; null when none is set.</summary>
    public string? Policy { get; set; }

    /// <summary>SSE-S3 by default for new objects (AES-256-GCM under per-object data keys).</summary>
    public bool DefaultEncryption { get; set; }

    /// <summary>S3's versioning status: null while never enabled, then Enabled or Suspended (never back to null).</summary>
    public string? Versioning { get; set; }

    /// <summary>The lifecycle rules (<see cref="Lifecycle.LifecycleConfiguration"/> as JSON); null when none is set.</summary>
    public string? Lifecycle { get; set; }

    /// <summary>The bucket's tags as JSON (an object of key to value); null when none are set.</summary>
    public string? Tagging { get; set; }

    /// <summary>The CORS rules (<see cref="Cors.CorsConfiguration"/> as JSON); null when none are set.</summary>
    public string? Cors { get; set; }

    /// <summary>The public access block (<see cref="Buckets.PublicAccessBlock"/> as JSON); null when none is set.</summary>
    public string? PublicAccessBlock { get; set; }

    /// <summary>
    /// S3's object ownership setting: BucketOwnerEnforced (new buckets; ACLs disabled), BucketOwnerPreferred or ObjectWriter;
    /// empty once the ownership controls are deleted (objects are then owned as under ObjectWriter).
    /// </summary>
    public string ObjectOwnership { get; set; } = Buckets.ObjectOwnership.BucketOwnerEnforced;

    /// <summary>The bucket's ACL (<see cref="Buckets.AccessControlList"/> as JSON); null for the default (the owner's full control).</summary>
    public string? Acl { get; set; }

    /// <summary>Object lock is enabled (at creation, or later on a versioned bucket); never turned off again, as in S3.</summary>
    public bool ObjectLockEnabled { get; set; }

    /// <summary>The default retention (<see cref="Locking.DefaultRetention"/> as JSON) new versions get; null when none is set.</summary>
    public string? ObjectLock { get; set; }
}

/// <summary>An object's metadata (the seed's <c>s3_objects</c>); its bytes are the blobs its segments name.</summary>
internal sealed class StoredObject
{
    public required string BucketName { get; init; }

    public required string Key { get; init; }

    /// <summary>
    /// The blobs holding the bytes, in order, as JSON: one for a single PUT, one per part for a completed
    /// multipart upload, so completing is one metadata commit and copies nothing.
    /// </summary>
    public required string Segments { get; set; }

    public long Size { get; set; }

    /// <summary>Quoted, as S3 sends it: the MD5 of a single PUT, md5-of-md5s-N of a multipart upload.</summary>
    public required string ETag { get; set; }

    public string? ContentType { get; set; }

    /// <summary>x-amz-meta-* and the standard headers kept with the object, as JSON.</summary>
    public string? Metadata { get; set; }

    public DateTime LastModified { get; set; }

    public bool Encrypted { get; set; }

    public int PartsCount { get; set; }

    /// <summary>The additional checksum kept with the object (CRC32, CRC32C, CRC64NVME, SHA1, SHA256); null when none was sent.</summary>
    public string? ChecksumAlgorithm { get; set; }

    /// <summary>Its value as S3 returns it: base64, with -N for a COMPOSITE checksum of N parts.</summary>
    public string? Checksum { get; set; }

    /// <summary>FULL_OBJECT or COMPOSITE.</summary>
    public string? ChecksumType { get; set; }

    /// <summary>The version's id; null for S3's "null" version (unversioned and suspended buckets, objects from before versioning).</summary>
    public string? VersionId { get; set; }

    /// <summary>A delete marker: no bytes (segments empty), listed by ListObjectVersions only.</summary>
    public bool IsDeleteMarker { get; set; }

    /// <summary>The version's tags as JSON (an object of key to value); null when it has none.</summary>
    public string? Tags { get; set; }

    /// <summary>The version's owner and ACL (<see cref="Buckets.AccessControlList"/> as JSON); null for the bucket owner's full control alone.</summary>
    public string? Acl { get; set; }

    /// <summary>Object lock retention: GOVERNANCE or COMPLIANCE; null when the version has none.</summary>
    public string? LockMode { get; set; }

    /// <summary>Until when the retention protects the version (UTC).</summary>
    public DateTime? LockRetainUntil { get; set; }

    /// <summary>The legal hold: null when never set, true while ON.</summary>
    public bool? LegalHold { get; set; }
}

/// <summary>
/// A kept version that is not the current one (<c>s3_object_versions</c>). The current version of every key with any
/// version stays in <c>s3_objects</c>, so reads and listings of current objects never look here.
/// </summary>
internal sealed class NoncurrentVersion
{
    public required string BucketName { get; init; }

    public required string Key { get; init; }

    /// <summary>The id, "null" for the null version (a key, so never SQL NULL).</summary>
    public required string VersionId { get; init; }

    public required string Segments { get; set; }

    public long Size { get; set; }

    public required string ETag { get; set; }

    public string? ContentType { get; set; }

    public string? Metadata { get; set; }

    public DateTime LastModified { get; set; }

    public bool Encrypted { get; set; }

    public int PartsCount { get; set; }

    public string? ChecksumAlgorithm { get; set; }

    public string? Checksum { get; set; }

    public string? ChecksumType { get; set; }

    public bool IsDeleteMarker { get; set; }

    public string? Tags { get; set; }

    public string? Acl { get; set; }

    public string? LockMode { get; set; }

    public DateTime? LockRetainUntil { get; set; }

    public bool? LegalHold { get; set; }

    /// <summary>When it stopped being current (a lifecycle's noncurrent days count from here).</summary>
    public DateTime NoncurrentSince { get; set; }

    public static NoncurrentVersion From(StoredObject current, DateTime since) => new()
    {
        BucketName = current.BucketName,
        Key = current.Key,
        VersionId = current.VersionId ?? "null",
        Segments = current.Segments,
        Size = current.Size,
        ETag = current.ETag,
        ContentType = current.ContentType,
        Metadata = current.Metadata,
        LastModified = current.LastModified,
        Encrypted = current.Encrypted,
        PartsCount = current.PartsCount,
        ChecksumAlgorithm = current.ChecksumAlgorithm,
        Checksum = current.Checksum,
        ChecksumType = current.ChecksumType,
        IsDeleteMarker = current.IsDeleteMarker,
        Tags = current.Tags,
        Acl = current.Acl,
        LockMode = current.LockMode,
        LockRetainUntil = current.LockRetainUntil,
        LegalHold = current.LegalHold,
        NoncurrentSince = since,
    };

    public StoredObject ToObject() => new()
    {
        BucketName = BucketName,
        Key = Key,
        VersionId = VersionId == "null" ? null : VersionId,
        Segments = Segments,
        Size = Size,
        ETag = ETag,
        ContentType = ContentType,
        Metadata = Metadata,
        LastModified = LastModified,
        Encrypted = Encrypted,
        PartsCount = PartsCount,
        ChecksumAlgorithm = ChecksumAlgorithm,
        Checksum = Checksum,
        ChecksumType = ChecksumType,
        IsDeleteMarker = IsDeleteMarker,
        Tags = Tags,
        Acl = Acl,
        LockMode = LockMode,
        LockRetainUntil = LockRetainUntil,
        LegalHold = LegalHold,
    };
}

/// <summary>A multipart upload between CreateMultipartUpload and Complete or Abort.</summary>
internal sealed class MultipartUpload
{
    public required string UploadId { get; init; }

    public required string BucketName { get; init; }

    public required string Key { get; init; }

    public required string AccountId { get; init; }

    public string? ContentType { get; init; }

    public string? Metadata { get; init; }

    public bool Encrypted { get; init; }

    public DateTime InitiatedAt { get; init; }

    /// <summary>x-amz-checksum-algorithm of CreateMultipartUpload: every part gets a checksum of it, the object one of its type.</summary>
    public string? ChecksumAlgorithm { get; init; }

    /// <summary>COMPOSITE (the parts' checksums checksummed) or FULL_OBJECT (CRCs combined); null without an algorithm.</summary>
    public string? ChecksumType { get; init; }

    /// <summary>x-amz-tagging of CreateMultipartUpload (JSON), the completed object's tags.</summary>
    public string? Tags { get; init; }

    /// <summary>The ACL CreateMultipartUpload asked for (JSON), the completed object's.</summary>
    public string? Acl { get; init; }
}

/// <summary>One uploaded part, durable in its own blob until the upload completes or is aborted.</summary>
internal sealed class StoredPart
{
    public required string UploadId { get; init; }

    public int PartNumber { get; init; }

    public required string BlobId { get; set; }

    public long Size { get; set; }

    public required string ETag { get; set; }

    public string? WrappedKey { get; set; }

    public DateTime LastModified { get; set; }

    public string? ChecksumAlgorithm { get; set; }

    /// <summary>The part's checksum (base64): sent with it, or computed for the upload's algorithm.</summary>
    public string? Checksum { get; set; }
}
