using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Platform.HostAgent.OpenVSwitch.Flows;

/// <summary>
/// The integration bridge's whole OpenFlow table as a pure function of the desired state, in
/// ovs-ofctl's flow syntax (one flow a line, for <c>ovs-ofctl --bundle replace-flows</c>).
/// The same state always gives the same text, so re-applying it after an agent restart changes
/// nothing on the switch and established traffic keeps flowing.
/// </summary>
/// <remarks>
/// The pipeline (registers: reg4 = 1 when the packet came from a local guest, reg5 = its source
/// OpenFlow port, reg6 = the VPC's local VLAN, which is also its conntrack zone, reg7 = the
/// destination guest port):
/// <list type="bullet">
/// <item>table 0, classify: a guest port sets reg4/reg5/reg6; a tunnel port with a known VNI sets reg6.
/// Everything else (unknown ports, unknown VNIs) is dropped.</item>
/// <item>table 10, anti-spoofing: a guest may send ARP only for its own MAC and IP, and IPv4 only from
/// its own MAC and IP. Nothing else (IPv6, other ethertypes, spoofed sources) leaves it.</item>
/// <item>tables 20/21, egress security group: conntrack in the VPC's zone; replies of tracked
/// connections (+est+rpl) and related ICMP errors pass; everything else (new connections and further
/// packets of the initiator) must match an egress rule of the source port, and is committed.</item>
/// <item>table 30, forwarding within the VPC: to a local guest by destination MAC, to a remote guest's
/// server through its tunnel with the VPC's VNI, broadcast to the VPC's local guests and remote servers
/// (never from a tunnel back into tunnels). A frame never leaves its VPC: every match includes reg6.
/// The VPC's router (see <see cref="VpcIsolation.Subnets"/>) answers ARP for the gateways and routes between subnets here.</item>
/// <item>tables 40/41, ingress security group of the destination port, the same way; ARP passes.</item>
/// </list>
/// Rules are re-checked for every packet from the initiator, so removing a rule stops its
/// connections at once; replies are never checked, which is what makes the groups stateful.
/// Overlapping CIDRs in different VPCs never meet: forwarding matches the VPC and conntrack zones differ.
/// </remarks>
public static class FlowTable
{
    public const int ClassifyTable = 0;
    public const int AntiSpoofTable = 10;
    public const int EgressTrackTable = 20;
    public const int EgressRulesTable = 21;
    public const int ForwardTable = 30;
    public const int IngressTrackTable = 40;
    public const int IngressRulesTable = 41;

    /// <summary>Cookies name each flow's owner: the pipeline itself, a VPC (| local VLAN) or a guest port (| OpenFlow port).</summary>
    public const ulong PipelineCookie = 0x1_0000_0000;
    public const ulong VpcCookieBase = 0x2_0000_0000;
    public const ulong PortCookieBase = 0x3_0000_0000;

    private const string Zone = "zone=NXM_NX_REG6[0..15]";
    private const string Multicast = "01:00:00:00:00:00/01:00:00:00:00:00";

    public static ulong VpcCookie(int localVlan) => VpcCookieBase | (uint)localVlan;

    public static ulong PortCookie(int ofPort) => PortCookieBase | (uint)ofPort;

