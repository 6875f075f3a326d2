using Mediator;

namespace Platform.Modules.Database.Contracts;

/// <summary>
/// What a managed database's guest reported, as its server's agent sent it on <c>InstanceReport.Database</c>: Compute
/// publishes it for each report of an instance that runs a database, and the Database module moves the DB instance's
/// state, backups and restorable window by it. <paramref name="ReportJson"/> is Platform.HostAgent.Protocol's
/// <c>DatabaseReport</c> in the agent protocol's JSON: contracts carry only the shared kernel's types, and the report's
/// one definition stays the protocol's.
/// </summary>
/// <param name="ResourceId">The DB instance's DbiResourceId (<c>DesiredDatabase.ResourceId</c>).</param>
public sealed record DatabaseGuestReported(string ResourceId, string ReportJson) : INotification;
