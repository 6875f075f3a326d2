using System.Globalization;
using System.Net;
using Platform.HostAgent.OpenVSwitch.Flows;

namespace Platform.HostAgent.OpenVSwitch;

/// <summary>What one <see cref="IntegrationBridge.ApplyAsync"/> did.</summary>
/// <param name="Flows">The flow table now installed.</param>
/// <param name="Ports">The guest ports with their OpenFlow port numbers as used in the flows.</param>
/// <param name="PendingInterfaces">Interface ids with no port on the bridge yet (the guest is not started): no flows for them until they appear.</param>
/// <param name="LocalVlans">Each VPC's local VLAN as used in the flows and port tags.</param>
/// <param name="UplinkProblem">Why the configured uplink is not in use (no such device), or null.</param>
public sealed record NetworkApplyResult(string Flows, IReadOnlyList<PortSecurity> Ports, IReadOnlyList<string> PendingInterfaces,
    IReadOnlyDictionary<string, int> LocalVlans, string? UplinkProblem = null);

/// <summary>
/// Converges a server's integration bridge to a <see cref="NetworkDesiredState"/>: the bridge
/// itself, one tunnel port per remote server that shares a VPC with this one (stale ones removed),
/// each guest port's local VLAN tag, and the whole flow table in one atomic replacement.
/// Idempotent and safe to call after a restart: unchanged ports and flows are left as they are, and VPCs whose
/// local VLAN the state leaves open (0) get the tag recorded for them on the bridge (<see cref="LocalVlans"/>).
/// </summary>
public sealed class IntegrationBridge(IOpenVSwitchDatabase database, string? openFlowRunDirectory = null)
{
    /// <summary>Tunnel ports are named after the remote address ("tun-ac1f0002" for 172.31.0.2), so they are found again after a restart.</summary>
    public const string TunnelPortPrefix = "tun-";

    private static readonly TimeSpan PortTimeout = TimeSpan.FromSeconds(10);

    private readonly UplinkEdge _uplink = new();

    public static string TunnelPortName(string remoteIp) =>
        TunnelPortPrefix + Convert.ToHexStringLower(IPAddress.Parse(remoteIp).GetAddressBytes());

    public async Task<NetworkApplyResult> ApplyAsync(NetworkDesiredState state, CancellationToken cancellationToken = default)
    {
        await database.EnsureBridgeAsync(new BridgeSpec(state.Bridge), cancellationToken);
        state = await WithLocalVlansAsync(state, cancellationToken);

        var remoteHosts = state.Vpcs.SelectMany(v => v.RemoteHosts).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var wanted = remoteHosts.ToDictionary(TunnelPortName, h => h, StringComparer.Ordinal);
        foreach (var (name, host) in wanted)
        {
            await database.EnsurePortAsync(state.Bridge, PortSpec.Tunnel(name, state.TunnelKind, host), cancellationToken);
        }

        var existing = await database.ListPortsAsync(state.Bridge, cancellationToken);
        foreach (var stale in existing.Where(p => p.Name.StartsWith(TunnelPortPrefix, StringComparison.Ordinal) && !wanted.ContainsKey(p.Name)))
        {
            await database.RemovePortAsync(stale.Name, cancellationToken);
        }

        var tunnelPorts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, host) in wanted)
        {
            tunnelPorts[host] = await database.WaitForOfPortAsync(name, PortTimeout, cancellationToken);
        }

        var vlans = state.Vpcs.ToDictionary(v => v.VpcId, v => v.LocalVlan, StringComparer.Ordinal);
        var byInterfaceId = existing.Where(p => p.InterfaceId is not null).GroupBy(p => p.InterfaceId!).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var ports = new List<PortSecurity>();
        var pending = new List<string>();
        foreach (var port in state.Ports)
        {
            if (port.OfPort > 0)
            {
                ports.Add(port);
                continue;
            }

            if (!byInterfaceId.TryGetValue(port.InterfaceId, out var found) || found.OfPort is not > 0)
            {
                pending.Add(port.InterfaceId);
                continue;
            }

            // The VPC's local VLAN as the port's tag: the flows isolate VPCs by themselves, the tag
            // makes a port's VPC visible in ovs-vsctl show and keeps isolation should NORMAL ever be used.
            if (vlans.TryGetValue(port.VpcId, out var vlan) && found.Tag != vlan)
            {
                await database.EnsurePortAsync(state.Bridge, new PortSpec { Name = found.Name, Type = found.Type, Options = found.Options, Tag = vlan }, cancellationToken);
            }

            ports.Add(port with { OfPort = found.OfPort.Value });
        }

        var openFlow = OpenFlowSwitch.ForBridge(state.Bridge, openFlowRunDirectory);
        var (resolved, uplinkProblem) = await UplinkEdge.ResolveAsync(state with { Ports = ports, TunnelPorts = tunnelPorts }, database, openFlow, cancellationToken);
        var flows = FlowTable.Build(resolved);
        await openFlow.ReplaceFlowsAsync(flows, cancellationToken);
        if (await _uplink.AfterApplyAsync(resolved, database, openFlow, cancellationToken))
        {
            // The provider gateway's MAC was just learnt: the flows that leave through the uplink can go in now.
            (resolved, _) = await UplinkEdge.ResolveAsync(resolved, database, openFlow, cancellationToken);
            flows = FlowTable.Build(resolved);
            await openFlow.ReplaceFlowsAsync(flows, cancellationToken);
        }

        return new NetworkApplyResult(flows, ports, pending, vlans, uplinkProblem);
    }

    /// <summary>
    /// Fills in the local VLAN of every VPC that has none from the bridge's records, recording new ones first: a crash
    /// after the flows went in but before the record was written must not let the next apply choose another tag.
    /// </summary>
    private async Task<NetworkDesiredState> WithLocalVlansAsync(NetworkDesiredState state, CancellationToken cancellationToken)
    {
        var open = state.Vpcs.Where(v => v.LocalVlan == 0).Select(v => (v.VpcId, v.Vni)).ToList();
        if (open.Count == 0)
        {
            return state;
        }

        var recorded = LocalVlans.Read(await database.GetBridgeExternalIdsAsync(state.Bridge, cancellationToken));
        var assignment = LocalVlans.Assign(recorded, open, state.Vpcs.Where(v => v.LocalVlan != 0).Select(v => v.LocalVlan).ToHashSet());
        if (assignment.Changed)
        {
            await database.UpdateBridgeExternalIdsAsync(state.Bridge,
                assignment.Added.ToDictionary(a => LocalVlans.Key(a.Key), a => a.Value.ToString(CultureInfo.InvariantCulture), StringComparer.Ordinal),
                [.. assignment.Removed.Select(LocalVlans.Key)], cancellationToken);
        }

        return state with { Vpcs = [.. state.Vpcs.Select(v => v.LocalVlan == 0 ? v with { LocalVlan = assignment.Tags[v.VpcId] } : v)] };
    }

    /// <summary>A one-line summary for the agent's log.</summary>
    public static string Describe(NetworkApplyResult result) => string.Create(CultureInfo.InvariantCulture,
        $"{result.Ports.Count} ports, {result.PendingInterfaces.Count} pending, {result.Flows.Count(c => c == '\n')} flows");
}
