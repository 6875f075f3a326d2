namespace Platform.Modules.Storage.Buckets;

/// <summary>S3's object ownership settings (PutBucketOwnershipControls, x-amz-object-ownership on CreateBucket).</summary>
internal static class ObjectOwnership
{
    /// <summary>ACLs disabled: the bucket owner owns every object; only the bucket owner's full control is accepted as an ACL.</summary>
    public const string BucketOwnerEnforced = "BucketOwnerEnforced";

    /// <summary>ACLs enabled: an object written with bucket-owner-full-control belongs to the bucket owner, others to their writer.</summary>
    public const string BucketOwnerPreferred = "BucketOwnerPreferred";

    /// <summary>ACLs enabled: the account that writes an object owns it.</summary>
    public const string ObjectWriter = "ObjectWriter";

    /// <summary>What a bucket keeps once its ownership controls are deleted: objects are owned as under <see cref="ObjectWriter"/>.</summary>
    public const string None = "";

    public static bool IsValid(string? value) => value is BucketOwnerEnforced or BucketOwnerPreferred or ObjectWriter;

    public static bool AclsEnabled(string ownership) => ownership != BucketOwnerEnforced;
}
