using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Platform.Api.Tests.Compute;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.OpenVSwitch;
using Platform.HostAgent.OpenVSwitch.Tests;

namespace Platform.Api.Tests.EndToEnd;

/// <summary>
/// An internet-facing load balancer whose zone has two servers on this machine (each its own Open vSwitch in its own
/// namespace with its own HostAgent process, as <see cref="TwoServerNetworkTests"/>), both with an uplink into one outside
/// namespace whose Linux bridge stands for the provider network: the zone's pair of nodes runs on the two servers
/// (HAProxy and keepalived in each node's namespace, made by the agents), and when the MASTER's server dies (its agent,
/// keepalived and HAProxy killed with SIGKILL, its switch stopped and its namespace, uplink cable included, gone), a client
/// curling the balancer's public address every 50 ms gets answers again from the other server's node without anything
/// done by the API.
/// </summary>
/// <remarks>
/// As in <see cref="TwoServerNetworkTests"/>, the servers' hypervisor is libvirt's simulated driver and the target
/// instance's NIC is a port the test adds to its server's bridge as libvirt would, in a namespace where busybox httpd
/// answers as the test image does: one instance on each server, the one on the server about to die deregistered first (so
/// the gap measured is the balancer's, not a target's health check). The gap the client sees is printed
/// (bench/elb-failover.sh records it), never asserted.
/// </remarks>
[Collection(MachineCollection.Name)]
public sealed class TwoServerLoadBalancerTests
{
    private const string GatewayIp = "198.51.100.1";

    [OvsFact]
    public async Task Given_a_balancer_whose_zone_has_two_servers_When_the_server_of_the_MASTER_node_dies_Then_its_public_address_keeps_answering_from_the_other()
    {
        var work = Directory.CreateTempSubdirectory("platform-elb-pair-").FullName;
        var sfx = Shell.NewSuffix();
        var outside = "elbo-" + sfx;
        await using var api = await ApiProcess.StartAsync(Path.Combine(work, "api"), new Dictionary<string, string>
        {
            ["Network__PublicAddresses__Cidr"] = "198.51.100.0/24",
            ["Network__PublicAddresses__Gateway"] = GatewayIp,
        });
        using var root = new HttpClient(new SdkSigningHandler(api.RootCredentials()) { InnerHandler = api.CreateHandler() }) { BaseAddress = api.BaseAddress };
        var switch1 = await NamespacedSwitch.StartAsync("elb1-" + sfx);
        var switch2 = await NamespacedSwitch.StartAsync("elb2-" + sfx);
        var live = new List<NamespacedSwitch> { switch1, switch2 };
        var agents = new List<AgentProcess>();
        var targets = new List<TestGuest>();
        var httpds = new List<Process>();
        try
        {
            await Shell.CheckAsync("ip", "link", "add", "u1" + sfx, "type", "veth", "peer", "name", "u2" + sfx);
            await Shell.CheckAsync("ip", "link", "set", "u1" + sfx, "netns", switch1.Namespace);
            await Shell.CheckAsync("ip", "link", "set", "u2" + sfx, "netns", switch2.Namespace);
            await switch1.AddUnderlayAsync("u1" + sfx, "172.31.0.1");
            await switch2.AddUnderlayAsync("u2" + sfx, "172.31.0.2");

            // The provider network: a bridge with the router's address, one veth to each server's uplink.
            await Shell.CheckAsync("ip", "netns", "add", outside);
            await Shell.CheckAsync("ip", "-n", outside, "link", "add", "brx", "type", "bridge");
            await Shell.CheckAsync("ip", "-n", outside, "addr", "add", GatewayIp + "/24", "dev", "brx");
            await Shell.CheckAsync("ip", "-n", outside, "link", "set", "brx", "up");
            await Shell.CheckAsync("ip", "-n", outside, "link", "set", "lo", "up");
            foreach (var (server, n) in new[] { (switch1, 1), (switch2, 2) })
            {
                await Shell.CheckAsync("ip", "-n", outside, "link", "add", $"x{n}", "type", "veth", "peer", "name", "upl", "netns", server.Namespace);
                await Shell.CheckAsync("ip", "-n", outside, "link", "set", $"x{n}", "master", "brx");
                await Shell.CheckAsync("ip", "-n", outside, "link", "set", $"x{n}", "up");
                await Shell.CheckAsync("ip", "netns", "exec", outside, "ethtool", "-K", $"x{n}", "tx", "off");
                await Shell.CheckAsync("ip", "-n", server.Namespace, "link", "set", "upl", "up");
            }

            var servers = new Dictionary<string, NamespacedSwitch>(StringComparer.Ordinal) { ["server-1"] = switch1, ["server-2"] = switch2 };
            foreach (var (name, server, address) in new[] { ("server-1", switch1, "172.31.0.1"), ("server-2", switch2, "172.31.0.2") })
            {
                var token = await (await root.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { })).AssertOkAsync();
                agents.Add(AgentProcess.Start(new Dictionary<string, string>
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
                    ["Agent__SwitchNamespace"] = server.Namespace,
                    ["Agent__TunnelAddress"] = address,
                    ["Agent__Uplink__Interface"] = "upl",
                }));
            }

