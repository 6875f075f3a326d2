using Mediator;

namespace Platform.Modules.Compute.Contracts;

/// <summary>
/// An instance is gone from its server for good. Published through Compute's outbox in the same commit
/// as the state change, so subscribers (Network releases the instance's interfaces) never miss it.
/// </summary>
public sealed record InstanceTerminated(string AccountId, string InstanceId, DateTime TerminatedAt) : INotification;
