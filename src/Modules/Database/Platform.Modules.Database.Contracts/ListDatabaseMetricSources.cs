using Mediator;

namespace Platform.Modules.Database.Contracts;

/// <summary>
/// The DB instances of <paramref name="AccountId"/>, for CloudWatch's ListMetrics of the AWS/RDS namespace, which Compute
/// serves: each with its DbiResourceId (the managed instance Compute runs for it carries it, and Compute knows whether that
/// machine has usage datapoints) and whether its guest's figures (FreeStorageSpace, DatabaseConnections) have minutes kept,
/// and whether any of them carried a replication lag (ReplicaLag: a Multi-AZ pair's).
/// Another account's instances are never in it.
/// </summary>
public sealed record ListDatabaseMetricSources(string AccountId) : IRequest<IReadOnlyList<DatabaseMetricSource>>;

public sealed record DatabaseMetricSource(string DbInstanceIdentifier, string ResourceId, bool HasGuestMetrics, bool HasReplicaLag = false);
