using Mediator;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Compute.Instances;

/// <summary>Reboots a running instance; its state stays <c>running</c>, as in EC2.</summary>
internal sealed record RebootInstance(string InstanceId) : IRequest<InstanceStateChange>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:RebootInstances", Arns.Build("ec2", region, caller.AccountId, $"instance/{InstanceId}"));
}

internal sealed class RebootInstanceHandler(InstanceTransitions transitions, ICallerContext caller) : IRequestHandler<RebootInstance, InstanceStateChange>
{
    public async ValueTask<InstanceStateChange> Handle(RebootInstance request, CancellationToken cancellationToken) =>
        await transitions.ApplyAsync(caller.Identity.AccountId, request.InstanceId, instance =>
        {
            if (instance.State is not (InstanceStates.Running or InstanceStates.Pending))
            {
                throw InstanceLookup.IncorrectState(instance, "rebooted");
            }

            instance.RebootCount++;
            return true;
        }, cancellationToken);
}
