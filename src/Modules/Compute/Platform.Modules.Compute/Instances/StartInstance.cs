using Mediator;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Compute.Instances;

/// <summary>Starts a stopped instance again on its host: <c>pending</c>, then <c>running</c> once the guest runs.</summary>
internal sealed record StartInstance(string InstanceId) : IRequest<InstanceStateChange>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:StartInstances", Arns.Build("ec2", region, caller.AccountId, $"instance/{InstanceId}"));
}

internal sealed class StartInstanceHandler(ComputeDbContext db, InstanceTransitions transitions, StartCapacity capacity, ICallerContext caller)
    : IRequestHandler<StartInstance, InstanceStateChange>
{
    public async ValueTask<InstanceStateChange> Handle(StartInstance request, CancellationToken cancellationToken)
    {
        var found = await InstanceLookup.OwnedAsync(db, caller.Identity.AccountId, request.InstanceId, cancellationToken);
        await capacity.EnsureAsync(found, cancellationToken);
        return await transitions.ApplyAsync(caller.Identity.AccountId, request.InstanceId, instance =>
        {
            switch (instance.State)
            {
                case InstanceStates.Pending or InstanceStates.Running:
                    return false;
                case InstanceStates.Stopped when instance.SpotActionTime is not null:
                    // Its capacity went to the on-demand launch that took it back; a one-time request is not fulfilled again.
                    throw new Shared.Errors.ApiException(400, "IncorrectSpotRequestState",
                        $"The spot instance '{instance.Id}' was interrupted and its one-time request is closed: it cannot be started.");
                case InstanceStates.Stopped:
                    instance.State = InstanceStates.Pending;
                    instance.StateReason = null;
                    instance.DesiredPower = DesiredPowers.Running;
                    // The agent starts a guest that stopped by itself only for a new start request.
                    instance.StartCount++;
                    return true;
                default:
                    throw InstanceLookup.IncorrectState(instance, "started");
            }
        }, cancellationToken);
    }
}
