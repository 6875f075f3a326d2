using System.Diagnostics;
using System.Globalization;
using System.Net;
using Platform.HostAgent.OpenVSwitch.Flows;
using Platform.HostAgent.OpenVSwitch.Ovsdb;

namespace Platform.HostAgent.OpenVSwitch;

/// <summary>
/// The uplink's side of <see cref="IntegrationBridge.ApplyAsync"/>: the provider network's device as a port of the bridge,
/// the provider gateway's MAC (configured, or learnt by the switch from the gateway's ARP packets and recorded in the
/// bridge's external_ids, so a restarted agent has it before it asks again), and a gratuitous ARP for every public address
/// that appears on this server, so the upstream switches and the gateway send its packets here at once.
/// </summary>
internal sealed class UplinkEdge
{
    /// <summary>The recorded gateway MAC: <c>platform-gateway-mac-&lt;gateway IP&gt;=&lt;MAC&gt;</c> on the bridge.</summary>
    public const string GatewayMacKeyPrefix = "platform-gateway-mac-";

    private static readonly TimeSpan PortTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ArpWait = TimeSpan.FromSeconds(1);

    /// <summary>Public addresses announced by this process (a restarted agent announces them all once more: harmless).</summary>
    private readonly HashSet<string> _announced = new(StringComparer.Ordinal);

    /// <summary>
    /// The state with the uplink's OpenFlow port and the gateway's MAC filled in (as far as known). An uplink the switch cannot
    /// open (no such device) leaves the state without one, with the reason: the VPCs work on, only public networking does not.
    /// </summary>
    public static async Task<(NetworkDesiredState State, string? Problem)> ResolveAsync(NetworkDesiredState state, IOpenVSwitchDatabase database,
        OpenFlowSwitch openFlow, CancellationToken cancellationToken)
    {
        if (state.Uplink is not { } uplink)
        {
            return (state, null);
        }

        if (uplink.OfPort <= 0)
        {
            await database.EnsurePortAsync(state.Bridge, new PortSpec { Name = uplink.PortName }, cancellationToken);
            try
            {
                uplink = uplink with { OfPort = await database.WaitForOfPortAsync(uplink.PortName, PortTimeout, cancellationToken) };
            }
            catch (Exception e) when (e is OvsdbException or TimeoutException)
            {
                return (state with { Uplink = null }, $"uplink {uplink.PortName}: {e.Message}");
            }
        }

        if (uplink.GatewayMac is null && uplink.GatewayIp is { } gatewayIp)
        {
            var recorded = (await database.GetBridgeExternalIdsAsync(state.Bridge, cancellationToken)).GetValueOrDefault(GatewayMacKeyPrefix + gatewayIp);
            // What the switch learnt since the last apply (a gateway replaced and announcing itself) wins over the record.
            var learned = EdgeFlows.ParseLearnedGateways(await openFlow.DumpTableAsync(EdgeFlows.GatewayLearnTable, cancellationToken)).GetValueOrDefault(gatewayIp);
            if (learned is not null && learned != recorded)
            {
                await RecordAsync(database, state.Bridge, gatewayIp, learned, cancellationToken);
            }

            uplink = uplink with { GatewayMac = learned ?? recorded };
        }

        return (state with { Uplink = uplink }, null);
    }

    /// <summary>
    /// After the flows went in: asks for the gateway's MAC if it is needed and unknown (true: it was learnt, apply again),
    /// and announces the public addresses new on this server.
    /// </summary>
    public async Task<bool> AfterApplyAsync(NetworkDesiredState state, IOpenVSwitchDatabase database, OpenFlowSwitch openFlow, CancellationToken cancellationToken)
    {
        if (state.Uplink is not { OfPort: > 0 } uplink)
        {
            _announced.Clear();
            return false;
        }

        var addresses = EdgeFlows.PublicAddresses(state);
        _announced.IntersectWith(addresses);
        foreach (var address in addresses.Where(a => !_announced.Contains(a)))
        {
            await openFlow.PacketOutAsync(ArpFrames.Gratuitous(address, EdgeFlows.PublicMac(address)), uplink.OfPort, cancellationToken);
            _announced.Add(address);
        }

        if (uplink.GatewayMac is not null || uplink.GatewayIp is not { } gatewayIp || addresses.Count == 0)
        {
            return false;
        }

        var source = addresses[0];
        await openFlow.PacketOutAsync(ArpFrames.Request(source, EdgeFlows.PublicMac(source), gatewayIp), uplink.OfPort, cancellationToken);
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < ArpWait)
        {
            await Task.Delay(20, cancellationToken);
            if (EdgeFlows.ParseLearnedGateways(await openFlow.DumpTableAsync(EdgeFlows.GatewayLearnTable, cancellationToken)).GetValueOrDefault(gatewayIp) is { } mac)
            {
                await RecordAsync(database, state.Bridge, gatewayIp, mac, cancellationToken);
                return true;
            }
        }

        return false;
    }

    private static Task RecordAsync(IOpenVSwitchDatabase database, string bridge, string gatewayIp, string mac, CancellationToken cancellationToken) =>
        database.UpdateBridgeExternalIdsAsync(bridge, new Dictionary<string, string>(StringComparer.Ordinal) { [GatewayMacKeyPrefix + gatewayIp] = mac }, [], cancellationToken);
}

/// <summary>ARP frames the agent sends on the uplink (hex, for <see cref="OpenFlowSwitch.PacketOutAsync"/>).</summary>
public static class ArpFrames
{
    /// <summary>A gratuitous ARP request (RFC 5227's announcement): sender and target are the address itself, to everyone.</summary>
    public static string Gratuitous(string address, string mac) => Frame(mac, address, "00:00:00:00:00:00", address);

    /// <summary>Who has <paramref name="target"/>? Tell <paramref name="source"/> (broadcast).</summary>
    public static string Request(string source, string mac, string target) => Frame(mac, source, "00:00:00:00:00:00", target);

    private static string Frame(string senderMac, string senderIp, string targetMac, string targetIp)
    {
        var frame = new List<byte>();
        frame.AddRange(Enumerable.Repeat((byte)0xff, 6));
        frame.AddRange(Mac(senderMac));
        frame.AddRange([0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]);
        frame.AddRange(Mac(senderMac));
        frame.AddRange(IPAddress.Parse(senderIp).GetAddressBytes());
        frame.AddRange(Mac(targetMac));
        frame.AddRange(IPAddress.Parse(targetIp).GetAddressBytes());
        frame.AddRange(new byte[60 - frame.Count]);
        return Convert.ToHexStringLower([.. frame]);
    }

    private static byte[] Mac(string mac) => [.. mac.Split(':').Select(b => byte.Parse(b, NumberStyles.HexNumber, CultureInfo.InvariantCulture))];
}
