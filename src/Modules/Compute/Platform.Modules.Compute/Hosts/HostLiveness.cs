using Microsoft.Extensions.Options;
using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.Hosts;

/// <summary>Whether a host answers: judged from its last heartbeat, so a silent host turns unreachable by itself.</summary>
internal sealed class HostLiveness(IOptions<ComputeOptions> options, TimeProvider clock)
{
    public DateTime ReachableSince => clock.GetUtcNow().UtcDateTime - options.Value.HeartbeatTimeout;

    public bool IsReachable(HostRecord host) => host.LastHeartbeatAt >= ReachableSince;

    public string Status(HostRecord host) =>
        !IsReachable(host) ? "unreachable" : host.Disabled ? "disabled" : host.DegradedReason is not null ? "degraded" : "available";
}
