using Mediator;

namespace Platform.Modules.Network.Contracts;

/// <summary>
/// Registers instances of <paramref name="AccountId"/> in its target group (ELBv2's RegisterTargets, for the platform's own
/// use: an Auto Scaling group attached to the target group registers the instances it launches). Idempotent: an instance
/// already registered stays as it is. Fails with ELBv2's errors (<c>TargetGroupNotFound</c>, <c>InvalidTarget</c> for an
/// instance of another VPC or account) and registers nothing then.
/// </summary>
/// <param name="TargetGroupArn">The target group's ARN, as the tenant gave it to the group.</param>
/// <param name="Port">The port traffic goes to; null: the target group's port.</param>
public sealed record RegisterGroupTargets(string AccountId, string TargetGroupArn, IReadOnlyList<string> InstanceIds, int? Port = null) : IRequest;

/// <summary>
/// Deregisters instances from the target group: they stop getting new connections at once and are drained for the target
/// group's deregistration delay. Idempotent; instances not registered are ignored.
/// </summary>
public sealed record DeregisterGroupTargets(string AccountId, string TargetGroupArn, IReadOnlyList<string> InstanceIds) : IRequest;

/// <summary>The health of the target group's instances as its health checks see them (an Auto Scaling group with ELB health checks asks).</summary>
public sealed record DescribeGroupTargetHealth(string AccountId, string TargetGroupArn) : IRequest<IReadOnlyList<GroupTargetHealth>>;

/// <param name="State">ELBv2's target health state: <c>initial</c>, <c>healthy</c>, <c>unhealthy</c>, <c>unused</c>, <c>draining</c>, <c>unavailable</c>.</param>
/// <param name="Reason">ELBv2's reason code (<c>Target.FailedHealthChecks</c>, <c>Target.DeregistrationInProgress</c>, …), null when healthy.</param>
public sealed record GroupTargetHealth(string InstanceId, int Port, string State, string? Reason);

/// <summary>
/// The target group exists in the account: its VPC and whether a load balancer uses it. Null when the account has no such
/// target group (an Auto Scaling group checks the ARNs it is given before it takes them).
/// </summary>
public sealed record DescribeGroupTargetGroup(string AccountId, string TargetGroupArn) : IRequest<GroupTargetGroup?>;

/// <param name="TargetType"><c>instance</c> or <c>ip</c>: an Auto Scaling group can use only <c>instance</c> target groups.</param>
public sealed record GroupTargetGroup(string TargetGroupArn, string VpcId, string TargetType, int Port, bool HasLoadBalancer);
