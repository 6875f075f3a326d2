using Mediator;

namespace Platform.Modules.Database.Contracts;

/// <summary>
/// The DB instances that count instance hours now, for metering: every one not stopped and not failed (RDS bills a
/// stopped instance's storage only, which Billing meters from its data volume).
/// </summary>
public sealed record DescribeMeteredDatabases : IRequest<IReadOnlyList<MeteredDatabase>>;

/// <param name="ResourceId">The DbiResourceId (never reused, unlike the identifier).</param>
/// <param name="InstanceClass">RDS's class (<c>db.t3.micro</c>).</param>
public sealed record MeteredDatabase(string AccountId, string ResourceId, string InstanceClass, DateTime CreatedAt);
