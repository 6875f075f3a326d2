using Mediator;

namespace Platform.Modules.Storage.Contracts;

/// <summary>
/// The tags of the named buckets of one account, as they are now (for Billing's cost and usage reports: its
/// <c>resourceTags/user:*</c> columns). Another account's bucket or a name Storage does not know is left out; a bucket
/// without tags is answered with none.
/// </summary>
public sealed record DescribeBucketTags(string AccountId, IReadOnlyList<string> Buckets) : IRequest<IReadOnlyList<BucketTagSet>>;

/// <param name="Tags">Key to value, as S3's bucket tagging.</param>
public sealed record BucketTagSet(string Bucket, IReadOnlyDictionary<string, string> Tags);
