using Mediator;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Network.Contracts;

namespace Platform.Modules.Network.Interfaces;

/// <summary>A terminated instance's interfaces go back to their subnets (releasing is idempotent, so a redelivery is harmless).</summary>
internal sealed class ReleaseInterfacesOfTerminatedInstance(ISender sender) : INotificationHandler<InstanceTerminated>
{
    public async ValueTask Handle(InstanceTerminated notification, CancellationToken cancellationToken) =>
        await sender.Send(new ReleaseInstanceInterfaces(notification.AccountId, notification.InstanceId), cancellationToken);
}
