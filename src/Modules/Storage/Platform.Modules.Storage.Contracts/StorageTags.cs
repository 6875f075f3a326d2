using Mediator;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Tagging;

namespace Platform.Modules.Storage.Contracts;

/// <summary>Adds tags to one of the caller's volumes or snapshots (known by its id's prefix) or overwrites their values: EC2's CreateTags for them.</summary>
public sealed record CreateStorageTags(string ResourceId, IReadOnlyList<ResourceTag> Tags) : IRequest, IRequiresRegionalPermission
{
    // EC2's snapshot ARNs carry no account.
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:CreateTags", Arns.Build("ec2", region, ResourceId.StartsWith("snap-", StringComparison.Ordinal) ? "" : caller.AccountId,
            $"{ResourceTags.ResourceTypeOf(ResourceId)}/{ResourceId}"));
}

/// <summary>Removes tags from one of the caller's volumes or snapshots (EC2's DeleteTags); no removals given removes them all.</summary>
public sealed record DeleteStorageTags(string ResourceId, IReadOnlyList<ResourceTagRemoval> Tags) : IRequest, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DeleteTags", Arns.Build("ec2", region, ResourceId.StartsWith("snap-", StringComparison.Ordinal) ? "" : caller.AccountId,
            $"{ResourceTags.ResourceTypeOf(ResourceId)}/{ResourceId}"));
}

/// <summary>
/// The tags of one account's volumes and snapshots: those of the given ids, each of which must exist (the first unknown one
/// is refused with InvalidVolume.NotFound or InvalidSnapshot.NotFound), or of all of them when none are given. For EC2's
/// DescribeTags and for CreateTags' check before anything changes; the caller checks the permission of the call it serves.
/// </summary>
public sealed record DescribeStorageTags(string AccountId, IReadOnlyList<string> ResourceIds) : IRequest<IReadOnlyList<ResourceTagItem>>;
