using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Compute.Hosts;
using Platform.Modules.Compute.InstanceTypes;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.Instances.Managed;

/// <summary>
/// EC2's type change of a stopped instance (<see cref="ModifyInstanceAttributeHandler"/>'s rule) for a managed one: the row
/// takes the new type and its server's desired state is raised in the same commit, so the agent defines the domain again
/// with the type's vCPUs and memory before its next start.
/// </summary>
internal sealed class ChangeManagedInstanceTypeHandler(ComputeDbContext db, DesiredStateSignals signals) : IRequestHandler<ChangeManagedInstanceType, ManagedInstance?>
{
    public async ValueTask<ManagedInstance?> Handle(ChangeManagedInstanceType request, CancellationToken cancellationToken)
    {
        if (InstanceTypeCatalog.Find(request.InstanceType) is null)
        {
            throw new ApiException(400, "InvalidInstanceAttributeValue", $"Value ({request.InstanceType}) for parameter instanceType is invalid. Unknown instance type.");
        }

        var (result, hostId) = await ConcurrencyRetry.RunAsync(db, async () =>
        {
            var instance = await db.Instances.SingleOrDefaultAsync(
                i => i.ManagedBy == request.ManagedBy && i.ManagedResourceId == request.ResourceId && i.State != InstanceStates.Terminated, cancellationToken);
            if (instance is null || instance.State != InstanceStates.Stopped || instance.InstanceType == request.InstanceType)
            {
                return (instance is null ? null : ManagedInstances.From(instance), (string?)null);
            }

            instance.InstanceType = request.InstanceType;
            var host = await db.Hosts.SingleAsync(h => h.Id == instance.HostId, cancellationToken);
            host.DesiredVersion++;
            instance.ChangedAtVersion = host.DesiredVersion;
            await db.SaveChangesAsync(cancellationToken);
            return (ManagedInstances.From(instance), host.Id);
        });
        if (hostId is not null)
        {
            signals.Changed(hostId);
        }

        return result;
    }
}
