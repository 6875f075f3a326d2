using System.Globalization;
using System.Net;

namespace Platform.HostAgent.OpenVSwitch.Flows;

/// <summary>
/// The instance metadata service's place on the integration bridge: one port (<see cref="OfPort"/>) leading to the agent's
/// responder, which listens on 169.254.169.254:80 in a network namespace of its own, and the guest ports it answers.
/// </summary>
/// <param name="OfPort">The responder's OpenFlow port.</param>
/// <param name="InterfaceIds">The guest ports (external_ids:iface-id) whose instances have the endpoint enabled; any other
/// guest's packets to 169.254.169.254 go the ordinary way and are dropped by the VPC router (no answer, as EC2's
/// <c>http_endpoint=disabled</c>).</param>
/// <param name="Relay">The management relay beside the responder (null: none): what managed guests reach the platform's API through.</param>
public sealed record MetadataService(int OfPort, IReadOnlyCollection<string> InterfaceIds, ManagementRelayService? Relay = null);

/// <summary>
/// The management relay's place on the bridge: the responder's namespace also listens on 169.254.169.254:<paramref name="Port"/>
/// and relays TCP to the platform's API (its S3 endpoint for database backups). Only the ports of managed guests (database
/// servers, on which the tenant has no shell) are taken there; a tenant guest's packets to that port go the ordinary way and
/// are dropped by the VPC router, as the metadata service's are for a guest it does not answer.
/// </summary>
/// <param name="Port">The relay's TCP port (the API's own port, never 80: that is the metadata service's).</param>
/// <param name="InterfaceIds">The managed guests' switch ports (external_ids:iface-id).</param>
public sealed record ManagementRelayService(int Port, IReadOnlyCollection<string> InterfaceIds);

/// <summary>
/// Flows that take a guest's TCP to 169.254.169.254:80 to the metadata responder and back. The guest is named by the switch
/// port its packet came in on, never by what it says: the request flow matches the source OpenFlow port (reg5), which only
/// the classify table sets and only for guest ports, in the table after anti-spoofing (so the packet's source address is
/// already the port's own), and rewrites the source address to <see cref="SourceFor"/>(port): 169.254.0.0/17 plus the
/// OpenFlow port number. The responder reads the port back from the connection's peer address; the reply flow matches that
/// address and restores the guest's own before sending it out of that port only. Security groups do not see this traffic
/// (as on EC2), and the replies are not routed (no TTL decrement: the token's hop limit counts hops after the guest).
/// </summary>
public static class MetadataFlows
{
    public const string ServiceAddress = "169.254.169.254";

    /// <summary>The responder's own MAC (its interface in the namespace is given it).</summary>
    public const string ServiceMac = "02:a9:fe:a9:fe:fe";

    /// <summary>The next hop the responder's namespace sends replies to (a permanent neighbour entry there): any fixed MAC.</summary>
    public const string ReturnGatewayMac = "02:a9:fe:a9:fe:01";

    public const string ReturnGateway = "169.254.169.1";

    /// <summary>
    /// The addresses that stand for guest ports on the responder's side: 169.254.0.0 + OpenFlow port. The lower half of the
    /// link-local block, so none of them is the service's own address or its return gateway (169.254.169.x).
    /// </summary>
    public const string PortAddressBlock = "169.254.0.0/17";

    /// <summary>Flows of the metadata service carry this cookie, | the guest's OpenFlow port.</summary>
    public const ulong CookieBase = 0x9_0000_0000;

    /// <summary>The highest OpenFlow port an address of <see cref="PortAddressBlock"/> can stand for.</summary>
    public const int MaxOfPort = 32767;

    private const int RequestPriority = 300;

    /// <summary>The address a guest port's requests reach the responder from.</summary>
    public static string SourceFor(int ofPort) =>
        ofPort is < 1 or > MaxOfPort
            ? throw new ArgumentOutOfRangeException(nameof(ofPort), ofPort, "No address stands for this OpenFlow port")
            : string.Create(CultureInfo.InvariantCulture, $"169.254.{ofPort >> 8}.{ofPort & 0xff}");

    /// <summary>The OpenFlow port a peer address of the responder stands for, or null for any other address.</summary>
    public static int? OfPortFor(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var bytes = address.GetAddressBytes();
        if (bytes.Length != 4 || bytes[0] != 169 || bytes[1] != 254 || bytes[2] >= 128)
        {
            return null;
        }

        var ofPort = (bytes[2] << 8) | bytes[3];
        return ofPort is >= 1 and <= MaxOfPort ? ofPort : null;
    }

    /// <summary>Adds the service's flows for <paramref name="state"/> (nothing without <see cref="NetworkDesiredState.Metadata"/>).</summary>
    /// <param name="add">cookie, table, priority, match, actions.</param>
    public static void Add(NetworkDesiredState state, Action<ulong, int, int, string, string> add)
    {
        if (state.Metadata is not { OfPort: > 0 } service)
        {
            return;
        }

        var enabled = service.InterfaceIds.ToHashSet(StringComparer.Ordinal);
        var relayed = service.Relay is { Port: > 0 and <= 65535 and not 80 } relay ? relay.InterfaceIds.ToHashSet(StringComparer.Ordinal) : [];
        var routers = state.Vpcs.ToDictionary(v => v.VpcId, v => v.RouterMac, StringComparer.Ordinal);
        var of = service.OfPort.ToString(CultureInfo.InvariantCulture);
        foreach (var port in state.Ports.Where(p => p.OfPort is > 0 and <= MaxOfPort && (enabled.Contains(p.InterfaceId) || relayed.Contains(p.InterfaceId)))
            .OrderBy(p => p.OfPort))
        {
            var cookie = CookieBase | (uint)port.OfPort;
            var guest = port.OfPort.ToString(CultureInfo.InvariantCulture);
            var source = SourceFor(port.OfPort);
            var router = routers[port.VpcId];
            var tcpPorts = new List<int>(2);
            if (enabled.Contains(port.InterfaceId))
            {
                tcpPorts.Add(80);
            }

            if (relayed.Contains(port.InterfaceId))
            {
                tcpPorts.Add(service.Relay!.Port);
            }

            foreach (var tcpPort in tcpPorts)
            {
                // reg5 is the port the packet came in on (set by the classify table); this table is reached only from anti-spoofing.
                add(cookie, FlowTable.EgressTrackTable, RequestPriority, $"reg4=1,reg5={guest},tcp,nw_dst={ServiceAddress},tp_dst={tcpPort}",
                    $"set_field:{source}->ip_src,set_field:{ReturnGatewayMac}->eth_src,set_field:{ServiceMac}->eth_dst,output:{of}");
                add(cookie, FlowTable.ClassifyTable, RequestPriority, $"in_port={of},tcp,nw_src={ServiceAddress},tp_src={tcpPort},nw_dst={source}",
                    $"set_field:{port.Ip}->ip_dst,set_field:{router}->eth_src,set_field:{port.Mac.ToLowerInvariant()}->eth_dst,output:{guest}");
            }

            // A guest with a link-local route asks for the service's MAC itself: the VPC router's, as for any routed address.
            add(cookie, FlowTable.ForwardTable, RequestPriority, $"reg4=1,reg5={guest},arp,arp_op=1,arp_tpa={ServiceAddress}",
                "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:" + router + "->eth_src,set_field:2->arp_op," +
                "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],set_field:" + router + "->arp_sha," +
                "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:" + ServiceAddress + "->arp_spa,in_port");
        }
    }
}
