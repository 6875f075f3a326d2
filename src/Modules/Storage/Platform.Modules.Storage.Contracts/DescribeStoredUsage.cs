using Mediator;

namespace Platform.Modules.Storage.Contracts;

/// <summary>
/// What Storage holds for every account right now, for metering: each volume not deleted (its provisioned size), each
/// completed snapshot (the bytes it stores) and each bucket with objects (the bytes of all its versions).
/// </summary>
public sealed record DescribeStoredUsage : IRequest<IReadOnlyList<StoredUsage>>;

/// <param name="Kind"><see cref="StoredKinds"/>.</param>
/// <param name="VolumeType">A volume's EBS type (<c>gp3</c>); null for the other kinds.</param>
/// <param name="ManagedBy">The module a volume serves (<c>rds</c>: a database's storage); null for a tenant's own.</param>
/// <param name="CreatedAt">When it came to be held (a volume's or bucket's creation, a snapshot's start), UTC: from then on it is billed.</param>
public sealed record StoredUsage(string AccountId, string ResourceId, string Kind, string? VolumeType, long Bytes, string? ManagedBy, DateTime CreatedAt = default);

public static class StoredKinds
{
    public const string Volume = "volume";
    public const string Snapshot = "snapshot";
    public const string Bucket = "bucket";
}
