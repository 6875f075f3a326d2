using Mediator;

namespace Platform.Modules.Compute.Contracts;

/// <summary>
/// An instance moved along EC2's state machine (<c>pending</c>, <c>running</c>, <c>stopping</c>, <c>stopped</c>,
/// <c>shutting-down</c>, <c>terminated</c>). Published through Compute's outbox in the commit that made the change, so a
/// subscriber (Billing meters running time from these facts) never misses one; delivered at least once, so a
/// subscriber keys what it does on (instance, state, time).
/// </summary>
/// <param name="PreviousState">Null when the instance was just launched.</param>
/// <param name="ChangedAt">When the change was committed (UTC).</param>
/// <param name="ManagedBy">The module that launched the instance for a resource of its own (<c>rds</c>); null for a tenant's instance.</param>
/// <param name="InstanceLifecycle"><c>spot</c> for a spot instance (billed at the spot price), null for on-demand.</param>
public sealed record InstanceStateChanged(
    string AccountId,
    string InstanceId,
    string InstanceType,
    string AvailabilityZone,
    string? PreviousState,
    string State,
    DateTime ChangedAt,
    string? ManagedBy,
    string? InstanceLifecycle = null) : INotification
{
    public const string Running = "running";

    public const string Spot = "spot";
}