            string Logs() => string.Join("\n----\n", agents.Select(a => a.Output));
            await Eventually.TrueAsync(async () => (await root.HostsAsync()).GetArrayLength() == 2, TimeSpan.FromSeconds(90), $"the agents did not enrol; their logs:\n{Logs()}");
            var hostNames = (await root.HostsAsync()).EnumerateArray()
                .ToDictionary(h => h.GetProperty("host_id").GetString()!, h => h.GetProperty("host_name").GetString()!, StringComparer.Ordinal);

            // A VPC with an internet gateway route, web instances (busybox httpd) and groups letting HTTP in.
            var vpc = Id(await (await root.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = "10.30.0.0/16" })).AssertOkAsync(), "vpc_id");
            var subnet = Id(await (await root.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpc, cidr_block = "10.30.1.0/24", availability_zone = "us-east-1a" })).AssertOkAsync(), "subnet_id");
            var igw = Id(await (await root.PostJsonAsync("/api/v1/vpc/internet-gateways", new { })).AssertOkAsync(), "internet_gateway_id");
            await (await root.PostJsonAsync($"/api/v1/vpc/internet-gateways/{igw}/attach", new { vpc_id = vpc })).AssertOkAsync();
            var mainTable = Id((await (await root.GetAsync($"/api/v1/vpc/route-tables?vpc_id={vpc}")).AssertOkAsync()).GetProperty("route_tables")[0], "route_table_id");
            await (await root.PostJsonAsync($"/api/v1/vpc/route-tables/{mainTable}/routes", new { destination_cidr_block = "0.0.0.0/0", gateway_id = igw })).AssertOkAsync();
            async Task<string> GroupAsync(string name, string cidr)
            {
                var id = Id(await (await root.PostJsonAsync("/api/v1/vpc/security-groups", new { group_name = name, description = name, vpc_id = vpc })).AssertOkAsync(), "group_id");
                await (await root.PostJsonAsync($"/api/v1/vpc/security-groups/{id}/ingress-rules",
                    new { rules = new[] { new { ip_protocol = "tcp", from_port = 80, to_port = 80, cidr_ip = cidr } } })).AssertOkAsync();
                return id;
            }

            var webGroup = await GroupAsync("web", "10.30.0.0/16");
            var lbGroup = await GroupAsync("lb", "0.0.0.0/0");
            var image = await root.RegisterKernelImageAsync("simulated", [1, 2, 3], [4, 5, 6], isPublic: true);
            var site = Directory.CreateDirectory(Path.Combine(work, "sites")).FullName;
            async Task<(string InstanceId, string Server)> WebAsync(string name)
            {
                var id = Id(await root.LaunchAsync(new { instance_type = "t2.nano", image_id = image, subnet_id = subnet, security_groups = new[] { webGroup } }), "instance_id");
                await root.WaitForStateAsync(id, "running", TimeSpan.FromSeconds(90));
                var instance = await root.InstanceAsync(id);
                var server = hostNames[Id(instance, "host_id")];
                await Eventually.TrueAsync(async () => (await servers[server].Database.ListPortsAsync("br-int")).Count > 0, TimeSpan.FromSeconds(90),
                    "the agent never made its integration bridge");
                var nic = await TestGuest.AddAsync(servers[server].Database, "br-int", name + sfx, Id(instance, "mac_address"), Id(instance, "private_ip_address"),
                    servers[server].Namespace, prefix: 24, gateway: "10.30.1.1", interfaceId: GuestInterfaceId.For(Id(instance, "network_interface_id")));
                targets.Add(nic);
                var pages = Directory.CreateDirectory(Path.Combine(site, name)).FullName;
                await File.WriteAllTextAsync(Path.Combine(pages, "index.html"), id + "\n");
                httpds.Add(Process.Start(new ProcessStartInfo("ip", ["netns", "exec", nic.Namespace, "busybox", "httpd", "-f", "-p", "80", "-h", pages]) { UseShellExecute = false })!);
                return (id, server);
            }

            // Spread placement puts the second instance on the other server.
            var webs = new[] { await WebAsync("wa"), await WebAsync("wb") };
            Assert.NotEqual(webs[0].Server, webs[1].Server);

            // The balancer: its zone has two servers, so its pair of nodes is placed on both at once.
            var groupArn = Id(await (await root.PostJsonAsync("/api/v1/elb/target-groups", new
            {
                name = "web", protocol = "HTTP", port = 80, vpc_id = vpc, health_check_interval_seconds = 5, health_check_timeout_seconds = 2, healthy_threshold_count = 2,
            })).AssertOkAsync(), "target_group_arn");
            await (await root.PostJsonAsync("/api/v1/elb/targets/register", new { target_group_arn = groupArn, targets = webs.Select(w => new { id = w.InstanceId }).ToArray() })).AssertOkAsync();
            var lb = await (await root.PostJsonAsync("/api/v1/elb/load-balancers", new { name = "pair", subnets = new[] { subnet }, security_groups = new[] { lbGroup } })).AssertOkAsync();
            var lbArn = Id(lb, "load_balancer_arn");
            var publicIp = Id(lb.GetProperty("availability_zones")[0].GetProperty("load_balancer_addresses")[0], "ip_address");
            await (await root.PostJsonAsync("/api/v1/elb/listeners", new
            {
                load_balancer_arn = lbArn, protocol = "HTTP", port = 80, default_actions = new[] { new { type = "forward", target_group_arn = groupArn } },
            })).AssertOkAsync();

            var url = $"http://{publicIp}/";
            await Eventually.TrueAsync(async () => (await CurlAsync(outside, url)).StartsWith("i-", StringComparison.Ordinal), TimeSpan.FromSeconds(120),
                $"the balancer's public address never answered from outside; the agents:\n{Logs()}");

            // Which server's node is MASTER: the one whose keepalived says so (both nodes run, one holds the address).
            var nodes = new[] { ("server-1", 0), ("server-2", 1) }.SelectMany(s => NodeDirectories(work, s.Item1).Select(d => (Server: s.Item1, Index: s.Item2, Directory: d))).ToList();
            Assert.Equal(2, nodes.Count);
            (string Server, int Index, string Directory)? found = null;
            await Eventually.TrueAsync(() =>
            {
                var masters = nodes.Where(n => State(n.Directory) == "MASTER").ToList();
                found = masters.Count == 1 ? masters[0] : null;
                return Task.FromResult(found is not null);
            }, TimeSpan.FromSeconds(60), "no single node of the pair is MASTER");
            var master = found!.Value;
            var backup = nodes.Single(n => n != master);
            Assert.Equal("BACKUP", State(backup.Directory));

            // The target on the server about to die leaves (draining: no new requests), so every answer comes from the other.
            var survivor = webs.Single(w => w.Server == backup.Server).InstanceId;
            await (await root.PostJsonAsync("/api/v1/elb/targets/deregister", new { target_group_arn = groupArn, targets = new[] { new { id = webs.Single(w => w.Server == master.Server).InstanceId } } }))
                .AssertOkAsync();
            var inARow = 0;
            await Eventually.TrueAsync(async () => (inARow = (await CurlAsync(outside, url)).Contains(survivor, StringComparison.Ordinal) ? inARow + 1 : 0) >= 10,
                TimeSpan.FromSeconds(90), "the deregistered target kept getting requests");

            // A client curls every 50 ms; the MASTER's server dies: its agent, keepalived and HAProxy killed, its switch stopped.
            await using var probe = Probe.Start(outside, url, survivor);
            await Task.Delay(TimeSpan.FromSeconds(2));
            var killedAt = DateTimeOffset.UtcNow;
            await agents[master.Index].KillAsync();
            foreach (var pidFile in new[] { "keepalived-vrrp.pid", "keepalived.pid", "haproxy.pid" })
            {
                var pid = (await File.ReadAllTextAsync(Path.Combine(master.Directory, pidFile))).Trim();
                // HAProxy's workers with their master.
                await Shell.RunAsync("pkill", "-KILL", "-P", pid);
                await Shell.RunAsync("kill", "-9", pid);
            }

            live.Remove(servers[master.Server]);
            await servers[master.Server].DisposeAsync();
            var deadAt = DateTimeOffset.UtcNow;

            await Eventually.TrueAsync(() => Task.FromResult(State(backup.Directory) == "MASTER"), TimeSpan.FromSeconds(60), "the other node never became MASTER");
            await Eventually.TrueAsync(() => Task.FromResult(probe.AnsweredAfter(deadAt)), TimeSpan.FromSeconds(90),
                $"the public address never answered again after the MASTER's server died; the surviving agent:\n{agents[backup.Index].Output}");
            await Task.Delay(TimeSpan.FromSeconds(2));
            var log = await probe.StopAsync();
            Console.WriteLine("the client's answers (+ answered, . not), from 2 s before the kill: " + string.Concat(log.Select(a => a.Answered ? '+' : '.')));
            // The client's longest time without an answer from the kill on: from an answer to the next one.
            var answered = log.Where(a => a.Answered).Select(a => a.At).ToList();
            Assert.Contains(answered, a => a < killedAt);
            Assert.Contains(answered, a => a > deadAt);
            Assert.True(log[^1].Answered, "the address stopped answering again after the failover");
            var gap = answered.Zip(answered.Skip(1)).Where(p => p.Second > killedAt).Max(p => (p.Second - p.First).TotalMilliseconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"balancer node failover: {log.Count} requests, {log.Count(a => !a.Answered)} unanswered; the server setup died over {(deadAt - killedAt).TotalMilliseconds:F0} ms; the client's longest time without an answer {gap:F0} ms"));
            Benchmark.Record("elb_node_failover_gap_ms", gap);
        }
        finally
        {
            foreach (var httpd in httpds)
            {
                if (!httpd.HasExited)
                {
                    httpd.Kill(entireProcessTree: true);
                }

                httpd.Dispose();
            }

            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }

            // The nodes the agents left (keepalived first, then HAProxy; namespaces after), then the switches.
            foreach (var directory in new[] { "server-1", "server-2" }.SelectMany(s => NodeDirectories(work, s)))
            {
                foreach (var pidFile in new[] { "keepalived.pid", "keepalived-vrrp.pid", "haproxy.pid" })
                {
                    var path = Path.Combine(directory, pidFile);
                    if (File.Exists(path))
                    {
                        await Shell.RunAsync("kill", "-9", (await File.ReadAllTextAsync(path)).Trim());
                    }
                }
            }

            foreach (var directory in new[] { "server-1", "server-2" }.SelectMany(s => NodeDirectories(work, s)))
            {
                await Shell.RunAsync("ip", "netns", "del", NodeNamespace(Path.GetFileName(directory)));
            }

            foreach (var target in targets)
            {
                await target.DeleteAsync();
            }

            foreach (var server in live)
            {
                await server.DisposeAsync();
            }

            await Shell.RunAsync("ip", "netns", "del", outside);
            await DeleteAsync(work);
        }
    }

    /// <summary>
    /// An internal balancer's pair: the zone's private address is virtual (held on its interface by keepalived's MASTER), clients in
    /// the VPC reach it from the balancer's subnet (ARP answered by the MASTER) and from another subnet (the VPC router sends to both
    /// nodes; the one without the address drops its copy), and when the MASTER's server dies the clients on the other server get
    /// answers again from its node, moved by keepalived alone (its gratuitous ARP; the flows are the same before and after).
    /// </summary>
    [OvsFact]
    public async Task Given_an_internal_balancer_whose_zone_has_two_servers_When_the_server_of_the_MASTER_node_dies_Then_its_private_address_keeps_answering_clients_in_both_subnets()
    {
        var work = Directory.CreateTempSubdirectory("platform-elb-inner-").FullName;
        var sfx = Shell.NewSuffix();
        await using var api = await ApiProcess.StartAsync(Path.Combine(work, "api"), new Dictionary<string, string>());
        using var root = new HttpClient(new SdkSigningHandler(api.RootCredentials()) { InnerHandler = api.CreateHandler() }) { BaseAddress = api.BaseAddress };
        var switch1 = await NamespacedSwitch.StartAsync("eli1-" + sfx);
        var switch2 = await NamespacedSwitch.StartAsync("eli2-" + sfx);
        var live = new List<NamespacedSwitch> { switch1, switch2 };
        var agents = new List<AgentProcess>();
        var guests = new List<TestGuest>();
        var httpds = new List<Process>();
        try
        {
            await Shell.CheckAsync("ip", "link", "add", "v1" + sfx, "type", "veth", "peer", "name", "v2" + sfx);
            await Shell.CheckAsync("ip", "link", "set", "v1" + sfx, "netns", switch1.Namespace);
            await Shell.CheckAsync("ip", "link", "set", "v2" + sfx, "netns", switch2.Namespace);
            await switch1.AddUnderlayAsync("v1" + sfx, "172.31.0.1");
            await switch2.AddUnderlayAsync("v2" + sfx, "172.31.0.2");
            var servers = new Dictionary<string, NamespacedSwitch>(StringComparer.Ordinal) { ["server-1"] = switch1, ["server-2"] = switch2 };
            foreach (var (name, server, address) in new[] { ("server-1", switch1, "172.31.0.1"), ("server-2", switch2, "172.31.0.2") })
            {
                var token = await (await root.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { })).AssertOkAsync();
                agents.Add(AgentProcess.Start(new Dictionary<string, string>
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
                    ["Agent__SwitchNamespace"] = server.Namespace,
                    ["Agent__TunnelAddress"] = address,
                }));
            }

            string Logs() => string.Join("\n----\n", agents.Select(a => a.Output));
            await Eventually.TrueAsync(async () => (await root.HostsAsync()).GetArrayLength() == 2, TimeSpan.FromSeconds(90), $"the agents did not enrol; their logs:\n{Logs()}");
            var hostNames = (await root.HostsAsync()).EnumerateArray()
                .ToDictionary(h => h.GetProperty("host_id").GetString()!, h => h.GetProperty("host_name").GetString()!, StringComparer.Ordinal);

            // A VPC with the balancer's subnet and another: web instances (busybox httpd) and clients in both subnets.
            var vpc = Id(await (await root.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = "10.31.0.0/16" })).AssertOkAsync(), "vpc_id");
            var front = Id(await (await root.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpc, cidr_block = "10.31.1.0/24", availability_zone = "us-east-1a" })).AssertOkAsync(), "subnet_id");
            var back = Id(await (await root.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpc, cidr_block = "10.31.2.0/24", availability_zone = "us-east-1a" })).AssertOkAsync(), "subnet_id");
            async Task<string> GroupAsync(string name, string? cidr)
            {
                var id = Id(await (await root.PostJsonAsync("/api/v1/vpc/security-groups", new { group_name = name, description = name, vpc_id = vpc })).AssertOkAsync(), "group_id");
                if (cidr is not null)
                {
                    await (await root.PostJsonAsync($"/api/v1/vpc/security-groups/{id}/ingress-rules",
                        new { rules = new[] { new { ip_protocol = "tcp", from_port = 80, to_port = 80, cidr_ip = cidr } } })).AssertOkAsync();
                }

                return id;
            }

            var webGroup = await GroupAsync("web", "10.31.0.0/16");
            var lbGroup = await GroupAsync("lb", "10.31.0.0/16");
            var clientGroup = await GroupAsync("client", null);
            var image = await root.RegisterKernelImageAsync("simulated", [1, 2, 3], [4, 5, 6], isPublic: true);
            var site = Directory.CreateDirectory(Path.Combine(work, "sites")).FullName;
            async Task<(string InstanceId, string Server, TestGuest Nic)> GuestAsync(string name, string subnet, string group, string gateway, bool web)
            {
                var id = Id(await root.LaunchAsync(new { instance_type = "t2.nano", image_id = image, subnet_id = subnet, security_groups = new[] { group } }), "instance_id");
                await root.WaitForStateAsync(id, "running", TimeSpan.FromSeconds(90));
                var instance = await root.InstanceAsync(id);
                var server = hostNames[Id(instance, "host_id")];
                await Eventually.TrueAsync(async () => (await servers[server].Database.ListPortsAsync("br-int")).Count > 0, TimeSpan.FromSeconds(90),
                    "the agent never made its integration bridge");
                var nic = await TestGuest.AddAsync(servers[server].Database, "br-int", name + sfx, Id(instance, "mac_address"), Id(instance, "private_ip_address"),
                    servers[server].Namespace, prefix: 24, gateway: gateway, interfaceId: GuestInterfaceId.For(Id(instance, "network_interface_id")));
                guests.Add(nic);
                if (web)
                {
                    var pages = Directory.CreateDirectory(Path.Combine(site, name)).FullName;
                    await File.WriteAllTextAsync(Path.Combine(pages, "index.html"), id + "\n");
                    httpds.Add(Process.Start(new ProcessStartInfo("ip", ["netns", "exec", nic.Namespace, "busybox", "httpd", "-f", "-p", "80", "-h", pages]) { UseShellExecute = false })!);
                }

                return (id, server, nic);
            }

            // Spread placement alternates the servers: a web instance and a client of each subnet on each.
            var webs = new[] { await GuestAsync("wa", front, webGroup, "10.31.1.1", web: true), await GuestAsync("wb", front, webGroup, "10.31.1.1", web: true) };
            Assert.NotEqual(webs[0].Server, webs[1].Server);
            var near = new[] { await GuestAsync("na", front, clientGroup, "10.31.1.1", web: false), await GuestAsync("nb", front, clientGroup, "10.31.1.1", web: false) };
            var far = new[] { await GuestAsync("fa", back, clientGroup, "10.31.2.1", web: false), await GuestAsync("fb", back, clientGroup, "10.31.2.1", web: false) };
            Assert.NotEqual(near[0].Server, near[1].Server);
            Assert.NotEqual(far[0].Server, far[1].Server);

            var groupArn = Id(await (await root.PostJsonAsync("/api/v1/elb/target-groups", new
            {
                name = "web", protocol = "HTTP", port = 80, vpc_id = vpc, health_check_interval_seconds = 5, health_check_timeout_seconds = 2, healthy_threshold_count = 2,
            })).AssertOkAsync(), "target_group_arn");
            await (await root.PostJsonAsync("/api/v1/elb/targets/register", new { target_group_arn = groupArn, targets = webs.Select(w => new { id = w.InstanceId }).ToArray() })).AssertOkAsync();
            var lb = await (await root.PostJsonAsync("/api/v1/elb/load-balancers", new { name = "inner", scheme = "internal", subnets = new[] { front }, security_groups = new[] { lbGroup } }))
                .AssertOkAsync();
            var lbArn = Id(lb, "load_balancer_arn");
            var zoneAddress = Id(lb.GetProperty("availability_zones")[0].GetProperty("load_balancer_addresses")[0], "private_i_pv4_address");
            await (await root.PostJsonAsync("/api/v1/elb/listeners", new
            {
                load_balancer_arn = lbArn, protocol = "HTTP", port = 80, default_actions = new[] { new { type = "forward", target_group_arn = groupArn } },
            })).AssertOkAsync();

            // Every client, on either server and in either subnet, reaches the balancer's address.
            var url = $"http://{zoneAddress}/";
            foreach (var client in near.Concat(far))
            {
                await Eventually.TrueAsync(async () => (await CurlAsync(client.Nic.Namespace, url)).StartsWith("i-", StringComparison.Ordinal), TimeSpan.FromSeconds(120),
                    $"the balancer's address never answered client {client.InstanceId} on {client.Server}; the agents:\n{Logs()}");
            }

            var nodes = new[] { ("server-1", 0), ("server-2", 1) }.SelectMany(s => NodeDirectories(work, s.Item1).Select(d => (Server: s.Item1, Index: s.Item2, Directory: d))).ToList();
            Assert.Equal(2, nodes.Count);
            (string Server, int Index, string Directory)? found = null;
            await Eventually.TrueAsync(() =>
            {
                var masters = nodes.Where(n => State(n.Directory) == "MASTER").ToList();
                found = masters.Count == 1 ? masters[0] : null;
                return Task.FromResult(found is not null);
            }, TimeSpan.FromSeconds(60), "no single node of the pair is MASTER");
            var master = found!.Value;
            var backup = nodes.Single(n => n != master);
            Assert.Equal("BACKUP", State(backup.Directory));

            // The target on the server about to die leaves, so every answer comes from the other.
            var survivor = webs.Single(w => w.Server == backup.Server).InstanceId;
            await (await root.PostJsonAsync("/api/v1/elb/targets/deregister", new { target_group_arn = groupArn, targets = new[] { new { id = webs.Single(w => w.Server == master.Server).InstanceId } } }))
                .AssertOkAsync();
            var clients = new[] { near.Single(c => c.Server == backup.Server), far.Single(c => c.Server == backup.Server) };
            foreach (var client in clients)
            {
                var inARow = 0;
                await Eventually.TrueAsync(async () => (inARow = (await CurlAsync(client.Nic.Namespace, url)).Contains(survivor, StringComparison.Ordinal) ? inARow + 1 : 0) >= 10,
                    TimeSpan.FromSeconds(90), "the deregistered target kept getting requests");
            }

            // The clients on the surviving server curl every 50 ms; the MASTER's server dies whole.
            var probes = clients.Select(c => Probe.Start(c.Nic.Namespace, url, survivor)).ToList();
            await Task.Delay(TimeSpan.FromSeconds(2));
            var killedAt = DateTimeOffset.UtcNow;
            await agents[master.Index].KillAsync();
            foreach (var pidFile in new[] { "keepalived-vrrp.pid", "keepalived.pid", "haproxy.pid" })
            {
                var pid = (await File.ReadAllTextAsync(Path.Combine(master.Directory, pidFile))).Trim();
                await Shell.RunAsync("pkill", "-KILL", "-P", pid);
                await Shell.RunAsync("kill", "-9", pid);
            }

            live.Remove(servers[master.Server]);
            await servers[master.Server].DisposeAsync();
            var deadAt = DateTimeOffset.UtcNow;

            await Eventually.TrueAsync(() => Task.FromResult(State(backup.Directory) == "MASTER"), TimeSpan.FromSeconds(60), "the other node never became MASTER");
            foreach (var (probe, client) in probes.Zip(clients))
            {
                await Eventually.TrueAsync(() => Task.FromResult(probe.AnsweredAfter(deadAt)), TimeSpan.FromSeconds(90),
                    $"the balancer's address never answered client {client.InstanceId} again after the MASTER's server died; the surviving agent:\n{agents[backup.Index].Output}");
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
            foreach (var (probe, what) in probes.Zip(new[] { "same subnet", "other subnet" }))
            {
                var log = await probe.StopAsync();
                await probe.DisposeAsync();
                var answered = log.Where(a => a.Answered).Select(a => a.At).ToList();
                Assert.Contains(answered, a => a < killedAt);
                Assert.Contains(answered, a => a > deadAt);
                Assert.True(log[^1].Answered, $"the address stopped answering the {what} client again after the failover");
                var gap = answered.Zip(answered.Skip(1)).Where(p => p.Second > killedAt).Max(p => (p.Second - p.First).TotalMilliseconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"internal balancer node failover, client in the {what}: {log.Count} requests, {log.Count(a => !a.Answered)} unanswered; longest time without an answer {gap:F0} ms"));
            }
        }
        finally
        {
            foreach (var httpd in httpds)
            {
                if (!httpd.HasExited)
                {
                    httpd.Kill(entireProcessTree: true);
                }

                httpd.Dispose();
            }

            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }

            foreach (var directory in new[] { "server-1", "server-2" }.SelectMany(s => NodeDirectories(work, s)))
            {
                foreach (var pidFile in new[] { "keepalived.pid", "keepalived-vrrp.pid", "haproxy.pid" })
                {
                    var path = Path.Combine(directory, pidFile);
                    if (File.Exists(path))
                    {
                        await Shell.RunAsync("kill", "-9", (await File.ReadAllTextAsync(path)).Trim());
                    }
                }
            }

            foreach (var directory in new[] { "server-1", "server-2" }.SelectMany(s => NodeDirectories(work, s)))
            {
                await Shell.RunAsync("ip", "netns", "del", NodeNamespace(Path.GetFileName(directory)));
            }

            foreach (var guest in guests)
            {
                await guest.DeleteAsync();
            }

            foreach (var server in live)
            {
                await server.DisposeAsync();
            }

            await DeleteAsync(work);
        }
    }

    private static string Id(JsonElement element, string property) => element.GetProperty(property).GetString()!;

    /// <summary>
    /// The test's directory, again after a moment if a process being killed (a node's keepalived notify script, an HAProxy worker
    /// finishing) still wrote into it: seen once as "Directory not empty" after a passing run.
    /// </summary>
    private static async Task DeleteAsync(string work)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(work, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 5)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    private static IEnumerable<string> NodeDirectories(string work, string server)
    {
        var directory = Path.Combine(work, server, "load-balancers");
        return Directory.Exists(directory) ? Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal) : [];
    }

    /// <summary>A node's namespace as the agent names it (from its bridge, br-int here, and the node's id).</summary>
    private static string NodeNamespace(string nodeId) =>
        "elb-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("br-int/" + nodeId)))[..12];

    /// <summary>The VRRP state a node's notify script last wrote, if its VRRP process still runs.</summary>
    private static string? State(string directory)
    {
        try
        {
            var pid = File.ReadAllText(Path.Combine(directory, "keepalived-vrrp.pid")).Trim();
            return Directory.Exists($"/proc/{pid}") ? File.ReadAllText(Path.Combine(directory, "vrrp-state")).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task<string> CurlAsync(string ns, string url) =>
        (await Shell.RunAsync("ip", "netns", "exec", ns, "curl", "-s", "-m", "2", url)).Output;

    /// <summary>Curls a URL every 50 ms (each request up to 1 s) until stopped: when each was sent and whether the target answered.</summary>
    private sealed class Probe : IAsyncDisposable
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(DateTimeOffset At, bool Answered)> _log = new();
        private readonly CancellationTokenSource _stop = new();
        private Task? _loop;

        public static Probe Start(string ns, string url, string expected)
        {
            var probe = new Probe();
            probe._loop = Task.Run(async () =>
            {
                while (!probe._stop.IsCancellationRequested)
                {
                    var at = DateTimeOffset.UtcNow;
                    var (_, output) = await Shell.RunAsync("ip", "netns", "exec", ns, "curl", "-s", "-m", "1", url);
                    probe._log.Enqueue((at, output.Contains(expected, StringComparison.Ordinal)));
                    await Task.Delay(50, CancellationToken.None);
                }
            }, CancellationToken.None);
            return probe;
        }

        public bool AnsweredAfter(DateTimeOffset moment) => _log.Any(a => a.At > moment && a.Answered);

        public async Task<List<(DateTimeOffset At, bool Answered)>> StopAsync()
        {
            await _stop.CancelAsync();
            await (_loop ?? Task.CompletedTask);
            return [.. _log];
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }
    }
}
