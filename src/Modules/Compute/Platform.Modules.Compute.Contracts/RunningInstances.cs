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

/// <summary>
/// The named tenants' instances as Compute's own state has them now (an id Compute no longer knows, or a module's managed
/// instance, is left out): what a subscriber to <see cref="InstanceStateChanged"/> checks a run it still holds open against,
/// to find a <c>stopped</c> or <c>terminated</c> fact it never received.
/// </summary>
public sealed record DescribeInstanceStates(IReadOnlyList<string> InstanceIds) : IRequest<IReadOnlyList<InstanceStateNow>>;

/// <param name="RunningSince">When it last entered <c>running</c> (UTC), null before its first start.</param>
/// <param name="RunningEndedAt">When it last left <c>running</c> (UTC), the moment that fact carries; null when no run of it has ended.</param>
public sealed record InstanceStateNow(string AccountId, string InstanceId, string State, DateTime? RunningSince, DateTime? RunningEndedAt);