    /// <summary>The flow table for <paramref name="state"/>; throws <see cref="ArgumentException"/> for an inconsistent state.</summary>
    public static string Build(NetworkDesiredState state)
    {
        Validate(state);
        var flows = new List<string>();
        void Add(ulong cookie, int table, int priority, string match, string actions) =>
            flows.Add(string.Create(CultureInfo.InvariantCulture,
                $"cookie=0x{cookie:x},table={table},priority={priority}{(match.Length > 0 ? "," + match : "")},actions={actions}"));

        // The pipeline's skeleton: default drops and the conntrack verdicts shared by all ports.
        foreach (var table in new[] { ClassifyTable, AntiSpoofTable, EgressTrackTable, EgressRulesTable, ForwardTable, IngressTrackTable, IngressRulesTable })
        {
            Add(PipelineCookie, table, 0, "", "drop");
        }

        Add(PipelineCookie, EgressTrackTable, 100, "ip", $"ct(table={EgressRulesTable},{Zone})");
        Add(PipelineCookie, EgressRulesTable, 200, "ct_state=+inv+trk", "drop");
        Add(PipelineCookie, EgressRulesTable, 190, "ct_state=+est+rpl+trk", $"resubmit(,{ForwardTable})");
        Add(PipelineCookie, EgressRulesTable, 180, "ct_state=+rel+trk", $"resubmit(,{ForwardTable})");
        Add(PipelineCookie, IngressTrackTable, 100, "ip", $"ct(table={IngressRulesTable},{Zone})");
        Add(PipelineCookie, IngressTrackTable, 90, "arp", "output:NXM_NX_REG7[0..15]");
        Add(PipelineCookie, IngressRulesTable, 200, "ct_state=+inv+trk", "drop");
        Add(PipelineCookie, IngressRulesTable, 190, "ct_state=+est+rpl+trk", "output:NXM_NX_REG7[0..15]");
        Add(PipelineCookie, IngressRulesTable, 180, "ct_state=+rel+trk", "output:NXM_NX_REG7[0..15]");

        var vpcs = state.Vpcs.ToDictionary(v => v.VpcId, StringComparer.Ordinal);
        foreach (var port in state.Ports.Where(p => p.OfPort > 0).OrderBy(p => p.OfPort))
        {
            var vpc = vpcs[port.VpcId];
            var cookie = PortCookie(port.OfPort);
            var mac = port.Mac.ToLowerInvariant();
            var of = port.OfPort.ToString(CultureInfo.InvariantCulture);
            Add(cookie, ClassifyTable, 100, $"in_port={of}",
                $"load:{of}->NXM_NX_REG5[],load:{vpc.LocalVlan}->NXM_NX_REG6[],load:1->NXM_NX_REG4[],resubmit(,{AntiSpoofTable})");
            Add(cookie, AntiSpoofTable, 100, $"reg5={of},dl_src={mac},arp,arp_spa={port.Ip},arp_sha={mac}", $"resubmit(,{ForwardTable})");
            // An ARP probe (RFC 5227) comes from 0.0.0.0 before the address is in use.
            Add(cookie, AntiSpoofTable, 100, $"reg5={of},dl_src={mac},arp,arp_spa=0.0.0.0,arp_sha={mac}", $"resubmit(,{ForwardTable})");
            Add(cookie, AntiSpoofTable, 100, $"reg5={of},dl_src={mac},ip,nw_src={port.Ip}", $"resubmit(,{EgressTrackTable})");
            foreach (var virtualIp in port.VirtualIps.Order(StringComparer.Ordinal))
            {
                // An internal load balancer pair's address, which the node may hold (keepalived's MASTER answers ARP for it).
                Add(cookie, AntiSpoofTable, 100, $"reg5={of},dl_src={mac},arp,arp_spa={virtualIp},arp_sha={mac}", $"resubmit(,{ForwardTable})");
                Add(cookie, AntiSpoofTable, 100, $"reg5={of},dl_src={mac},ip,nw_src={virtualIp}", $"resubmit(,{EgressTrackTable})");
            }

            foreach (var match in RuleMatches(port.Egress, "nw_dst"))
            {
                Add(cookie, EgressRulesTable, 100, $"ct_state=+trk,reg5={of},{match}", $"ct(commit,{Zone}),resubmit(,{ForwardTable})");
            }

            Add(cookie, ForwardTable, 100, $"reg6={vpc.LocalVlan},dl_dst={mac}", $"load:{of}->NXM_NX_REG7[],resubmit(,{IngressTrackTable})");
            foreach (var match in RuleMatches(port.Ingress, "nw_src"))
            {
                Add(cookie, IngressRulesTable, 100, $"ct_state=+trk,reg7={of},{match}", $"ct(commit,{Zone}),output:{of}");
            }
        }

        foreach (var vpc in state.Vpcs.OrderBy(v => v.LocalVlan))
        {
            var cookie = VpcCookie(vpc.LocalVlan);
            var tunnels = vpc.RemoteHosts.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
                .Where(state.TunnelPorts.ContainsKey)
                .Select(h => (Host: h, OfPort: state.TunnelPorts[h]))
                .ToList();
            foreach (var (_, tunnel) in tunnels)
            {
                Add(cookie, ClassifyTable, 100, $"in_port={tunnel},tun_id={vpc.Vni}", $"load:{vpc.LocalVlan}->NXM_NX_REG6[],resubmit(,{ForwardTable})");
            }

            var toTunnels = string.Concat(tunnels.Select(t => $",output:{t.OfPort}"));
            foreach (var remote in vpc.RemotePorts.OrderBy(r => r.Mac, StringComparer.Ordinal))
            {
                if (state.TunnelPorts.TryGetValue(remote.HostTunnelIp, out var tunnel))
                {
                    Add(cookie, ForwardTable, 100, $"reg4=1,reg6={vpc.LocalVlan},dl_dst={remote.Mac.ToLowerInvariant()}",
                        $"set_field:{vpc.Vni}->tun_id,output:{tunnel}");
                }
            }

            // Broadcast (ARP requests) to every local guest of the VPC (OpenFlow never sends a packet
            // back out of its in_port) and, from local guests only, to every remote server of the VPC.
            var locals = state.Ports.Where(p => p.OfPort > 0 && p.VpcId == vpc.VpcId).OrderBy(p => p.OfPort)
                .Select(p => $"load:{p.OfPort}->NXM_NX_REG7[],resubmit(,{IngressTrackTable})").ToList();
            var toLocals = string.Join(",", locals);
            var fromLocal = string.Join(",", locals.Concat(tunnels.Count > 0 ? [$"set_field:{vpc.Vni}->tun_id{toTunnels}"] : []));
            if (fromLocal.Length > 0)
            {
                Add(cookie, ForwardTable, 50, $"reg4=1,reg6={vpc.LocalVlan},dl_dst={Multicast}", fromLocal);
            }

            if (toLocals.Length > 0 && tunnels.Count > 0)
            {
                Add(cookie, ForwardTable, 50, $"reg4=0,reg6={vpc.LocalVlan},dl_dst={Multicast}", toLocals);
            }

            if (tunnels.Count > 0)
            {
                Add(cookie, ForwardTable, 10, $"reg4=1,reg6={vpc.LocalVlan}", $"set_field:{vpc.Vni}->tun_id{toTunnels}");
            }

            AddRouter(vpc, state, tunnels.ToDictionary(t => t.Host, t => t.OfPort, StringComparer.Ordinal), (table, priority, match, actions) => Add(cookie, table, priority, match, actions));
        }

        // Issue 11's network edge (routes, elastic IPs, NAT gateways, the uplink): see EdgeFlows.
        EdgeFlows.Add(state, Add);
        MetadataFlows.Add(state, Add);

        var text = new StringBuilder();
        foreach (var flow in flows.Distinct(StringComparer.Ordinal))
        {
            text.Append(flow).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// The VPC's distributed router: every server answers ARP for the subnets' gateways with the router
    /// MAC itself, and routes what guests send to that MAC straight to the destination guest (rewriting
    /// the MACs and decrementing the TTL): locally, or through the tunnel to the guest's server, which
    /// then only switches it. Packets to the router for an unknown address are dropped.
    /// </summary>
    private static void AddRouter(VpcIsolation vpc, NetworkDesiredState state, Dictionary<string, int> tunnels, Action<int, int, string, string> add)
    {
        if (vpc.Subnets.Count == 0)
        {
            return;
        }

        var router = vpc.RouterMac;
        var vlan = vpc.LocalVlan;
        foreach (var gateway in vpc.Subnets.Select(s => s.GatewayIp).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            // The request turned into its reply in place and sent back where it came from.
            add(ForwardTable, 200, $"reg4=1,reg6={vlan},arp,arp_op=1,arp_tpa={gateway}",
                "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:" + router + "->eth_src,set_field:2->arp_op," +
                "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],set_field:" + router + "->arp_sha," +
                "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:" + gateway + "->arp_spa,in_port");
        }

        add(ForwardTable, 140, $"reg6={vlan},dl_dst={router}", "drop");
        var ports = state.Ports.Where(p => p.OfPort > 0 && p.VpcId == vpc.VpcId).OrderBy(p => p.OfPort).ToList();
        var virtualIps = ports.SelectMany(p => p.VirtualIps).ToHashSet(StringComparer.Ordinal);
        foreach (var port in ports)
        {
            add(ForwardTable, 150, $"reg6={vlan},ip,dl_dst={router},nw_dst={port.Ip}",
                $"set_field:{router}->eth_src,set_field:{port.Mac.ToLowerInvariant()}->eth_dst,dec_ttl,load:{port.OfPort}->NXM_NX_REG7[],resubmit(,{IngressTrackTable})");
        }

        var remotes = vpc.RemotePorts.Where(r => r.Ip is not null && tunnels.ContainsKey(r.HostTunnelIp)).GroupBy(r => r.Ip!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.HostTunnelIp, StringComparer.Ordinal).ThenBy(r => r.Mac, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        foreach (var (ip, at) in remotes.OrderBy(r => r.Key, StringComparer.Ordinal).Where(r => r.Value.Count == 1 && !virtualIps.Contains(r.Key)))
        {
            add(ForwardTable, 150, $"reg4=1,reg6={vlan},ip,dl_dst={router},nw_dst={ip}",
                $"set_field:{router}->eth_src,set_field:{at[0].Mac.ToLowerInvariant()}->eth_dst,dec_ttl,set_field:{vpc.Vni}->tun_id,output:{tunnels[at[0].HostTunnelIp]}");
        }

        // An internal load balancer pair's virtual address: routed to each node that may hold it (here and through the tunnels,
        // each with its own MAC); only keepalived's MASTER has the address, the other node's namespace drops the copy.
        foreach (var ip in virtualIps.Concat(remotes.Where(r => r.Value.Count > 1).Select(r => r.Key)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var actions = new StringBuilder($"set_field:{router}->eth_src,dec_ttl");
            foreach (var remote in remotes.GetValueOrDefault(ip) ?? [])
            {
                actions.Append(CultureInfo.InvariantCulture, $",set_field:{remote.Mac.ToLowerInvariant()}->eth_dst,set_field:{vpc.Vni}->tun_id,output:{tunnels[remote.HostTunnelIp]}");
            }

            foreach (var port in ports.Where(p => p.VirtualIps.Contains(ip, StringComparer.Ordinal)))
            {
                actions.Append(CultureInfo.InvariantCulture, $",set_field:{port.Mac.ToLowerInvariant()}->eth_dst,load:{port.OfPort}->NXM_NX_REG7[],resubmit(,{IngressTrackTable})");
            }

            add(ForwardTable, 150, $"reg4=1,reg6={vlan},ip,dl_dst={router},nw_dst={ip}", actions.ToString());
        }
    }

    /// <summary>The match fields for a list of rules (CIDR × protocol × port-range pieces), without duplicates.</summary>
    internal static IEnumerable<string> RuleMatches(IEnumerable<SecurityRule> rules, string addressField)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            foreach (var cidr in rule.Cidrs)
            {
                var address = NormalizeCidr(cidr) is "0.0.0.0/0" ? "" : $",{addressField}={NormalizeCidr(cidr)}";
                foreach (var protocolMatch in ProtocolMatches(rule))
                {
                    var match = protocolMatch + address;
                    if (seen.Add(match))
                    {
                        yield return match;
                    }
                }
            }
        }
    }

    private static IEnumerable<string> ProtocolMatches(SecurityRule rule)
    {
        switch (rule.Protocol)
        {
            case RuleProtocol.All:
                yield return "ip";
                break;
            case RuleProtocol.Vrrp:
                yield return "ip,nw_proto=112";
                break;
            case RuleProtocol.Icmp:
                var icmp = "icmp";
                if (rule.FromPort >= 0)
                {
                    icmp += $",icmp_type={rule.FromPort}";
                    if (rule.ToPort >= 0)
                    {
                        icmp += $",icmp_code={rule.ToPort}";
                    }
                }

                yield return icmp;
                break;
            default:
                var protocol = rule.Protocol == RuleProtocol.Tcp ? "tcp" : "udp";
                var from = rule.FromPort < 0 ? 0 : rule.FromPort;
                var to = rule.ToPort < 0 ? 65535 : rule.ToPort;
                foreach (var (value, mask) in PortRangeMasks(from, to))
                {
                    yield return mask == 0 ? protocol
                        : mask == 0xffff ? $"{protocol},tp_dst={value}"
                        : $"{protocol},tp_dst=0x{value:x}/0x{mask:x}";
                }

                break;
        }
    }

    /// <summary>
    /// Splits an inclusive port range into value/mask pairs whose union is exactly the range (the
    /// usual prefix decomposition: at most 2 × 16 pieces); mask 0 means every port.
    /// </summary>
    internal static IEnumerable<(int Value, int Mask)> PortRangeMasks(int from, int to)
    {
        if (from < 0 || to > 65535 || from > to)
        {
            throw new ArgumentException($"Invalid port range {from}-{to}");
        }

        var start = from;
        while (start <= to)
        {
            // The largest aligned block starting at start that stays within the range.
            var size = 1;
            while (size < 65536 && start % (size * 2) == 0 && start + (size * 2) - 1 <= to)
            {
                size *= 2;
            }

            yield return (start, 0xffff & ~(size - 1));
            start += size;
        }
    }

    internal static string NormalizeCidr(string cidr)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? cidr : cidr[..slash];
        var prefix = slash < 0 ? 32 : int.Parse(cidr[(slash + 1)..], CultureInfo.InvariantCulture);
        if (!IPAddress.TryParse(addressText, out var address) || address.AddressFamily != AddressFamily.InterNetwork || prefix is < 0 or > 32)
        {
            throw new ArgumentException($"Not an IPv4 CIDR: {cidr}");
        }

        var bits = (uint)IPAddress.NetworkToHostOrder(BitConverter.ToInt32(address.GetAddressBytes()));
        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        var network = new IPAddress(BitConverter.GetBytes(IPAddress.HostToNetworkOrder((int)(bits & mask))));
        return prefix == 32 ? network.ToString() : $"{network}/{prefix}";
    }

    private static void Validate(NetworkDesiredState state)
    {
        EdgeFlows.Validate(state);
        var vlans = new HashSet<int>();
        foreach (var vpc in state.Vpcs)
        {
            if (vpc.LocalVlan is < 1 or > 4094 || !vlans.Add(vpc.LocalVlan))
            {
                throw new ArgumentException($"VPC {vpc.VpcId}: local VLAN {vpc.LocalVlan} is out of range or used twice");
            }

            if (vpc.Vni is < 1 or > 0xffffff)
            {
                throw new ArgumentException($"VPC {vpc.VpcId}: VNI {vpc.Vni} is out of range");
            }
        }

        var vpcIds = state.Vpcs.Select(v => v.VpcId).ToHashSet(StringComparer.Ordinal);
        foreach (var port in state.Ports)
        {
            if (!vpcIds.Contains(port.VpcId))
            {
                throw new ArgumentException($"Port {port.InterfaceId} is in VPC {port.VpcId}, which the state does not list");
            }

            if (!System.Net.NetworkInformation.PhysicalAddress.TryParse(port.Mac, out _) || port.Mac.Length != 17)
            {
                throw new ArgumentException($"Port {port.InterfaceId}: bad MAC {port.Mac}");
            }

            if (NormalizeCidr(port.Ip) != port.Ip)
            {
                throw new ArgumentException($"Port {port.InterfaceId}: bad IPv4 address {port.Ip}");
            }
        }

        if (state.Ports.Where(p => p.OfPort > 0).GroupBy(p => p.OfPort).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"OpenFlow port {twice.Key} is given to more than one interface");
        }
    }
}
