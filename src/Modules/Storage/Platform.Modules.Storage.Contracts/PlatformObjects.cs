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
