using Mediator;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Compute.Instances;

/// <summary>
/// Stops a running instance: <c>stopping</c>, the guest is asked to shut down, powered off after a deadline, <c>stopped</c>.
/// One whose disableApiStop attribute is true is refused (OperationNotPermitted).
/// </summary>
internal sealed record StopInstance(string InstanceId) : IRequest<InstanceStateChange>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:StopInstances", Arns.Build("ec2", region, caller.AccountId, $"instance/{InstanceId}"));
}

internal sealed class StopInstanceHandler(InstanceTransitions transitions, ICallerContext caller) : IRequestHandler<StopInstance, InstanceStateChange>
{
    public async ValueTask<InstanceStateChange> Handle(StopInstance request, CancellationToken cancellationToken) =>
        await transitions.ApplyAsync(caller.Identity.AccountId, request.InstanceId, instance =>
        {
            switch (instance.State)
            {
                case InstanceStates.Stopping or InstanceStates.Stopped:
                    return false;
                case InstanceStates.Running when instance.DisableApiStop:
                    throw InstanceAttributeRules.NotPermitted(instance.Id, "stopped", "disableApiStop");
                case InstanceStates.Running:
                    instance.State = InstanceStates.Stopping;
                    instance.StateReason = "Client.UserInitiatedShutdown: User initiated shutdown";
                    instance.DesiredPower = DesiredPowers.Stopped;
                    return true;
                default:
                    throw InstanceLookup.IncorrectState(instance, "stopped");
            }
        }, cancellationToken);
}
