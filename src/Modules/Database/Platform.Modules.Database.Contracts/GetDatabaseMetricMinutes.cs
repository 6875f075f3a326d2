using Mediator;

namespace Platform.Modules.Database.Contracts;

/// <summary>
/// A DB instance's figures its guest reported (RDS's FreeStorageSpace in bytes, DatabaseConnections, ReplicaLag in seconds) as 1-minute
/// statistic sets in [<paramref name="From"/>, <paramref name="To"/>), for CloudWatch's AWS/RDS namespace, which Compute
/// serves. Only a DB instance of <paramref name="AccountId"/> is found: another account's identifier is unknown.
/// </summary>
/// <param name="MetricName"><c>FreeStorageSpace</c>, <c>DatabaseConnections</c> or <c>ReplicaLag</c> (minutes whose reports carried a lag); another name gives the instance and no minutes.</param>
public sealed record GetDatabaseMetricMinutes(string AccountId, string DbInstanceIdentifier, string MetricName, DateTime From, DateTime To)
    : IRequest<DatabaseMetricMinutes>;

/// <param name="ResourceId">The DB instance's DbiResourceId (the managed instance Compute runs for it carries it); null: no such DB instance.</param>
public sealed record DatabaseMetricMinutes(string? ResourceId, IReadOnlyList<DatabaseMetricMinute> Minutes);

public sealed record DatabaseMetricMinute(DateTime PeriodStart, double SampleCount, double Sum, double Minimum, double Maximum);
