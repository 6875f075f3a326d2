using Mediator;

namespace Platform.Modules.Compute.Contracts;

/// <summary>
/// Every tenant's instance (not a module's managed one) that is <c>running</c> now and has been since
/// <paramref name="RunningSince"/> or before: what a subscriber to <see cref="InstanceStateChanged"/> checks its own view
/// against, to find a fact it never received.
/// </summary>
public sealed record DescribeRunningInstances(DateTime RunningSince) : IRequest<IReadOnlyList<RunningInstance>>;

/// <param name="RunningSince">When it last entered <c>running</c> (UTC).</param>
/// <param name="InstanceLifecycle"><c>spot</c> for a spot instance, null for on-demand.</param>
public sealed record RunningInstance(string AccountId, string InstanceId, string InstanceType, string AvailabilityZone, DateTime RunningSince,
    string? InstanceLifecycle);
