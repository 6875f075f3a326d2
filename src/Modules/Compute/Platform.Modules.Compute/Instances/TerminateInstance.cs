using Mediator;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Compute.Instances;

/// <summary>
/// Terminates an instance: <c>shutting-down</c> until its host has removed the domain and its disks, then
/// <c>terminated</c>, which stays visible in descriptions. Terminating a terminated instance changes nothing; one whose
/// disableApiTermination attribute is true is refused (OperationNotPermitted), unless Auto Scaling terminates it: as on
/// AWS, a group's terminations ignore EC2's termination protection (scale-in protection is the group's own).
/// </summary>
internal sealed record TerminateInstance(string InstanceId, bool ByAutoScaling = false) : IRequest<InstanceStateChange>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:TerminateInstances", Arns.Build("ec2", region, caller.AccountId, $"instance/{InstanceId}"));
}

internal sealed class TerminateInstanceHandler(InstanceTransitions transitions, ICallerContext caller)
    : IRequestHandler<TerminateInstance, InstanceStateChange>
{
    public async ValueTask<InstanceStateChange> Handle(TerminateInstance request, CancellationToken cancellationToken) =>
        await transitions.ApplyAsync(caller.Identity.AccountId, request.InstanceId, instance =>
        {
            if (instance.State is InstanceStates.ShuttingDown or InstanceStates.Terminated)
            {
                return false;
            }

            if (instance.DisableApiTermination && !request.ByAutoScaling)
            {
                throw InstanceAttributeRules.NotPermitted(instance.Id, "terminated", "disableApiTermination");
            }

            instance.State = InstanceStates.ShuttingDown;
            instance.StateReason = "Client.UserInitiatedShutdown: User initiated shutdown";
            instance.DesiredPower = DesiredPowers.Absent;
            return true;
        }, cancellationToken);
}
