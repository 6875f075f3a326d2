using Mediator;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Tagging;

namespace Platform.Modules.Network.Contracts;

/// <summary>
/// Adds tags to one of the caller's Network resources (a VPC, subnet, security group, internet gateway, route table or
/// elastic IP, known by its id's prefix) or overwrites their values: EC2's CreateTags for them. An id of another account
/// is not found.
/// </summary>
public sealed record CreateNetworkTags(string ResourceId, IReadOnlyList<ResourceTag> Tags) : IRequest, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:CreateTags", Arns.Build("ec2", region, caller.AccountId, $"{ResourceTags.ResourceTypeOf(ResourceId)}/{ResourceId}"));
}

/// <summary>Removes tags from one of the caller's Network resources (EC2's DeleteTags); no removals given removes them all.</summary>
public sealed record DeleteNetworkTags(string ResourceId, IReadOnlyList<ResourceTagRemoval> Tags) : IRequest, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DeleteTags", Arns.Build("ec2", region, caller.AccountId, $"{ResourceTags.ResourceTypeOf(ResourceId)}/{ResourceId}"));
}

/// <summary>
/// The tags of one account's Network resources: those of the given ids, each of which must exist (the first unknown one
/// is refused with its kind's NotFound, as EC2 names it), or of all its resources when none are given. For EC2's
/// DescribeTags and for CreateTags' check before anything changes; the caller checks the permission of the call it serves.
/// </summary>
public sealed record DescribeNetworkTags(string AccountId, IReadOnlyList<string> ResourceIds) : IRequest<IReadOnlyList<ResourceTagItem>>;
