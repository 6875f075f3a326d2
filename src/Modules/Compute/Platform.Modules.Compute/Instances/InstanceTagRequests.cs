using Mediator;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Tagging;

namespace Platform.Modules.Compute.Instances;

/// <summary>Adds tags to an instance or overwrites their values (EC2's CreateTags).</summary>
internal sealed record CreateInstanceTags(string InstanceId, IReadOnlyList<TagSpecification>? Tags)
    : IRequest<InstanceResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:CreateTags", Arns.Build("ec2", region, caller.AccountId, $"instance/{InstanceId}"));
}

internal sealed class CreateInstanceTagsHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<CreateInstanceTags, InstanceResponse>
{
    public async ValueTask<InstanceResponse> Handle(CreateInstanceTags request, CancellationToken cancellationToken) =>
        InstanceResponse.From(await InstanceTagging.AddAsync(db, caller.Identity.AccountId, request.InstanceId, request.Tags, cancellationToken), hostReachable: true);
}

/// <summary>EC2's CreateTags on one instance, as one id among the resources of several modules a call may name.</summary>
internal sealed record TagInstance(string InstanceId, IReadOnlyList<ResourceTag> Tags) : IRequest, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:CreateTags", Arns.Build("ec2", region, caller.AccountId, $"instance/{InstanceId}"));
}

internal sealed class TagInstanceHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<TagInstance>
{
    public async ValueTask<Unit> Handle(TagInstance request, CancellationToken cancellationToken)
    {
        await InstanceTagging.AddAsync(db, caller.Identity.AccountId, request.InstanceId,
            [.. request.Tags.Select(t => new TagSpecification(t.Key, t.Value))], cancellationToken);
        return Unit.Value;
    }
}

/// <summary>
/// EC2's DeleteTags on one instance: by key, and only when the value matches if one is given; none given removes every tag
/// a caller may remove (the platform's own <c>aws:</c> tags stay).
/// </summary>
internal sealed record UntagInstance(string InstanceId, IReadOnlyList<ResourceTagRemoval> Tags) : IRequest, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DeleteTags", Arns.Build("ec2", region, caller.AccountId, $"instance/{InstanceId}"));
}

internal sealed class UntagInstanceHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<UntagInstance>
{
    public async ValueTask<Unit> Handle(UntagInstance request, CancellationToken cancellationToken)
    {
        var removals = ResourceTags.Validate(request.Tags);
        var instance = await InstanceLookup.OwnedAsync(db, caller.Identity.AccountId, request.InstanceId, cancellationToken);
        instance.Tags.RemoveAll(t => removals.Count == 0 ? !t.Key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase) : removals.Removes(t.Key, t.Value));
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}

internal static class InstanceTagging
{
    /// <summary>Adds tags to the account's instance or overwrites their values, within EC2's limit of 50.</summary>
    public static async Task<Instance> AddAsync(ComputeDbContext db, string accountId, string instanceId, IReadOnlyList<TagSpecification>? tags,
        CancellationToken cancellationToken)
    {
        InstanceTags.Validate(tags);
        var instance = await InstanceLookup.OwnedAsync(db, accountId, instanceId, cancellationToken);
        foreach (var tag in tags ?? [])
        {
            if (instance.Tags.FirstOrDefault(t => t.Key == tag.Key) is { } existing)
            {
                existing.Value = tag.Value ?? "";
            }
            else
            {
                instance.Tags.Add(new InstanceTag { InstanceId = instance.Id, Key = tag.Key!, Value = tag.Value ?? "" });
            }
        }

        if (instance.Tags.Count > InstanceTags.MaxPerResource)
        {
            throw ResourceTags.TagLimitExceeded();
        }

        await db.SaveChangesAsync(cancellationToken);
        return instance;
    }
}

/// <summary>Removes tags by key from an instance; keys it does not have are ignored.</summary>
internal sealed record DeleteInstanceTags(string InstanceId, IReadOnlyList<string> Keys) : IRequest, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DeleteTags", Arns.Build("ec2", region, caller.AccountId, $"instance/{InstanceId}"));
}

internal sealed class DeleteInstanceTagsHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<DeleteInstanceTags>
{
    public async ValueTask<Unit> Handle(DeleteInstanceTags request, CancellationToken cancellationToken)
    {
        var instance = await InstanceLookup.OwnedAsync(db, caller.Identity.AccountId, request.InstanceId, cancellationToken);
        instance.Tags.RemoveAll(t => request.Keys.Contains(t.Key));
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
