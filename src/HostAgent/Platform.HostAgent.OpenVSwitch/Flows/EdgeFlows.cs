using System.Globalization;
using System.Net;

namespace Platform.HostAgent.OpenVSwitch.Flows;

/// <summary>
/// The network edge's part of <see cref="FlowTable"/>: the subnets' route tables, elastic IPs (1:1 NAT on the server
/// that hosts the interface) and NAT gateways (source NAT with connection tracking on the server that carries them),
/// all on the integration bridge, with the uplink as one more classified port. No single box stands in an elastic IP's
/// path, as with Neutron DVR's floating IPs or OVN's distributed NAT.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Routing (table 30 → <see cref="RouteTable"/>): what a local guest sends to the VPC router for an address in the
/// VPC's CIDR stays in the VPC (delivered, or dropped when nobody has it); anything else goes through the routes of the
/// sender's subnet, the longest prefix first. Intra-VPC traffic therefore never reaches the uplink.</item>
/// <item>Elastic IP in (<see cref="UplinkTable"/>): ARP for it is answered on the uplink with a MAC derived from the
/// address (<see cref="PublicMac"/>), so it stays valid when the address moves between servers; an IPv4 packet to it
/// has its destination set to the private address (stateless, so a move takes effect with the next packet) and then
/// goes through the destination port's ingress security group like any packet.</item>
/// <item>Elastic IP out (<see cref="PublicEgressTable"/>): what a guest sends through an internet-gateway route leaves
/// with its elastic IP as source, to the provider gateway's MAC; a guest without an elastic IP gets nothing out.
/// Replies to connections from outside go the same way, so they need the route as on AWS.</item>
/// <item>NAT gateway (<see cref="NatOutTable"/>, <see cref="NatOutSendTable"/>, <see cref="NatInTable"/>): what reaches
/// its MAC is committed with <c>ct(nat(src=elastic IP))</c> in the zone <see cref="NatZone"/> of its VPC; replies on the
/// uplink are un-NATed in that zone and routed back into the VPC by the VPC router (locally or through the tunnel).
/// Connections nobody opened from inside are dropped.</item>
/// <item>The gateway's MAC, unless configured, is learnt by a <c>learn()</c> flow from the gateway's ARP packets into
/// <see cref="GatewayLearnTable"/>, where the agent reads it (the table is replaced with the rest; the agent records
/// what it read).</item>
/// </list>
/// </remarks>
public static class EdgeFlows
{
    public const int RouteTable = 35;
    public const int UplinkTable = 70;
    public const int PublicEgressTable = 71;
    public const int NatOutTable = 72;
    public const int NatOutSendTable = 73;
    public const int NatInTable = 74;
    public const int GatewayLearnTable = 79;

    /// <summary>The edge's shared flows; each public address's flows have <see cref="PublicIpCookie"/>.</summary>
    public const ulong EdgeCookie = 0x4_0000_0000;
    public const ulong PublicIpCookieBase = 0x5_0000_0000;

    /// <summary>NAT gateways' conntrack zones: <see cref="NatZoneBase"/> + the VPC's local VLAN, apart from the VPCs' own zones (1..4094).</summary>
    public const int NatZoneBase = 4096;

    public static int NatZone(int localVlan) => NatZoneBase + localVlan;

    public static ulong PublicIpCookie(string ip) => PublicIpCookieBase | Address(ip);

    /// <summary>The uplink MAC of a public address: 02:ef and its four bytes, the same on whichever server holds it.</summary>
    public static string PublicMac(string ip)
    {
        var b = IPAddress.Parse(ip).GetAddressBytes();
        return string.Create(CultureInfo.InvariantCulture, $"02:ef:{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}");
    }

