using Mediator;

namespace Platform.Modules.Storage.Contracts;

/// <summary>
/// Decides, as S3 decides a PutObject of <paramref name="Key"/> for the current caller (its policies and the bucket's
/// policy, explicit deny wins), whether the caller may write there, and answers the bucket's owner account; NoSuchBucket
/// or AccessDenied otherwise. Writes nothing: for a module that will later write into the bucket on the caller's behalf
/// (a cost and usage report) and must not let a tenant name a bucket it could not write to itself.
/// </summary>
public sealed record AuthorizeBucketWrite(string Bucket, string Key) : IRequest<string>;
