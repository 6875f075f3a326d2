using Mediator;

namespace Platform.Modules.Storage.Contracts;

/// <summary>The account that owns a bucket; null when there is no such bucket.</summary>
public sealed record DescribeBucketOwner(string Bucket) : IRequest<string?>;

/// <summary>
/// Puts an object written by the platform itself (a trail's log file) into a tenant's bucket: no caller's policy is
/// asked, so the request names the account the bucket must belong to, and a bucket of any other account (or none) is
/// refused with NoSuchBucket. The object replaces one of the same key, as a PUT does, so writing it again changes nothing.
/// </summary>
public sealed record PutPlatformObject(string Bucket, string OwnerAccountId, string Key, byte[] Body, string ContentType) : IRequest<PutPlatformObjectResult>;

public sealed record PutPlatformObjectResult(string ETag);

/// <summary>
/// A bucket the platform keeps for itself (database backups) in <paramref name="OwnerAccountId"/>, the management account:
/// made when missing, nothing when that account has it. Tenants neither list nor read it (another account's bucket with no
/// bucket policy). A bucket of that name owned by any other account is refused (<see cref="InvalidOperationException"/>),
/// never shared: the platform makes its buckets at its first start, before there are tenants to take the name.
/// </summary>
public sealed record EnsurePlatformBucket(string Bucket, string OwnerAccountId) : IRequest<Unit>;

/// <summary>
/// Deletes every object under <paramref name="Prefix"/> (not empty) of a bucket the platform keeps for itself, owned by
/// <paramref name="OwnerAccountId"/> (a database snapshot's backup set): no caller's policy is asked, and a bucket of any
/// other account (or none) is refused with NoSuchBucket. Returns how many objects it deleted; a key already gone is no
/// error, so a delete cut short is finished by asking again.
/// </summary>
public sealed record DeletePlatformObjects(string Bucket, string OwnerAccountId, string Prefix) : IRequest<int>;
