using Mediator;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

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
    public async ValueTask<InstanceResponse> Handle(CreateInstanceTags request, CancellationToken cancellationToken)
    {
        InstanceTags.Validate(request.Tags);
        var instance = await InstanceLookup.OwnedAsync(db, caller.Identity.AccountId, request.InstanceId, cancellationToken);
        foreach (var tag in request.Tags ?? [])
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
            throw new Shared.Errors.ApiException(400, "TagLimitExceeded", $"A resource can have at most {InstanceTags.MaxPerResource} tags.");
        }

        await db.SaveChangesAsync(cancellationToken);
        return InstanceResponse.From(instance, hostReachable: true);
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
