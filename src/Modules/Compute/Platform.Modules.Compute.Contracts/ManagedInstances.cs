using Mediator;

namespace Platform.Modules.Compute.Contracts;

/// <summary>
/// Launches the guest another module runs for a resource of its own (a DB instance's database server) through Compute's
/// own launch: placement, an interface in the tenant's subnet with its security groups (Network), a platform volume of
/// <paramref name="DataVolumeGiB"/> attached as its only data disk (Storage). The instance is in the tenant's account for
/// its network but hidden from the tenant: no EC2 call lists, stops, starts or terminates it. Idempotent by
/// (<paramref name="ManagedBy"/>, <paramref name="ResourceId"/>): a second call answers the first launch (and finishes
/// it, when a crash left it without its volume). Fails with InsufficientInstanceCapacity when no server can take it.
/// </summary>
/// <param name="ManagedBy">The managing module's short name (<c>rds</c>).</param>
/// <param name="ResourceId">The module's resource id the instance serves (a DbiResourceId); one instance per resource.</param>
/// <param name="InstanceType">An instance type of Compute's catalog (its vCPUs and memory).</param>
/// <param name="ImageName">The platform image the guest boots: the newest available image of this name that the management
/// account registered (a tenant's image of the same name is never taken).</param>
/// <param name="AvoidHostIds">Servers the guest must not be placed on (a Multi-AZ standby avoids its primary's): none of the
/// zone's other servers with room is InsufficientInstanceCapacity, as with no room at all.</param>
public sealed record LaunchManagedInstance(
    string AccountId,
    string ManagedBy,
    string ResourceId,
    string InstanceType,
    string ImageName,
    string SubnetId,
    IReadOnlyList<string> SecurityGroupIds,
    int DataVolumeGiB,
    IReadOnlyList<string>? AvoidHostIds = null) : IRequest<ManagedInstance>;

/// <summary>
/// Terminates a managed instance (its data volume goes with it); answers its state after the call, null when the resource
/// has no instance. Terminating one already terminated changes nothing.
/// </summary>
public sealed record TerminateManagedInstance(string ManagedBy, string ResourceId) : IRequest<ManagedInstance?>;

/// <summary>The managed instances of a module (all of them, or those of the given resources), terminated ones too until forgotten.</summary>
public sealed record DescribeManagedInstances(string ManagedBy, IReadOnlyList<string>? ResourceIds = null) : IRequest<IReadOnlyList<ManagedInstance>>;

/// <param name="State">EC2's instance state.</param>
/// <param name="PrivateIpAddress">Its interface's address in the tenant's subnet: what clients connect to.</param>
/// <param name="DataVolumeId">Its platform volume, null until made.</param>
/// <param name="HostId">The server it is placed on.</param>
/// <param name="HostReachable">False while its server is judged lost (silent for <c>Compute:HeartbeatTimeout</c>; EC2 shows the
/// instance <c>impaired</c>): what a module failing over from it goes by.</param>
/// <param name="InstanceType">Its instance type (<see cref="ChangeManagedInstanceType"/> changes it while it is stopped).</param>
public sealed record ManagedInstance(
    string InstanceId,
    string ResourceId,
    string State,
    string AvailabilityZone,
    string? PrivateIpAddress,
    string? DataVolumeId,
    string? HostId = null,
    bool HostReachable = true,
    string? InstanceType = null);

/// <summary>
/// Changes a managed instance's type as EC2's ModifyInstanceAttribute InstanceType changes a tenant's: only while it is
/// stopped; its server defines the guest again with the type's vCPUs and memory when it next starts. Answers its state
/// after the call, null when the resource has no instance. A type it has already changes nothing; an instance that is not
/// stopped is left as it is and answered, for the caller to judge (stop it first). An unknown type is an error.
/// </summary>
public sealed record ChangeManagedInstanceType(string ManagedBy, string ResourceId, string InstanceType) : IRequest<ManagedInstance?>;

/// <summary>What the managed guest of a resource must run changed (a new generation, a backup asked for): its server's agent is woken.</summary>
public sealed record RaiseManagedInstanceDesiredState(string ManagedBy, string ResourceId) : IRequest;

/// <summary>What <see cref="ChangeManagedInstancePower"/> asks of a managed instance, as EC2's stop, start and reboot do.</summary>
public enum ManagedInstancePower
{
    /// <summary>Shut the guest down (<c>stopping</c>, then <c>stopped</c> once its server powered it off); the data volume stays.</summary>
    Stop,

    /// <summary>Boot a stopped guest again (<c>pending</c>, then <c>running</c>).</summary>
    Start,

    /// <summary>Restart a running guest; its state stays <c>running</c>.</summary>
    Reboot,
}

/// <summary>
/// Stops, starts or reboots the managed instance of a resource through EC2's own transitions (its server's desired state
/// raised in the same commit); answers its state after the call, null when the resource has no instance. Asking again for
/// what is already under way (a stop while stopping or stopped, a start while pending or running) changes nothing; asking
/// what its state does not admit (a start while stopping, anything while terminated) changes nothing either and answers
/// the state, for the caller to judge.
/// </summary>
public sealed record ChangeManagedInstancePower(string ManagedBy, string ResourceId, ManagedInstancePower Power) : IRequest<ManagedInstance?>;