    /// <summary>Every public address this state puts on the uplink (elastic IPs of running ports, NAT gateways'), sorted.</summary>
    public static IReadOnlyList<string> PublicAddresses(NetworkDesiredState state) =>
        [.. state.Ports.Where(p => p.OfPort > 0 && p.PublicIp is not null).Select(p => p.PublicIp!)
            .Concat(state.NatGateways.Select(n => n.PublicIp)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    internal static void Add(NetworkDesiredState state, Action<ulong, int, int, string, string> add)
    {
        var uplink = state.Uplink is { OfPort: > 0 } u ? u : null;
        var gatewayMac = uplink?.GatewayMac?.ToLowerInvariant();
        var vpcs = state.Vpcs.ToDictionary(v => v.VpcId, StringComparer.Ordinal);
        var routed = state.Vpcs.Any(v => v.CidrBlock is not null && v.Subnets.Count > 0);
        if (uplink is null && !routed && state.NatGateways.Count == 0)
        {
            return;
        }

        foreach (var table in new[] { RouteTable, UplinkTable, PublicEgressTable, NatOutTable, NatOutSendTable, NatInTable })
        {
            add(EdgeCookie, table, 0, "", "drop");
        }

        if (uplink is not null)
        {
            var of = uplink.OfPort.ToString(CultureInfo.InvariantCulture);
            add(EdgeCookie, FlowTable.ClassifyTable, 100, $"in_port={of}", $"resubmit(,{UplinkTable})");
            if (uplink.GatewayIp is { } gatewayIp)
            {
                // The gateway's ARP packets (answers to the agent's request, its own requests, gratuitous ones) teach its MAC.
                add(EdgeCookie, FlowTable.ClassifyTable, 110, $"in_port={of},arp,arp_spa={gatewayIp}",
                    $"learn(table={GatewayLearnTable},priority=100,cookie=0x{EdgeCookie:x},eth_type=0x806,NXM_OF_ARP_SPA[],load:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[])," +
                    $"resubmit(,{UplinkTable})");
            }

            foreach (var address in PublicAddresses(state))
            {
                var mac = PublicMac(address);
                add(PublicIpCookie(address), UplinkTable, 200, $"arp,arp_op=1,arp_tpa={address}",
                    "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:" + mac + "->eth_src,set_field:2->arp_op," +
                    "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],set_field:" + mac + "->arp_sha," +
                    "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:" + address + "->arp_spa,in_port");
            }
        }

        foreach (var vpc in state.Vpcs.OrderBy(v => v.LocalVlan))
        {
            AddRoutes(vpc, state, uplink is not null, (table, priority, match, actions) => add(FlowTable.VpcCookie(vpc.LocalVlan), table, priority, match, actions));
        }

        foreach (var port in state.Ports.Where(p => p.OfPort > 0 && p.PublicIp is not null).OrderBy(p => p.OfPort))
        {
            var vpc = vpcs[port.VpcId];
            var address = port.PublicIp!;
            var cookie = PublicIpCookie(address);
            var mac = port.Mac.ToLowerInvariant();
            var of = port.OfPort.ToString(CultureInfo.InvariantCulture);
            if (uplink is null)
            {
                continue;
            }

            add(cookie, UplinkTable, 100, $"ip,dl_dst={PublicMac(address)},nw_dst={address}",
                $"set_field:{port.Ip}->ip_dst,load:{vpc.LocalVlan}->NXM_NX_REG6[],set_field:{vpc.RouterMac}->eth_src,set_field:{mac}->eth_dst,dec_ttl," +
                $"load:{of}->NXM_NX_REG7[],resubmit(,{FlowTable.IngressTrackTable})");
            if (gatewayMac is not null)
            {
                add(cookie, PublicEgressTable, 100, $"reg5={of},ip,nw_src={port.Ip}",
                    $"set_field:{address}->ip_src,set_field:{PublicMac(address)}->eth_src,set_field:{gatewayMac}->eth_dst,dec_ttl,output:{uplink.OfPort}");
            }
        }

        foreach (var nat in state.NatGateways.OrderBy(n => n.PublicIp, StringComparer.Ordinal))
        {
            var vpc = vpcs[nat.VpcId];
            var cookie = PublicIpCookie(nat.PublicIp);
            var mac = nat.Mac.ToLowerInvariant();
            var vlan = vpc.LocalVlan;
            var zone = NatZone(vlan);
            add(cookie, FlowTable.ForwardTable, 200, $"reg6={vlan},arp,arp_op=1,arp_tpa={nat.PrivateIp}",
                "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:" + mac + "->eth_src,set_field:2->arp_op," +
                "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],set_field:" + mac + "->arp_sha," +
                "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:" + nat.PrivateIp + "->arp_spa,in_port");
            // Whatever reaches the gateway's MAC, from a guest here (routed below) or through a tunnel from another server.
            add(cookie, FlowTable.ForwardTable, 160, $"reg6={vlan},ip,dl_dst={mac}", $"resubmit(,{NatOutTable})");
            if (vpc.CidrBlock is { } cidr)
            {
                add(cookie, NatOutTable, 110, $"reg6={vlan},ip,dl_dst={mac},nw_dst={FlowTable.NormalizeCidr(cidr)}", "drop");
            }

            if (uplink is null)
            {
                continue;
            }

            add(cookie, NatOutTable, 100, $"reg6={vlan},ip,dl_dst={mac}", $"ct(commit,zone={zone},nat(src={nat.PublicIp}),table={NatOutSendTable})");
            if (gatewayMac is not null)
            {
                add(cookie, NatOutSendTable, 100, $"ip,nw_src={nat.PublicIp}",
                    $"set_field:{PublicMac(nat.PublicIp)}->eth_src,set_field:{gatewayMac}->eth_dst,dec_ttl,output:{uplink.OfPort}");
            }

            add(cookie, UplinkTable, 100, $"ip,dl_dst={PublicMac(nat.PublicIp)},nw_dst={nat.PublicIp}",
                $"load:{vlan}->NXM_NX_REG6[],ct(zone={zone},nat,table={NatInTable})");
            // Un-NATed: to the guest through the VPC router, as if routed by this server (reg4=1 lets it into a tunnel).
            foreach (var state_ in new[] { "+est+rpl+trk", "+rel+trk" })
            {
                add(cookie, NatInTable, 100, $"ct_state={state_},ip,reg6={vlan}",
                    $"set_field:{vpc.RouterMac}->eth_dst,load:1->NXM_NX_REG4[],resubmit(,{FlowTable.ForwardTable})");
            }
        }
    }

    /// <summary>The local route first, then the sender's subnet's routes by longest prefix (<see cref="RouteTable"/>).</summary>
    private static void AddRoutes(VpcIsolation vpc, NetworkDesiredState state, bool hasUplink, Action<int, int, string, string> add)
    {
        if (vpc.CidrBlock is not { } cidr || vpc.Subnets.Count == 0)
        {
            return;
        }

        var vlan = vpc.LocalVlan;
        var router = vpc.RouterMac;
        add(FlowTable.ForwardTable, 146, $"reg4=1,reg6={vlan},ip,dl_dst={router},nw_dst={FlowTable.NormalizeCidr(cidr)}", "drop");
        add(FlowTable.ForwardTable, 145, $"reg4=1,reg6={vlan},ip,dl_dst={router}", $"resubmit(,{RouteTable})");
        foreach (var subnet in vpc.Subnets.OrderBy(s => s.Cidr, StringComparer.Ordinal))
        {
            var source = FlowTable.NormalizeCidr(subnet.Cidr);
            foreach (var route in subnet.Routes.OrderBy(r => r.DestinationCidr, StringComparer.Ordinal))
            {
                var destination = FlowTable.NormalizeCidr(route.DestinationCidr);
                var prefix = destination.Contains('/', StringComparison.Ordinal) ? int.Parse(destination[(destination.IndexOf('/', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture) : 32;
                var match = $"reg6={vlan},ip,nw_src={source}" + (prefix == 0 ? "" : $",nw_dst={destination}");
                add(RouteTable, 1000 + prefix, match, RouteActions(vpc, state, route, hasUplink));
            }
        }
    }

    private static string RouteActions(VpcIsolation vpc, NetworkDesiredState state, SubnetRoute route, bool hasUplink)
    {
        var router = vpc.RouterMac;
        switch (route.Kind)
        {
            case RouteKind.InternetGateway:
                return hasUplink ? $"resubmit(,{PublicEgressTable})" : "drop";
            case RouteKind.NatGateway or RouteKind.NetworkInterface when route.NextHopMac is { } nextHop:
                var mac = nextHop.ToLowerInvariant();
                if (state.NatGateways.FirstOrDefault(n => n.VpcId == vpc.VpcId && string.Equals(n.Mac, mac, StringComparison.OrdinalIgnoreCase)) is not null)
                {
                    return $"set_field:{router}->eth_src,set_field:{mac}->eth_dst,resubmit(,{NatOutTable})";
                }

                if (state.Ports.FirstOrDefault(p => p.OfPort > 0 && p.VpcId == vpc.VpcId && string.Equals(p.Mac, mac, StringComparison.OrdinalIgnoreCase)) is { } local)
                {
                    return $"set_field:{router}->eth_src,set_field:{mac}->eth_dst,dec_ttl,load:{local.OfPort}->NXM_NX_REG7[],resubmit(,{FlowTable.IngressTrackTable})";
                }

                if (vpc.RemotePorts.FirstOrDefault(r => string.Equals(r.Mac, mac, StringComparison.OrdinalIgnoreCase)) is { } remote
                    && state.TunnelPorts.TryGetValue(remote.HostTunnelIp, out var tunnel))
                {
                    return $"set_field:{router}->eth_src,set_field:{mac}->eth_dst,dec_ttl,set_field:{vpc.Vni}->tun_id,output:{tunnel}";
                }

                return "drop";
            default:
                return "drop";
        }
    }

    /// <summary>The learnt gateway MACs in a dump of <see cref="GatewayLearnTable"/>, by gateway IP.</summary>
    public static IReadOnlyDictionary<string, string> ParseLearnedGateways(string dump)
    {
        var learned = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in dump.Split('\n'))
        {
            var spa = line.IndexOf("arp_spa=", StringComparison.Ordinal);
            var load = line.IndexOf("load:0x", StringComparison.Ordinal);
            var end = line.IndexOf("->NXM_OF_ETH_DST[]", StringComparison.Ordinal);
            if (spa < 0 || load < 0 || end < load)
            {
                continue;
            }

            var ipEnd = line.IndexOfAny([' ', ','], spa);
            var ip = line[(spa + "arp_spa=".Length)..(ipEnd < 0 ? line.Length : ipEnd)];
            if (!ulong.TryParse(line[(load + "load:0x".Length)..end], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            var hex = value.ToString("x12", CultureInfo.InvariantCulture);
            learned[ip] = string.Join(':', Enumerable.Range(0, 6).Select(i => hex.Substring(i * 2, 2)));
        }

        return learned;
    }

    internal static void Validate(NetworkDesiredState state)
    {
        var vpcIds = state.Vpcs.Select(v => v.VpcId).ToHashSet(StringComparer.Ordinal);
        foreach (var port in state.Ports.Where(p => p.PublicIp is not null))
        {
            if (FlowTable.NormalizeCidr(port.PublicIp!) != port.PublicIp)
            {
                throw new ArgumentException($"Port {port.InterfaceId}: bad public IPv4 address {port.PublicIp}");
            }
        }

        foreach (var nat in state.NatGateways)
        {
            if (!vpcIds.Contains(nat.VpcId))
            {
                throw new ArgumentException($"NAT gateway {nat.NatGatewayId} is in VPC {nat.VpcId}, which the state does not list");
            }

            if (FlowTable.NormalizeCidr(nat.PublicIp) != nat.PublicIp || FlowTable.NormalizeCidr(nat.PrivateIp) != nat.PrivateIp || !IsMac(nat.Mac))
            {
                throw new ArgumentException($"NAT gateway {nat.NatGatewayId}: bad address or MAC");
            }
        }

        var twice = state.Ports.Where(p => p.OfPort > 0 && p.PublicIp is not null).Select(p => p.PublicIp!).Concat(state.NatGateways.Select(n => n.PublicIp))
            .GroupBy(a => a, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
        {
            throw new ArgumentException($"Public address {twice.Key} is given more than once");
        }

        if (state.Uplink is { } uplink)
        {
            if (uplink.GatewayIp is not null && FlowTable.NormalizeCidr(uplink.GatewayIp) != uplink.GatewayIp)
            {
                throw new ArgumentException($"Uplink: bad gateway address {uplink.GatewayIp}");
            }

            if (uplink.GatewayMac is not null && !IsMac(uplink.GatewayMac))
            {
                throw new ArgumentException($"Uplink: bad gateway MAC {uplink.GatewayMac}");
            }
        }

        foreach (var vpc in state.Vpcs)
        {
            if (vpc.CidrBlock is not null)
            {
                FlowTable.NormalizeCidr(vpc.CidrBlock);
            }

            foreach (var route in vpc.Subnets.SelectMany(s => s.Routes))
            {
                FlowTable.NormalizeCidr(route.DestinationCidr);
                if (route.NextHopMac is not null && !IsMac(route.NextHopMac))
                {
                    throw new ArgumentException($"VPC {vpc.VpcId}: route {route.DestinationCidr} has a bad next-hop MAC {route.NextHopMac}");
                }
            }
        }
    }

    private static bool IsMac(string mac) => mac.Length == 17 && System.Net.NetworkInformation.PhysicalAddress.TryParse(mac, out _);

    private static uint Address(string ip)
    {
        var b = IPAddress.Parse(ip).GetAddressBytes();
        return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }
}
