using System.Text.Json;
using Platform.Api.Tests.Compute;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.OpenVSwitch;
using Platform.HostAgent.OpenVSwitch.Tests;

namespace Platform.Api.Tests.EndToEnd;

/// <summary>
/// Two servers on this machine, each its own Open vSwitch (ovsdb-server and ovs-vswitchd in their own network
/// namespace) with its own tunnel address on an underlay joined by a veth "cable", and each its own HostAgent
/// process enrolled with the API: a VPC's instances on the two servers reach each other through the tunnel the
/// agents build from their desired states, also from the VPC's other subnet (through the VPC router), an instance of
/// another VPC with the same CIDR reaches none, and a restarted agent drops neither a ping nor a TCP connection.
/// </summary>
/// <remarks>
/// The one stand-in: the servers' hypervisor is libvirt's simulated driver, because libvirt plugs a real guest's
/// tap into the machine's one system switch and cannot reach a switch inside a namespace. Each instance's NIC is
/// therefore a port the test adds to its server's integration bridge exactly as libvirt would (an internal port
/// with external_ids:iface-id of the instance's interface and its MAC), moved into a namespace of its own with the
/// address, prefix and gateway the API gave the instance. Flows, VLANs, tunnels and firewalls are the agents'.
/// NetworkEndToEndTests covers real guests on one server.
/// </remarks>
[Collection(MachineCollection.Name)]
public sealed class TwoServerNetworkTests
{
    [OvsFact]
    public async Task Given_a_VPC_on_two_servers_each_with_its_own_agent_Then_its_instances_reach_each_other_across_subnets_and_servers_and_another_VPC_cannot()
    {
        var work = Directory.CreateTempSubdirectory("platform-two-servers-").FullName;
        var sfx = Shell.NewSuffix();
        await using var api = await ApiProcess.StartAsync(Path.Combine(work, "api"));
        using var root = new HttpClient(new SdkSigningHandler(api.RootCredentials()) { InnerHandler = api.CreateHandler() }) { BaseAddress = api.BaseAddress };
        await using var switch1 = await NamespacedSwitch.StartAsync("srv1-" + sfx);
        await using var switch2 = await NamespacedSwitch.StartAsync("srv2-" + sfx);
        var agents = new List<AgentProcess>();
        var guests = new List<TestGuest>();
        try
        {
            await Shell.CheckAsync("ip", "link", "add", "u1" + sfx, "type", "veth", "peer", "name", "u2" + sfx);
            await Shell.CheckAsync("ip", "link", "set", "u1" + sfx, "netns", switch1.Namespace);
            await Shell.CheckAsync("ip", "link", "set", "u2" + sfx, "netns", switch2.Namespace);
            await switch1.AddUnderlayAsync("u1" + sfx, "172.31.0.1");
            await switch2.AddUnderlayAsync("u2" + sfx, "172.31.0.2");
            var servers = new Dictionary<string, NamespacedSwitch>(StringComparer.Ordinal) { ["server-1"] = switch1, ["server-2"] = switch2 };
            var agentSettings = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
            foreach (var (name, server, address) in new[] { ("server-1", switch1, "172.31.0.1"), ("server-2", switch2, "172.31.0.2") })
            {
                var token = await (await root.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { })).AssertOkAsync();
                agentSettings[name] = new Dictionary<string, string>
                {
                    ["Agent__ApiUrl"] = api.BaseAddress.ToString(),
                    ["Agent__JoinToken"] = token.GetProperty("join_token").GetString()!,
                    ["Agent__StateDirectory"] = Path.Combine(work, name),
                    ["Agent__LibvirtUri"] = "test:///default",
                    ["Agent__HostName"] = name,
                    ["Agent__HeartbeatInterval"] = "00:00:01",
                    ["Agent__Networking"] = "true",
                    ["Agent__OvsdbSocket"] = Path.Combine(server.RunDirectory, "db.sock"),
                    ["Agent__OvsRunDirectory"] = server.RunDirectory,
                    ["Agent__TunnelAddress"] = address,
                };
                agents.Add(AgentProcess.Start(agentSettings[name]));
            }

            await Eventually.TrueAsync(async () => (await root.HostsAsync()).GetArrayLength() == 2, TimeSpan.FromSeconds(90),
                $"the agents did not enrol; their logs:\n{string.Join("\n----\n", agents.Select(a => a.Output))}");
            var hostNames = (await root.HostsAsync()).EnumerateArray()
                .ToDictionary(h => h.GetProperty("host_id").GetString()!, h => h.GetProperty("host_name").GetString()!, StringComparer.Ordinal);
            var image = await root.RegisterKernelImageAsync("simulated", [1, 2, 3], [4, 5, 6], isPublic: true);

            var (vpc, subnet) = await VpcAsync(root);
            var group = await (await root.PostJsonAsync("/api/v1/vpc/security-groups", new { group_name = "pingable", description = "icmp", vpc_id = vpc })).AssertOkAsync();
            var groupId = group.GetProperty("group_id").GetString()!;
            await (await root.PostJsonAsync($"/api/v1/vpc/security-groups/{groupId}/ingress-rules",
                new { rules = new[] { new { ip_protocol = "icmp", from_port = -1, to_port = -1, cidr_ip = "10.30.0.0/16" } } })).AssertOkAsync();
            var (_, otherSubnet) = await VpcAsync(root);

            var subnet2 = (await (await root.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpc, cidr_block = "10.30.2.0/24", availability_zone = "us-east-1a" }))
                .AssertOkAsync()).GetProperty("subnet_id").GetString()!;

            async Task<(JsonElement Instance, TestGuest Nic)> LaunchAsync(string name, string subnetId, string[]? groups, string gateway = "10.30.1.1")
            {
                var id = (await root.LaunchAsync(groups is null
                    ? new { instance_type = "t2.nano", image_id = image, subnet_id = subnetId }
                    : (object)new { instance_type = "t2.nano", image_id = image, subnet_id = subnetId, security_groups = groups })).GetProperty("instance_id").GetString()!;
                await root.WaitForStateAsync(id, "running", TimeSpan.FromSeconds(90));
                var instance = await root.InstanceAsync(id);
                var server = servers[hostNames[instance.GetProperty("host_id").GetString()!]];
                // The agent makes its bridge on its first apply; the NIC joins it as libvirt would plug a guest's tap.
                await Eventually.TrueAsync(async () => (await server.Database.ListPortsAsync("br-int")).Count > 0, TimeSpan.FromSeconds(90),
                    "the agent never made its integration bridge");
                var nic = await TestGuest.AddAsync(server.Database, "br-int", name + sfx, instance.GetProperty("mac_address").GetString()!,
                    instance.GetProperty("private_ip_address").GetString()!, server.Namespace, prefix: 24, gateway: gateway,
                    interfaceId: GuestInterfaceId.For(instance.GetProperty("network_interface_id").GetString()!));
                guests.Add(nic);
                return (instance, nic);
            }

            var (first, g1) = await LaunchAsync("ga", subnet, [groupId]);
            var (second, g2) = await LaunchAsync("gb", subnet, [groupId]);
            var (_, stranger) = await LaunchAsync("gc", otherSubnet, null);
            // Spread placement puts the second instance of the VPC on the other server: the traffic must cross the tunnel.
            Assert.NotEqual(first.GetProperty("host_id").GetString(), second.GetProperty("host_id").GetString());

            await Eventually.TrueAsync(() => g1.PingAsync(g2.Ip, timeoutSeconds: 1), TimeSpan.FromSeconds(90),
                $"{g1.Ip} (one server) never reached {g2.Ip} (the other) in its VPC; agents:\n{string.Join("\n----\n", agents.Select(a => a.Output))}");
            Assert.True(await g2.PingAsync(g1.Ip, timeoutSeconds: 2, count: 2), "the way back");
            foreach (var address in new[] { g1.Ip, g2.Ip }.Where(a => a != stranger.Ip))
            {
                Assert.False(await stranger.PingAsync(address, timeoutSeconds: 1, count: 2), $"another VPC with the same CIDR reached {address}");
            }

            // A third instance in the VPC's other subnet reaches the one on the other server through the VPC router and
            // the tunnel: its server routes to the remote guest's address, the other server routes the replies back.
            var (third, g3) = await LaunchAsync("gd", subnet2, [groupId], gateway: "10.30.2.1");
            var (far, gFar) = new[] { (first, g1), (second, g2) }.First(x => x.Item1.GetProperty("host_id").GetString() != third.GetProperty("host_id").GetString());
            await Eventually.TrueAsync(() => g3.PingAsync(gFar.Ip, timeoutSeconds: 1), TimeSpan.FromSeconds(90),
                $"{g3.Ip} never reached {gFar.Ip} in the other subnet on the other server; agents:\n{string.Join("\n----\n", agents.Select(a => a.Output))}");
            Assert.True(await gFar.PingAsync(g3.Ip, timeoutSeconds: 2, count: 2), "across subnets and servers, the way back");
            Assert.False(await stranger.PingAsync(g3.Ip, timeoutSeconds: 1, count: 2), "another VPC reached the second subnet");

            // The agent of g3's server is killed and started again while g3 pings g-far every 10 ms and holds a TCP
            // connection to it (the group lets port 5000 in): the switch keeps forwarding, the new agent re-applies the
            // same flows and VLAN tags, and neither loses anything.
            await (await root.PostJsonAsync($"/api/v1/vpc/security-groups/{groupId}/ingress-rules",
                new { rules = new[] { new { ip_protocol = "tcp", from_port = 5000, to_port = 5000, cidr_ip = "10.30.0.0/16" } } })).AssertOkAsync();
            TcpSession? session = null;
            await Eventually.TrueAsync(async () => (session = await TcpSession.TryOpenAsync(g3, gFar, 5000, TimeSpan.FromSeconds(2))) is not null,
                TimeSpan.FromSeconds(30), "no TCP connection across the servers");
            await using (session)
            {
                Assert.True(await session!.ExchangeAsync("before the restart", TimeSpan.FromSeconds(3)));
                var hostId = third.GetProperty("host_id").GetString()!;
                var agentIndex = hostNames[hostId] == "server-1" ? 0 : 1;
                var pinger = Pinger.Start(g3.Namespace, gFar.Ip, TimeSpan.FromSeconds(25));
                await Task.Delay(1000);
                var restartedAt = DateTimeOffset.UtcNow;
                await agents[agentIndex].DisposeAsync();
                async Task<JsonElement> HostAsync() => (await root.HostsAsync()).EnumerateArray().Single(h => h.GetProperty("host_id").GetString() == hostId);
                var lastHeartbeatOfTheKilled = (await HostAsync()).GetProperty("last_heartbeat_at").GetDateTime();
                agents[agentIndex] = AgentProcess.Start(agentSettings[hostNames[hostId]]);
                // Re-applied once it reports, after the restart, that it applied the version the API has for it (its first
                // report, made before its first apply, says -1).
                await Eventually.TrueAsync(async () =>
                {
                    var host = await HostAsync();
                    return host.GetProperty("last_heartbeat_at").GetDateTime() > lastHeartbeatOfTheKilled
                        && host.GetProperty("applied_version").GetInt64() == host.GetProperty("desired_version").GetInt64();
                }, TimeSpan.FromSeconds(90), $"the restarted agent did not apply its state; its log:\n{agents[agentIndex].Output}");
                var reappliedAt = DateTimeOffset.UtcNow;
                Assert.True(await session.ExchangeListenerFirstAsync("after the restart", TimeSpan.FromSeconds(3)), "the TCP connection made before the agent restart");
                var replies = await pinger.RepliesAsync();
                var lost = replies.Count == 0 ? -1 : replies[^1].Sequence - replies[0].Sequence + 1 - replies.Count;
                Console.WriteLine($"agent restart: {replies.Count} replies, {lost} lost; re-applied {(reappliedAt - restartedAt).TotalSeconds:F1} s after the kill");
                Assert.True(replies.Count > 0 && replies[^1].At > reappliedAt, "the ping did not outlast the restarted agent's apply");
                Assert.Equal(0, lost);
            }

            // A rule change through the API reaches the switches: revoking ICMP stops a ping (every 10 ms) across
            // the servers, adding it back restores it. The times are bench/run.sh network's figures.
            var icmp = new { rules = new[] { new { ip_protocol = "icmp", from_port = -1, to_port = -1, cidr_ip = "10.30.0.0/16" } } };
            var (revokeCall, stopped) = await ChangeDuringPingAsync(g1, g2.Ip, expectReplies: false, async () =>
                await (await root.PostJsonAsync($"/api/v1/vpc/security-groups/{groupId}/ingress-rules/revoke", icmp)).AssertOkAsync());
            var (authorizeCall, restored) = await ChangeDuringPingAsync(g1, g2.Ip, expectReplies: true, async () =>
                await (await root.PostJsonAsync($"/api/v1/vpc/security-groups/{groupId}/ingress-rules", icmp)).AssertOkAsync());
            Console.WriteLine($"API rule change to enforcement across two servers: revoke answered in {revokeCall.TotalMilliseconds:F0} ms, ping stopped after " +
                $"{stopped.TotalMilliseconds:F0} ms; authorize answered in {authorizeCall.TotalMilliseconds:F0} ms, ping back after {restored.TotalMilliseconds:F0} ms");
            Benchmark.Record("revoke_call_ms", revokeCall.TotalMilliseconds, "ping_stopped_ms", stopped.TotalMilliseconds,
                "authorize_call_ms", authorizeCall.TotalMilliseconds, "ping_restored_ms", restored.TotalMilliseconds);
        }
        finally
        {
            foreach (var guest in guests)
            {
                await guest.DeleteAsync();
            }

            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }

            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// Pings every 10 ms while <paramref name="change"/> runs; returns how long the call took and, from its start,
    /// when the last reply came (the ping stopped) or the first one did (it came back).
    /// </summary>
    private static async Task<(TimeSpan Call, TimeSpan Effect)> ChangeDuringPingAsync(TestGuest from, string address, bool expectReplies, Func<Task> change)
    {
        var pinger = Pinger.Start(from.Namespace, address, TimeSpan.FromSeconds(12));
        await Task.Delay(1000);
        var changedAt = DateTimeOffset.UtcNow;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await change();
        var call = watch.Elapsed;
        var replies = await pinger.RepliesAsync();
        var after = replies.Where(r => r.At >= changedAt).ToList();
        if (expectReplies)
        {
            Assert.True(after.Count > 0, $"the ping to {address} did not come back within 11 s of the change");
            return (call, after[0].At - changedAt);
        }

        Assert.True(replies.Count > 0, $"the ping to {address} never answered before the change");
        Assert.True(replies[^1].At < changedAt + TimeSpan.FromSeconds(9), $"the ping to {address} did not stop after the change");
        return (call, after.Count == 0 ? TimeSpan.Zero : after[^1].At - changedAt);
    }

    private static async Task<(string Vpc, string Subnet)> VpcAsync(HttpClient root)
    {
        var vpc = (await (await root.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = "10.30.0.0/16" })).AssertOkAsync()).GetProperty("vpc_id").GetString()!;
        var subnet = (await (await root.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpc, cidr_block = "10.30.1.0/24", availability_zone = "us-east-1a" }))
            .AssertOkAsync()).GetProperty("subnet_id").GetString()!;
        return (vpc, subnet);
    }
}
