using Mediator;

namespace Platform.Modules.Database.Contracts;

/// <summary>
/// What the guest of a DB instance must run, for Compute to put on <c>DesiredInstance.Database</c> of the managed
/// instance it launched for it: <see cref="ManagedDatabase.DesiredDatabaseJson"/> is Platform.HostAgent.Protocol's
/// <c>DesiredDatabase</c> in the agent protocol's JSON (contracts carry only the shared kernel's types). It holds the
/// master password in plain text, for the agent to hand to the guest: for composing a server's desired state only, never
/// for a tenant's answer. Null when the DB instance is gone.
/// </summary>
/// <param name="ResourceId">The DB instance's DbiResourceId, which Compute keeps on the managed instance.</param>
/// <param name="DataVolumeId">The platform volume attached to that instance for the data directory.</param>
public sealed record DescribeManagedDatabase(string ResourceId, string DataVolumeId) : IRequest<ManagedDatabase?>;

/// <param name="Generation">The desired generation: a change here changes the server's desired state.</param>
public sealed record ManagedDatabase(string ResourceId, string AccountId, long Generation, string DesiredDatabaseJson);
