using Platform.HostAgent.OpenVSwitch.Flows;

namespace Platform.HostAgent.OpenVSwitch.Tests;

/// <summary>
/// Two servers on one machine, each its own Open vSwitch in its own network namespace with its own
/// tunnel address, joined by a veth "cable": one VPC's guests reach each other through the tunnel,
/// another VPC's guest on the same servers stays out of reach.
/// </summary>
[Collection(OpenVSwitchCollection.Name)]
public sealed class TwoServerTests(ITestOutputHelper output)
{
    private const string Server1Ip = "172.31.0.1";
    private const string Server2Ip = "172.31.0.2";

    [OvsTheory]
    [InlineData(TunnelKind.Vxlan)]
    [InlineData(TunnelKind.Geneve)]
    public async Task Given_a_vpc_on_two_servers_Then_its_guests_reach_each_other_through_the_tunnel_and_another_vpc_does_not(TunnelKind kind)
    {
        var sfx = Shell.NewSuffix();
        await using var server1 = await NamespacedSwitch.StartAsync("srv1-" + sfx);
        await using var server2 = await NamespacedSwitch.StartAsync("srv2-" + sfx);
        var guests = new List<TestGuest>();
        try
        {
            await Shell.CheckAsync("ip", "link", "add", "u1" + sfx, "type", "veth", "peer", "name", "u2" + sfx);
            await Shell.CheckAsync("ip", "link", "set", "u1" + sfx, "netns", server1.Namespace);
            await Shell.CheckAsync("ip", "link", "set", "u2" + sfx, "netns", server2.Namespace);
            await server1.AddUnderlayAsync("u1" + sfx, Server1Ip);
            await server2.AddUnderlayAsync("u2" + sfx, Server2Ip);
            await server1.Database.EnsureBridgeAsync(new BridgeSpec("br-int"));
            await server2.Database.EnsureBridgeAsync(new BridgeSpec("br-int"));

            var g1 = await TestGuest.AddAsync(server1.Database, "br-int", "g1" + sfx, "02:00:0a:00:01:01", "10.0.0.1", server1.Namespace);
            guests.Add(g1);
            var g2 = await TestGuest.AddAsync(server2.Database, "br-int", "g2" + sfx, "02:00:0a:00:02:02", "10.0.0.2", server2.Namespace);
            guests.Add(g2);
            var g3 = await TestGuest.AddAsync(server2.Database, "br-int", "g3" + sfx, "02:00:0b:00:02:03", "10.0.0.3", server2.Namespace);
            guests.Add(g3);

            // The VNI is the VPC's on the wire; the local VLANs differ per server on purpose.
            var icmp = SecurityRule.AnyIcmp("10.0.0.0/16");
            var anywhere = SecurityRule.AllTraffic("0.0.0.0/0");
            PortSecurity Port(TestGuest guest, string vpc) => new() { InterfaceId = guest.Name, Mac = guest.Mac, Ip = guest.Ip, VpcId = vpc, Ingress = [icmp], Egress = [anywhere] };
            var state1 = new NetworkDesiredState
            {
                Bridge = "br-int",
                LocalTunnelIp = Server1Ip,
                TunnelKind = kind,
                Vpcs = [new VpcIsolation { VpcId = "vpc-a", LocalVlan = 7, Vni = 7001, RemoteHosts = [Server2Ip], RemotePorts = [new RemotePort(g2.Mac, Server2Ip)] }],
                Ports = [Port(g1, "vpc-a")],
            };
            var state2 = new NetworkDesiredState
            {
                Bridge = "br-int",
                LocalTunnelIp = Server2Ip,
                TunnelKind = kind,
                Vpcs =
                [
                    new VpcIsolation { VpcId = "vpc-a", LocalVlan = 9, Vni = 7001, RemoteHosts = [Server1Ip] },
                    new VpcIsolation { VpcId = "vpc-b", LocalVlan = 7, Vni = 7002 },
                ],
                Ports = [Port(g2, "vpc-a"), Port(g3, "vpc-b")],
            };
            var result1 = await new IntegrationBridge(server1.Database, server1.RunDirectory).ApplyAsync(state1);
            var result2 = await new IntegrationBridge(server2.Database, server2.RunDirectory).ApplyAsync(state2);
            Assert.Empty(result1.PendingInterfaces);
            Assert.Empty(result2.PendingInterfaces);
            var tunnel = Assert.Single(await server1.Database.ListPortsAsync("br-int"), p => p.Name == IntegrationBridge.TunnelPortName(Server2Ip));
            Assert.Equal(kind == TunnelKind.Vxlan ? "vxlan" : "geneve", tunnel.Type);

            Assert.True(await g1.PingAsync(g2.Ip, timeoutSeconds: 2, count: 2), "g1 (server 1) → g2 (server 2), same VPC");
            Assert.True(await g2.PingAsync(g1.Ip), "g2 → g1, same VPC");
            Assert.False(await g1.PingAsync(g3.Ip), "g1 → g3: g3 is in another VPC on server 2");
            Assert.False(await g3.PingAsync(g1.Ip), "g3 → g1: another VPC");
            output.WriteLine($"{kind}: VPC traffic crossed the tunnel {Server1Ip} ↔ {Server2Ip}; {IntegrationBridge.Describe(result2)} on server 2");

            // The VPC leaves server 2: its tunnel port goes and the traffic stops.
            await new IntegrationBridge(server1.Database, server1.RunDirectory).ApplyAsync(state1 with { Vpcs = [state1.Vpcs[0] with { RemoteHosts = [], RemotePorts = [] }] });
            Assert.DoesNotContain(await server1.Database.ListPortsAsync("br-int"), p => p.Name.StartsWith(IntegrationBridge.TunnelPortPrefix, StringComparison.Ordinal));
            Assert.False(await g1.PingAsync(g2.Ip));
        }
        finally
        {
            foreach (var guest in guests)
            {
                await guest.DeleteAsync();
            }
        }
    }
}
