using System.Globalization;
using Platform.HostAgent.OpenVSwitch.Flows;

namespace Platform.HostAgent.OpenVSwitch.Tests;

/// <summary>
/// The network edge on two servers (each its own Open vSwitch in its own namespace, as in <see cref="TwoServerTests"/>),
/// both with an uplink into one outside namespace whose Linux bridge stands for the provider network's switch and
/// router (198.51.100.1): an elastic IP of a guest on the second server, a NAT gateway on the second server used by a
/// guest on the first through the tunnel, and an elastic IP moved from one server to the other.
/// </summary>
[Collection(OpenVSwitchCollection.Name)]
public sealed class EdgeTwoServerTests(ITestOutputHelper output)
{
    private const string Server1Ip = "172.31.0.1";
    private const string Server2Ip = "172.31.0.2";
    private const string GatewayIp = "198.51.100.1";

    [OvsFact]
    public async Task Given_two_servers_Then_an_elastic_ip_and_a_nat_gateway_work_where_they_are_and_an_elastic_ip_moves_between_servers_at_once()
    {
        var sfx = Shell.NewSuffix();
        var outside = "out2-" + sfx;
        await using var server1 = await NamespacedSwitch.StartAsync("esrv1-" + sfx);
        await using var server2 = await NamespacedSwitch.StartAsync("esrv2-" + sfx);
        var guests = new List<TestGuest>();
        try
        {
            await Shell.CheckAsync("ip", "link", "add", "u1" + sfx, "type", "veth", "peer", "name", "u2" + sfx);
            await Shell.CheckAsync("ip", "link", "set", "u1" + sfx, "netns", server1.Namespace);
            await Shell.CheckAsync("ip", "link", "set", "u2" + sfx, "netns", server2.Namespace);
            await server1.AddUnderlayAsync("u1" + sfx, Server1Ip);
            await server2.AddUnderlayAsync("u2" + sfx, Server2Ip);

            // The provider network: a bridge in the outside namespace with the router's address, one veth to each server's uplink.
            await Shell.CheckAsync("ip", "netns", "add", outside);
            await Shell.CheckAsync("ip", "-n", outside, "link", "add", "brx", "type", "bridge");
            await Shell.CheckAsync("ip", "-n", outside, "addr", "add", GatewayIp + "/24", "dev", "brx");
            await Shell.CheckAsync("ip", "-n", outside, "link", "set", "brx", "up");
            await Shell.CheckAsync("ip", "-n", outside, "link", "set", "lo", "up");
            foreach (var (server, n) in new[] { (server1, 1), (server2, 2) })
            {
                await Shell.CheckAsync("ip", "-n", outside, "link", "add", $"x{n}", "type", "veth", "peer", "name", "upl", "netns", server.Namespace);
                await Shell.CheckAsync("ip", "-n", outside, "link", "set", $"x{n}", "master", "brx");
                await Shell.CheckAsync("ip", "-n", outside, "link", "set", $"x{n}", "up");
                await Shell.CheckAsync("ip", "netns", "exec", outside, "ethtool", "-K", $"x{n}", "tx", "off");
                await Shell.CheckAsync("ip", "-n", server.Namespace, "link", "set", "upl", "up");
                await server.Database.EnsureBridgeAsync(new BridgeSpec("br-int"));
            }

            var g1 = await TestGuest.AddAsync(server1.Database, "br-int", "p1" + sfx, "02:00:0a:00:02:05", "10.0.2.5", server1.Namespace, 24, "10.0.2.1");
            guests.Add(g1);
            var g3 = await TestGuest.AddAsync(server1.Database, "br-int", "p3" + sfx, "02:00:0a:00:01:07", "10.0.1.7", server1.Namespace, 24, "10.0.1.1");
            guests.Add(g3);
            var g2 = await TestGuest.AddAsync(server2.Database, "br-int", "p2" + sfx, "02:00:0a:00:01:05", "10.0.1.5", server2.Namespace, 24, "10.0.1.1");
            guests.Add(g2);

            var nat = new NatGatewayState("nat-1", "vpc-e", "10.0.1.9", "02:00:0a:00:01:09", "198.51.100.60");
            SubnetGateway[] subnets =
            [
                new("10.0.1.0/24", "10.0.1.1") { Routes = [new SubnetRoute("0.0.0.0/0", RouteKind.InternetGateway)] },
                new("10.0.2.0/24", "10.0.2.1") { Routes = [new SubnetRoute("0.0.0.0/0", RouteKind.NatGateway, nat.PrivateIp, nat.Mac)] },
            ];
            var open = new[] { SecurityRule.AnyIcmp("0.0.0.0/0"), SecurityRule.Tcp(22, 22, "0.0.0.0/0") };
            PortSecurity Port(TestGuest guest, string? publicIp) => new()
            {
                InterfaceId = guest.Name, Mac = guest.Mac, Ip = guest.Ip, VpcId = "vpc-e", Ingress = open,
                Egress = [SecurityRule.AllTraffic("0.0.0.0/0")], PublicIp = publicIp,
            };
            NetworkDesiredState State1(string? eipOfG3) => new()
            {
                Bridge = "br-int",
                LocalTunnelIp = Server1Ip,
                Vpcs = [new VpcIsolation
                {
                    VpcId = "vpc-e", LocalVlan = 11, Vni = 9400, CidrBlock = "10.0.0.0/16", Subnets = subnets, RemoteHosts = [Server2Ip],
                    RemotePorts = [new RemotePort(g2.Mac, Server2Ip, g2.Ip), new RemotePort(nat.Mac, Server2Ip, nat.PrivateIp)],
                }],
                Ports = [Port(g1, null), Port(g3, eipOfG3)],
                Uplink = new UplinkState { PortName = "upl", GatewayIp = GatewayIp },
            };
            NetworkDesiredState State2(string? eipOfG2) => new()
            {
                Bridge = "br-int",
                LocalTunnelIp = Server2Ip,
                // Another local VLAN for the same VPC on purpose: the NAT gateway's zone follows the server's VLAN.
                Vpcs = [new VpcIsolation
                {
                    VpcId = "vpc-e", LocalVlan = 23, Vni = 9400, CidrBlock = "10.0.0.0/16", Subnets = subnets, RemoteHosts = [Server1Ip],
                    RemotePorts = [new RemotePort(g1.Mac, Server1Ip, g1.Ip), new RemotePort(g3.Mac, Server1Ip, g3.Ip)],
                }],
                Ports = [Port(g2, eipOfG2)],
                NatGateways = [nat],
                Uplink = new UplinkState { PortName = "upl", GatewayIp = GatewayIp },
            };
            var bridge1 = new IntegrationBridge(server1.Database, server1.RunDirectory);
            var bridge2 = new IntegrationBridge(server2.Database, server2.RunDirectory);
            const string Eip = "198.51.100.50";
            await bridge1.ApplyAsync(State1(null));
            await bridge2.ApplyAsync(State2(Eip));
            var outsideHost = new TestGuest("out", outside, "", GatewayIp);

            Assert.True(await Shell.PingAsync(outside, Eip, 2, 2), "outside → the elastic IP of a guest on server 2");
            await using (var ssh = await TcpSession.TryOpenAsync(outsideHost, g2 with { Ip = Eip }, 22, TimeSpan.FromSeconds(5)))
            {
                Assert.NotNull(ssh);
                Assert.True(await ssh.ExchangeAsync("to server 2", TimeSpan.FromSeconds(3)));
            }

            // The guest on server 1 goes out through the NAT gateway on server 2 (through the tunnel), and back.
            Assert.True(await g1.PingAsync(GatewayIp, 2, 2), "server 1's private guest → outside through server 2's NAT gateway");
            await using (var web = await TcpSession.TryOpenAsync(g1, outsideHost, 8080, TimeSpan.FromSeconds(5)))
            {
                Assert.NotNull(web);
                Assert.True(await web.ExchangeAsync("via nat", TimeSpan.FromSeconds(3)));
                var seen = (await Shell.CheckAsync("ip", "netns", "exec", outside, "ss", "-Htn", "state", "established", "sport = :8080")).Replace("[::ffff:", "", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal);
                output.WriteLine("outside sees: " + seen.Trim());
                Assert.Contains(nat.PublicIp + ":", seen, StringComparison.Ordinal);
            }

            // The elastic IP moves to a guest on server 1: its gratuitous ARP moves the provider switch's entry at once.
            await Shell.CheckAsync("ip", "netns", "exec", g2.Namespace, "sysctl", "-q", "net.ipv4.icmp_echo_ignore_all=1");
            var (apply, firstReply) = await DataPathTests.ChangeDuringPing(outsideHost, Eip, async () =>
            {
                await bridge2.ApplyAsync(State2(null));
                await bridge1.ApplyAsync(State1(Eip));
            }, expectReplies: true);
            var report = string.Create(CultureInfo.InvariantCulture,
                $"elastic IP moved from server 2 to server 1: applies {apply.TotalMilliseconds:F0} ms, first reply from server 1's guest after {firstReply.TotalMilliseconds:F0} ms");
            output.WriteLine(report);
            Benchmark.Record("eip_move_between_servers_first_reply_ms", firstReply.TotalMilliseconds);
            // The target (a second from the call) is judged by bench/edge.sh, not here: under CI's load the two applies alone
            // have taken over a second. What the test holds is that the gratuitous ARP moves the address at once after them,
            // where waiting for the provider switch's entry to age out would take minutes.
            Assert.True(firstReply - apply < TimeSpan.FromSeconds(5), report);
            var fdb = await Shell.CheckAsync("bridge", "-n", outside, "fdb", "show", "br", "brx");
            Assert.Contains(fdb.Split('\n'), l => l.StartsWith(EdgeFlows.PublicMac(Eip), StringComparison.Ordinal) && l.Contains("dev x1", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var guest in guests)
            {
                await guest.DeleteAsync();
            }

            await Shell.RunAsync("ip", "netns", "del", outside);
        }
    }
}
