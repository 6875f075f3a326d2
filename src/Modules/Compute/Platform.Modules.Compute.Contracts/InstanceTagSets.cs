using Mediator;

namespace Platform.Modules.Compute.Contracts;

/// <summary>
/// The tags of the named instances of one account, as they are now (for Billing's cost and usage reports: its
/// <c>resourceTags/user:*</c> columns). Another account's instance, a module's managed one or an id Compute does not know is
/// left out; an instance without tags is answered with none.
/// </summary>
public sealed record DescribeInstanceTags(string AccountId, IReadOnlyList<string> InstanceIds) : IRequest<IReadOnlyList<InstanceTagSet>>;

/// <param name="Tags">Key to value, as EC2's tags (at most 50).</param>
public sealed record InstanceTagSet(string InstanceId, IReadOnlyDictionary<string, string> Tags);
