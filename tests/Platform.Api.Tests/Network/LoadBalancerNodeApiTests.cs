using System.Net;
using System.Text.Json;
using Hangfire;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Agent;
using Platform.HostAgent.Protocol;
using Platform.Modules.Network.Contracts;

namespace Platform.Api.Tests.Network;

/// <summary>
/// The load balancers' wiring to the servers, with the agent's own client and no switch: each node placed on a server of its
/// zone, composed into that server's desired state (interface, listeners, rules, target groups with their targets), kept
/// up to date as targets and rules change, and the nodes' reports recorded as ELBv2's target health and state.
/// </summary>
public sealed class LoadBalancerNodeApiTests
{
    private const string Elb = "/api/v1/elb";
    private const string Vpc = "/api/v1/vpc";

    private static readonly Dictionary<string, string?> TwoZones = new()
    {
        ["Platform:AvailabilityZones:0"] = "us-east-1a",
        ["Platform:AvailabilityZones:1"] = "us-east-1b",
    };

    private sealed record Server(string HostId, string Zone, string TunnelAddress, AgentApiClient Agent);

    private static string Text(JsonElement element, string property) => element.GetProperty(property).GetString()!;

    private static async Task<Server> EnrolAsync(PlatformApp app, HttpClient root, string name, string zone, string tunnelAddress)
    {
        var token = await (await root.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { availability_zone = zone })).AssertOkAsync();
        var agent = new AgentApiClient(app.CreateClient());
        var capacity = new HostCapacity(8, 16384);
        var enrolled = await agent.EnrolAsync(new EnrolRequest(token.GetProperty("join_token").GetString()!, name, capacity), CancellationToken.None);
        Assert.Equal(zone, enrolled.AvailabilityZone);
        agent.UseCredential(new HostCredential(enrolled.HostId, enrolled.HostSecret, enrolled.AvailabilityZone, "http://localhost"));
        await agent.ReportAsync(new HostReport(enrolled.HostId, 0, capacity, [], [], tunnelAddress), CancellationToken.None);
        return new Server(enrolled.HostId, zone, tunnelAddress, agent);
    }

    private static async Task<HostDesiredState> StateAsync(Server server, Func<HostDesiredState, bool> ready, string what)
    {
        HostDesiredState? state = null;
        await Eventually.TrueAsync(async () =>
        {
            state = await server.Agent.WaitForDesiredStateAsync(-1, TimeSpan.Zero, CancellationToken.None);
            return state is not null && ready(state);
        }, TimeSpan.FromSeconds(90), what);
        return state!;
    }

    private static async Task<int> NodesOfServerAsync(Server server, string arn) =>
        ((await server.Agent.WaitForDesiredStateAsync(-1, TimeSpan.Zero, CancellationToken.None))?.LoadBalancerNodes ?? []).Count(n => n.LoadBalancerArn == arn);

    private static Task ReportAsync(Server server, params LoadBalancerNodeReport[] nodes) =>
        server.Agent.ReportAsync(new HostReport(server.HostId, 0, new HostCapacity(8, 16384), [], [], server.TunnelAddress, LoadBalancerNodes: nodes), CancellationToken.None);

    /// <summary>An instance as Network knows it: its interface in a subnet, made as Compute's launch makes it.</summary>
    private static async Task<string> InstanceAsync(PlatformApp app, string accountId, string subnetId)
    {
        var instanceId = "i-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)) + "a";
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ISender>().Send(new CreateInstanceInterface(accountId, instanceId, subnetId, []));
        return instanceId;
    }

    private static async Task<Dictionary<string, (string State, string? Reason)>> HealthAsync(HttpClient client, string groupArn) =>
        (await (await client.GetAsync($"{Elb}/target-health?target_group_arn={Uri.EscapeDataString(groupArn)}")).AssertOkAsync()).GetProperty("target_health_descriptions")
            .EnumerateArray().ToDictionary(h => Text(h.GetProperty("target"), "id"),
                h => (Text(h.GetProperty("target_health"), "state"), h.GetProperty("target_health").TryGetProperty("reason", out var r) ? r.GetString() : null));

    private static async Task<string> StateOfAsync(HttpClient client, string lbArn) =>
        Text((await (await client.GetAsync($"{Elb}/load-balancers?load_balancer_arn={Uri.EscapeDataString(lbArn)}")).AssertOkAsync())
            .GetProperty("load_balancers")[0].GetProperty("state"), "code");

    [Fact]
    public async Task Given_an_internal_ALB_in_two_zones_Then_each_zone_s_server_carries_its_node_with_the_balancer_s_rules_and_targets_and_its_reports_become_target_health()
    {
        await using var app = new PlatformApp(settings: TwoZones);
        using var root = app.SignedClient(app.RootCredentials);
        var one = await EnrolAsync(app, root, "server-a", "us-east-1a", "192.0.2.1");
        var two = await EnrolAsync(app, root, "server-b", "us-east-1b", "192.0.2.2");
        var tenant = await root.CreateAccountAsync("elb-nodes");
        using var client = app.SignedClient(tenant);

        var vpcId = Text(await (await client.PostJsonAsync($"{Vpc}/vpcs", new { cidr_block = "10.70.0.0/16" })).AssertOkAsync(), "vpc_id");
        async Task<string> Subnet(string cidr, string zone) =>
            Text(await (await client.PostJsonAsync($"{Vpc}/subnets", new { vpc_id = vpcId, cidr_block = cidr, availability_zone = zone })).AssertOkAsync(), "subnet_id");
        var subnetA = await Subnet("10.70.1.0/24", "us-east-1a");
        var subnetB = await Subnet("10.70.2.0/24", "us-east-1b");
        var web1 = await InstanceAsync(app, tenant.AccountId, subnetA);
        var web2 = await InstanceAsync(app, tenant.AccountId, subnetB);
        var enis = (await (await client.GetAsync($"{Vpc}/network-interfaces?vpc_id={vpcId}")).AssertOkAsync()).GetProperty("network_interfaces").EnumerateArray().ToList();
        string IpOf(string instanceId) => Text(enis.Single(n => n.TryGetProperty("attachment", out var a) && a.ValueKind == JsonValueKind.Object
            && Text(a, "instance_id") == instanceId), "private_ip_address");

        var webArn = Text(await (await client.PostJsonAsync($"{Elb}/target-groups", new
        {
            name = "web", protocol = "HTTP", port = 80, vpc_id = vpcId, health_check_path = "/health", health_check_interval_seconds = 5, health_check_timeout_seconds = 2,
            healthy_threshold_count = 2, matcher = new { http_code = "200-299" },
        })).AssertOkAsync(), "target_group_arn");
        var apiArn = Text(await (await client.PostJsonAsync($"{Elb}/target-groups", new { name = "api", protocol = "HTTP", port = 8080, vpc_id = vpcId })).AssertOkAsync(), "target_group_arn");
        await (await client.PostJsonAsync($"{Elb}/targets/register", new { target_group_arn = webArn, targets = new[] { new { id = web1 }, new { id = web2 } } })).AssertOkAsync();
        await (await client.PostJsonAsync($"{Elb}/targets/register", new { target_group_arn = apiArn, targets = new[] { new { id = web2 } } })).AssertOkAsync();

        var lb = await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "front", scheme = "internal", subnets = new[] { subnetA, subnetB } })).AssertOkAsync();
        var lbArn = Text(lb, "load_balancer_arn");
        Assert.Equal("provisioning", Text(lb.GetProperty("state"), "code"));
        var listenerArn = Text(await (await client.PostJsonAsync($"{Elb}/listeners", new
        {
            load_balancer_arn = lbArn, protocol = "HTTP", port = 80, default_actions = new[] { new { type = "forward", target_group_arn = webArn } },
        })).AssertOkAsync(), "listener_arn");
        await (await client.PostJsonAsync($"{Elb}/rules", new
        {
            listener_arn = listenerArn,
            priority = 10,
            conditions = new[] { new { field = "path-pattern", path_pattern_config = new { values = new[] { "/api/*" } } } },
            actions = new[] { new { type = "forward", target_group_arn = apiArn } },
        })).AssertOkAsync();

        // Each server carries the first node of its own zone's subnet, with the balancer's whole configuration. Each zone has three
        // interfaces: the zone's address (virtual: the pair's MASTER holds it) and each node's own; the peers wait for a second server.
        var nodeEnis = (await (await client.GetAsync($"{Vpc}/network-interfaces?vpc_id={vpcId}")).AssertOkAsync()).GetProperty("network_interfaces").EnumerateArray()
            .Where(n => Text(n, "description").StartsWith("ELB app/front/", StringComparison.Ordinal)).GroupBy(n => Text(n, "subnet_id")).ToDictionary(g => g.Key, g => g.ToList());
        var zoneAddresses = lb.GetProperty("availability_zones").EnumerateArray()
            .ToDictionary(z => Text(z, "subnet_id"), z => Text(z.GetProperty("load_balancer_addresses")[0], "private_i_pv4_address"));
        foreach (var (server, subnetId, cidr) in new[] { (one, subnetA, "10.70.1.0/24"), (two, subnetB, "10.70.2.0/24") })
        {
            var state = await StateAsync(server, s => s.LoadBalancerNodes is [{ Listeners: [{ Rules.Count: 1 }] }], $"the node did not reach {server.HostId}");
            var node = state.LoadBalancerNodes!.Single();
            Assert.Equal(3, nodeEnis[subnetId].Count);
            var eni = nodeEnis[subnetId].Single(n => Text(n, "network_interface_id") == node.NodeId);
            Assert.Contains(nodeEnis[subnetId], n => Text(n, "private_ip_address") == zoneAddresses[subnetId]);
            Assert.NotEqual(zoneAddresses[subnetId], node.PrivateIpAddress);
            Assert.Equal((lbArn, "application", vpcId, cidr, cidr.Replace("0/24", "1/24", StringComparison.Ordinal)[..^3], Text(eni, "private_ip_address"), Text(eni, "mac_address"), (string?)null,
                    zoneAddresses[subnetId], (DesiredNodePeer?)null),
                (node.LoadBalancerArn, node.Type, node.VpcId, node.SubnetCidr, node.Gateway, node.PrivateIpAddress, node.MacAddress, node.PublicIpAddress,
                    node.VirtualIpAddress, node.Peer));
            // The node's VPC is the server's even with no guest of it there.
            Assert.Contains(state.Networks!, n => n.VpcId == vpcId && n.IsolationId == node.VpcIsolationId);
            var listener = node.Listeners.Single();
            Assert.Equal((80, "HTTP", "forward", webArn), (listener.Port, listener.Protocol, listener.DefaultAction.Type, listener.DefaultAction.TargetGroups!.Single().TargetGroupArn));
            var rule = listener.Rules.Single();
            Assert.Equal((10, "path-pattern", "/api/*", apiArn), (rule.Priority, rule.Conditions.Single().Field, rule.Conditions.Single().Values.Single(), rule.Action.TargetGroups!.Single().TargetGroupArn));
            var web = node.TargetGroups.Single(g => g.TargetGroupArn == webArn);
            Assert.Equal(("HTTP", "/health", 5, 2, "200-299"), (web.HealthCheckProtocol, web.HealthCheckPath, web.HealthCheckIntervalSeconds, web.HealthyThresholdCount, web.Matcher));
            Assert.Equal(new[] { (web1, IpOf(web1), 80, false), (web2, IpOf(web2), 80, false) }.OrderBy(t => t.Item1, StringComparer.Ordinal),
                web.Targets.Select(t => (t.TargetId, t.IpAddress, t.Port, t.Draining)).OrderBy(t => t.TargetId, StringComparer.Ordinal));
            Assert.Equal([(web2, 8080)], node.TargetGroups.Single(g => g.TargetGroupArn == apiArn).Targets.Select(t => (t.TargetId, t.Port)));
        }

        // A deregistered target reaches the nodes as draining.
        await (await client.PostJsonAsync($"{Elb}/targets/deregister", new { target_group_arn = apiArn, targets = new[] { new { id = web2 } } })).AssertOkAsync();
        await StateAsync(one, s => s.LoadBalancerNodes is [var n] && n.TargetGroups.Single(g => g.TargetGroupArn == apiArn).Targets is [{ Draining: true }],
            "the deregistered target did not reach the node as draining");

        // Server b's report cannot speak for server a's node: nothing changes.
        var nodeA = Assert.Single((await StateAsync(one, _ => true, "server a has no state")).LoadBalancerNodes!).NodeId;
        var serving = new LoadBalancerNodeReport(lbArn, nodeA, true, [
            new TargetHealthReport(webArn, web1, 80, "healthy", null),
            new TargetHealthReport(webArn, web2, 80, "unhealthy", "Target.ResponseCodeMismatch"),
        ]);
        await ReportAsync(two, serving);
        Assert.Equal("provisioning", await StateOfAsync(client, lbArn));
        Assert.All((await HealthAsync(client, webArn)).Values, h => Assert.Equal(("initial", "Elb.RegistrationInProgress"), h));

        // Server a's report: the balancer is active and the targets' health is the node's.
        await ReportAsync(one, serving);
        Assert.Equal("active", await StateOfAsync(client, lbArn));
        var health = await HealthAsync(client, webArn);
        Assert.Equal(("healthy", null), health[web1]);
        Assert.Equal(("unhealthy", "Target.ResponseCodeMismatch"), health[web2]);

        // Deleted: the nodes leave their servers.
        await (await client.DeleteAsync($"{Elb}/load-balancers?load_balancer_arn={Uri.EscapeDataString(lbArn)}")).AssertOkAsync();
        await StateAsync(one, s => s.LoadBalancerNodes is [], "the deleted balancer's node stayed on server a");
        await StateAsync(two, s => s.LoadBalancerNodes is [], "the deleted balancer's node stayed on server b");
    }

    [Fact]
    public async Task Given_an_internet_facing_ALB_with_a_security_group_Then_its_node_carries_its_public_address_and_the_group_s_rules_and_SetSecurityGroups_replaces_them()
    {
        await using var app = new PlatformApp(settings: new Dictionary<string, string?>(TwoZones)
        {
            ["Network:PublicAddresses:Cidr"] = "198.51.100.0/24",
            ["Network:PublicAddresses:Gateway"] = "198.51.100.1",
        });
        using var root = app.SignedClient(app.RootCredentials);
        var one = await EnrolAsync(app, root, "server-a", "us-east-1a", "192.0.2.1");
        var tenant = await root.CreateAccountAsync("elb-public");
        var stranger = await root.CreateAccountAsync("elb-stranger");
        using var client = app.SignedClient(tenant);
        using var other = app.SignedClient(stranger);
        var vpcId = Text(await (await client.PostJsonAsync($"{Vpc}/vpcs", new { cidr_block = "10.72.0.0/16" })).AssertOkAsync(), "vpc_id");
        var elsewhere = Text(await (await client.PostJsonAsync($"{Vpc}/vpcs", new { cidr_block = "10.73.0.0/16" })).AssertOkAsync(), "vpc_id");
        var subnetA = Text(await (await client.PostJsonAsync($"{Vpc}/subnets", new { vpc_id = vpcId, cidr_block = "10.72.1.0/24", availability_zone = "us-east-1a" })).AssertOkAsync(), "subnet_id");
        var subnetB = Text(await (await client.PostJsonAsync($"{Vpc}/subnets", new { vpc_id = vpcId, cidr_block = "10.72.2.0/24", availability_zone = "us-east-1b" })).AssertOkAsync(), "subnet_id");
        var igw = Text(await (await client.PostJsonAsync($"{Vpc}/internet-gateways", new { })).AssertOkAsync(), "internet_gateway_id");
        await (await client.PostJsonAsync($"{Vpc}/internet-gateways/{igw}/attach", new { vpc_id = vpcId })).AssertOkAsync();
        async Task<string> Group(string vpc, string name, int port, string cidr)
        {
            var id = Text(await (await client.PostJsonAsync($"{Vpc}/security-groups", new { group_name = name, description = name, vpc_id = vpc })).AssertOkAsync(), "group_id");
            await (await client.PostJsonAsync($"{Vpc}/security-groups/{id}/ingress-rules",
                new { rules = new[] { new { ip_protocol = "tcp", from_port = port, to_port = port, cidr_ip = cidr } } })).AssertOkAsync();
            return id;
        }

        var web = await Group(vpcId, "lb-web", 80, "0.0.0.0/0");
        var alt = await Group(vpcId, "lb-alt", 8080, "10.0.0.0/8");
        var far = await Group(elsewhere, "far", 80, "0.0.0.0/0");

        var lb = await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "public", subnets = new[] { subnetA, subnetB }, security_groups = new[] { web } })).AssertOkAsync();
        var lbArn = Text(lb, "load_balancer_arn");
        var zoneA = lb.GetProperty("availability_zones").EnumerateArray().Single(z => Text(z, "zone_name") == "us-east-1a").GetProperty("load_balancer_addresses")[0];
        var publicIp = Text(zoneA, "ip_address");

        // The node carries its zone's public address (the agent NATs it on the uplink) and the group's rules for its port.
        var node = (await StateAsync(one, s => s.LoadBalancerNodes is [_], "the node did not reach server a")).LoadBalancerNodes!.Single();
        Assert.Equal((publicIp, Text(zoneA, "private_i_pv4_address")), (node.PublicIpAddress, node.PrivateIpAddress));
        Assert.Equal([new DesiredFirewallRule("tcp", 80, 80, "0.0.0.0/0")], node.Ingress);
        Assert.NotNull(node.Egress);

        // Bad input: ELBv2's errors, and the groups stay as they were.
        await (await client.PostJsonAsync($"{Elb}/load-balancers/security-groups", new { load_balancer_arn = lbArn, security_groups = new[] { far } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSecurityGroup");
        await (await client.PostJsonAsync($"{Elb}/load-balancers/security-groups", new { load_balancer_arn = lbArn, security_groups = new[] { "sg-0123456789abcdef0" } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSecurityGroup");
        await (await client.PostJsonAsync($"{Elb}/load-balancers/security-groups", new { load_balancer_arn = lbArn, security_groups = Array.Empty<string>() }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidConfigurationRequest");
        await (await client.PostJsonAsync($"{Elb}/load-balancers/security-groups", new { load_balancer_arn = lbArn }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await other.PostJsonAsync($"{Elb}/load-balancers/security-groups", new { load_balancer_arn = lbArn, security_groups = new[] { web } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "LoadBalancerNotFound");
        async Task<List<string?>> GroupsAsync() => [.. (await (await client.GetAsync($"{Elb}/load-balancers?load_balancer_arn={Uri.EscapeDataString(lbArn)}")).AssertOkAsync())
            .GetProperty("load_balancers")[0].GetProperty("security_groups").EnumerateArray().Select(g => g.GetString())];
        Assert.Equal([web], await GroupsAsync());

        // Replaced: describe says so, and the node's port gets the new group's rules, and later rules of that group too.
        var set = await (await client.PostJsonAsync($"{Elb}/load-balancers/security-groups", new { load_balancer_arn = lbArn, security_groups = new[] { alt } })).AssertOkAsync();
        Assert.Equal([alt], set.GetProperty("security_group_ids").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal([alt], await GroupsAsync());
        await StateAsync(one, s => s.LoadBalancerNodes is [{ Ingress: [{ Protocol: "tcp", FromPort: 8080, ToPort: 8080, Cidr: "10.0.0.0/8" }] }],
            "the node's port did not get the new group's rules");
        await (await client.PostJsonAsync($"{Vpc}/security-groups/{alt}/ingress-rules",
            new { rules = new[] { new { ip_protocol = "tcp", from_port = 443, to_port = 443, cidr_ip = "0.0.0.0/0" } } })).AssertOkAsync();
        await StateAsync(one, s => s.LoadBalancerNodes is [{ Ingress.Count: 2 } n] && n.Ingress.Any(r => r.FromPort == 443),
            "a rule added to the balancer's group did not reach its node");

        // Deleted: both nodes' public addresses go back to the pool.
        Assert.Equal(2, await Database.ScalarAsync<long>(app.DatabasePath, "SELECT count(*) FROM network_elastic_addresses WHERE account_id = 'amazon-elb'"));
        await (await client.DeleteAsync($"{Elb}/load-balancers?load_balancer_arn={Uri.EscapeDataString(lbArn)}")).AssertOkAsync();
        Assert.Equal(0, await Database.ScalarAsync<long>(app.DatabasePath, "SELECT count(*) FROM network_elastic_addresses WHERE account_id = 'amazon-elb'"));
        await StateAsync(one, s => s.LoadBalancerNodes is [], "the deleted balancer's node stayed on server a");
    }

    [Fact]
    public async Task Given_a_zone_without_a_server_Then_its_node_waits_unplaced_until_a_server_of_the_zone_joins_and_the_placement_job_places_it_once()
    {
        await using var app = new PlatformApp(settings: TwoZones);
        using var root = app.SignedClient(app.RootCredentials);
        var one = await EnrolAsync(app, root, "server-a", "us-east-1a", "192.0.2.1");
        var tenant = await root.CreateAccountAsync("elb-one-zone");
        using var client = app.SignedClient(tenant);
        var vpcId = Text(await (await client.PostJsonAsync($"{Vpc}/vpcs", new { cidr_block = "10.71.0.0/16" })).AssertOkAsync(), "vpc_id");
        var subnetA = Text(await (await client.PostJsonAsync($"{Vpc}/subnets", new { vpc_id = vpcId, cidr_block = "10.71.1.0/24", availability_zone = "us-east-1a" })).AssertOkAsync(), "subnet_id");
        var subnetB = Text(await (await client.PostJsonAsync($"{Vpc}/subnets", new { vpc_id = vpcId, cidr_block = "10.71.2.0/24", availability_zone = "us-east-1b" })).AssertOkAsync(), "subnet_id");
        var lbArn = Text(await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "half", scheme = "internal", subnets = new[] { subnetA, subnetB } })).AssertOkAsync(), "load_balancer_arn");

        var state = await StateAsync(one, s => s.LoadBalancerNodes is [_], "the zone a node did not reach its server");
        Assert.Equal("10.71.1.0/24", state.LoadBalancerNodes!.Single().SubnetCidr);
        Assert.Equal("provisioning", await StateOfAsync(client, lbArn));
        await (await client.GetAsync($"{Elb}/load-balancers?load_balancer_arn=arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/x/0000000000000000"))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "LoadBalancerNotFound");

        // A server of zone b joins: the placement job (runs racing, as two replicas' would) gives it zone b's node, once.
        var two = await EnrolAsync(app, root, "server-b", "us-east-1b", "192.0.2.2");
        var jobs = app.Services.GetRequiredService<IRecurringJobManager>();
        await Eventually.TrueAsync(async () =>
        {
            jobs.Trigger("elb-node-placement");
            jobs.Trigger("elb-node-placement");
            var desired = await two.Agent.WaitForDesiredStateAsync(-1, TimeSpan.Zero, CancellationToken.None);
            return desired?.LoadBalancerNodes is [_];
        }, TimeSpan.FromSeconds(90), "zone b's node was never placed on the server that joined");
        Assert.Equal("10.71.2.0/24", Assert.Single((await StateAsync(two, s => s.LoadBalancerNodes is [_], "zone b's node left")).LoadBalancerNodes!).SubnetCidr);
        Assert.Equal("10.71.1.0/24", Assert.Single((await StateAsync(one, s => s.LoadBalancerNodes is [_], "zone a's node left")).LoadBalancerNodes!).SubnetCidr);
    }

    [Fact]
    public async Task Given_an_internet_facing_ALB_Then_each_zone_has_a_pair_of_nodes_on_two_servers_naming_each_other_as_peers_the_second_placed_once_when_a_second_server_joins()
    {
        await using var app = new PlatformApp(settings: new Dictionary<string, string?>(TwoZones)
        {
            ["Network:PublicAddresses:Cidr"] = "198.51.100.0/24",
            ["Network:PublicAddresses:Gateway"] = "198.51.100.1",
        });
        using var root = app.SignedClient(app.RootCredentials);
        var first = await EnrolAsync(app, root, "server-a1", "us-east-1a", "192.0.2.1");
        var tenant = await root.CreateAccountAsync("elb-pairs");
        using var client = app.SignedClient(tenant);
        var vpcId = Text(await (await client.PostJsonAsync($"{Vpc}/vpcs", new { cidr_block = "10.74.0.0/16" })).AssertOkAsync(), "vpc_id");
        var subnetA = Text(await (await client.PostJsonAsync($"{Vpc}/subnets", new { vpc_id = vpcId, cidr_block = "10.74.1.0/24", availability_zone = "us-east-1a" })).AssertOkAsync(), "subnet_id");
        var subnetB = Text(await (await client.PostJsonAsync($"{Vpc}/subnets", new { vpc_id = vpcId, cidr_block = "10.74.2.0/24", availability_zone = "us-east-1b" })).AssertOkAsync(), "subnet_id");
        var igw = Text(await (await client.PostJsonAsync($"{Vpc}/internet-gateways", new { })).AssertOkAsync(), "internet_gateway_id");
        await (await client.PostJsonAsync($"{Vpc}/internet-gateways/{igw}/attach", new { vpc_id = vpcId })).AssertOkAsync();
        var lb = await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "paired", subnets = new[] { subnetA, subnetB } })).AssertOkAsync();
        var lbArn = Text(lb, "load_balancer_arn");
        var zoneA = lb.GetProperty("availability_zones").EnumerateArray().Single(z => Text(z, "zone_name") == "us-east-1a").GetProperty("load_balancer_addresses").EnumerateArray().Single();
        var publicIp = Text(zoneA, "ip_address");
        var nodeIp = Text(zoneA, "private_i_pv4_address");
        // Each zone's pair has two interfaces of its own (two addresses of the subnet); the public address is the zone's one.
        var interfaces = $"SELECT count(*) FROM network_network_interfaces WHERE description LIKE 'ELB app/paired/%'";
        Assert.Equal(4, await Database.ScalarAsync<long>(app.DatabasePath, interfaces));

        // One server in the zone: its node runs alone (no peer), answering for the address.
        var alone = Assert.Single((await StateAsync(first, s => s.LoadBalancerNodes is [_], "zone a's node did not reach server a1")).LoadBalancerNodes!);
        Assert.Equal((nodeIp, publicIp, (DesiredNodePeer?)null), (alone.PrivateIpAddress, alone.PublicIpAddress, alone.Peer));

        // A second server of the zone joins: the placement job (racing itself, as two replicas' would) puts the peer there, once,
        // and each node names the other as its keepalived peer (one router id, two priorities).
        var second = await EnrolAsync(app, root, "server-a2", "us-east-1a", "192.0.2.2");
        var jobs = app.Services.GetRequiredService<IRecurringJobManager>();
        await Eventually.TrueAsync(async () =>
        {
            jobs.Trigger("elb-node-placement");
            jobs.Trigger("elb-node-placement");
            var desired = await second.Agent.WaitForDesiredStateAsync(-1, TimeSpan.Zero, CancellationToken.None);
            return desired?.LoadBalancerNodes is [_];
        }, TimeSpan.FromSeconds(90), "the pair's second node was never placed on the server that joined");
        var peer = Assert.Single((await StateAsync(second, s => s.LoadBalancerNodes is [{ Peer: not null }], "the second node has no peer")).LoadBalancerNodes!);
        var paired = Assert.Single((await StateAsync(first, s => s.LoadBalancerNodes is [{ Peer: not null }], "the first node never learnt its peer")).LoadBalancerNodes!);
        Assert.NotEqual(paired.NodeId, peer.NodeId);
        Assert.NotEqual(nodeIp, peer.PrivateIpAddress);
        Assert.Equal("10.74.1.0/24", peer.SubnetCidr);
        Assert.Equal(publicIp, peer.PublicIpAddress);
        Assert.Equal((peer.PrivateIpAddress, nodeIp), (paired.Peer!.PrivateIpAddress, peer.Peer!.PrivateIpAddress));
        Assert.Equal(paired.Peer.VirtualRouterId, peer.Peer.VirtualRouterId);
        Assert.NotEqual(paired.Peer.Priority, peer.Peer.Priority);
        Assert.Equal(paired.Listeners, peer.Listeners);
        // Each server reaches the other's node through the VPC's tunnel (VRRP and the targets' replies go there).
        await StateAsync(first, s => (s.Networks ?? []).Any(n => n.VpcId == vpcId
            && (n.RemoteInterfaces ?? []).Any(r => r.PrivateIpAddress == peer.PrivateIpAddress && r.HostTunnelAddress == second.TunnelAddress)),
            "server a1 does not know where its node's peer runs");

        // Placed once: more runs and a third server of the zone change nothing.
        var third = await EnrolAsync(app, root, "server-a3", "us-east-1a", "192.0.2.3");
        jobs.Trigger("elb-node-placement");
        jobs.Trigger("elb-node-placement");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal([], (await StateAsync(third, _ => true, "server a3 has no state")).LoadBalancerNodes ?? []);
        Assert.Equal(peer.NodeId, Assert.Single((await StateAsync(second, _ => true, "server a2 has no state")).LoadBalancerNodes!).NodeId);

        // A balancer made now, with three servers in the zone, is paired at once on two of them; an internal one too.
        async Task<List<DesiredLoadBalancerNode>> NodesOfAsync(string arn, int count) => (await Task.WhenAll(new[] { first, second, third }.Select(async server =>
        {
            var desired = await server.Agent.WaitForDesiredStateAsync(-1, TimeSpan.Zero, CancellationToken.None);
            return (desired?.LoadBalancerNodes ?? []).Where(n => n.LoadBalancerArn == arn).ToList();
        }))).SelectMany(n => n).ToList() is { } found && found.Count == count ? found : [];
        var nowArn = Text(await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "paired-now", subnets = new[] { subnetA, subnetB } })).AssertOkAsync(), "load_balancer_arn");
        List<DesiredLoadBalancerNode> pair = [];
        await Eventually.TrueAsync(async () => (pair = await NodesOfAsync(nowArn, 2)).Count == 2, TimeSpan.FromSeconds(90), "the new balancer's pair did not reach two servers");
        Assert.Equal(pair[0].PrivateIpAddress, pair[1].Peer?.PrivateIpAddress);
        Assert.Equal(pair[1].PrivateIpAddress, pair[0].Peer?.PrivateIpAddress);
        // The internal one's pair shares the zone's private address (the balancer's, a third interface of the subnet): both nodes are
        // told it, and the server carrying neither knows it at both nodes' servers (what it routes there goes to both).
        var innerLb = await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "inner", scheme = "internal", subnets = new[] { subnetA, subnetB } })).AssertOkAsync();
        var internalArn = Text(innerLb, "load_balancer_arn");
        var innerAddress = Text(innerLb.GetProperty("availability_zones").EnumerateArray().Single(z => Text(z, "zone_name") == "us-east-1a").GetProperty("load_balancer_addresses")[0],
            "private_i_pv4_address");
        Assert.Equal(6, await Database.ScalarAsync<long>(app.DatabasePath, "SELECT count(*) FROM network_network_interfaces WHERE description LIKE 'ELB app/inner/%'"));
        List<DesiredLoadBalancerNode> inner = [];
        await Eventually.TrueAsync(async () => (inner = await NodesOfAsync(internalArn, 2)).Count == 2, TimeSpan.FromSeconds(90), "the internal balancer's pair did not reach two servers");
        Assert.All(inner, n => Assert.Equal((innerAddress, (string?)null), (n.VirtualIpAddress, n.PublicIpAddress)));
        Assert.DoesNotContain(inner, n => n.PrivateIpAddress == innerAddress);
        Assert.Equal(inner[0].PrivateIpAddress, inner[1].Peer?.PrivateIpAddress);
        Assert.Equal(inner[1].PrivateIpAddress, inner[0].Peer?.PrivateIpAddress);
        // Each node's server knows the pair's address at the other node (what it routes there goes to both: its own node too).
        foreach (var (node, other) in new[] { (inner[0], inner[1]), (inner[1], inner[0]) })
        {
            var carrier = (await Task.WhenAll(new[] { first, second, third }.Select(async server => (Server: server,
                Nodes: (await server.Agent.WaitForDesiredStateAsync(-1, TimeSpan.Zero, CancellationToken.None))?.LoadBalancerNodes ?? []))))
                .Single(s => s.Nodes.Any(n => n.NodeId == node.NodeId)).Server;
            await StateAsync(carrier, s => (s.Networks ?? []).Any(n => n.VpcId == vpcId && (n.RemoteInterfaces ?? []).Where(r => r.PrivateIpAddress == innerAddress)
                    .Select(r => r.MacAddress).SequenceEqual([other.MacAddress])),
                "a node's server does not know the pair's address at the other node");
        }

        // Deleted: both nodes of each zone go, interfaces and all, from both servers.
        await (await client.DeleteAsync($"{Elb}/load-balancers?load_balancer_arn={Uri.EscapeDataString(lbArn)}")).AssertOkAsync();
        Assert.Equal(0, await Database.ScalarAsync<long>(app.DatabasePath, interfaces));
        await StateAsync(second, s => s.LoadBalancerNodes!.All(n => n.LoadBalancerArn != lbArn), "the deleted balancer's peer stayed on server a2");
    }

    [Fact]
    public async Task Given_balancers_made_before_pairs_Then_the_placement_job_pairs_them_once_and_a_lost_server_s_node_is_placed_again_beside_its_surviving_peer()
    {
        await using var app = new PlatformApp(settings: new Dictionary<string, string?>
        {
            ["Platform:AvailabilityZones:0"] = "us-east-1a",
            ["Compute:HeartbeatTimeout"] = "00:00:05",
            ["Network:PublicAddresses:Cidr"] = "198.51.100.0/24",
            ["Network:PublicAddresses:Gateway"] = "198.51.100.1",
        });
        using var root = app.SignedClient(app.RootCredentials);
        var one = await EnrolAsync(app, root, "server-1", "us-east-1a", "192.0.2.1");
        // The servers report every second while alive (the heartbeat timeout is 5 s here).
        var alive = new System.Collections.Concurrent.ConcurrentDictionary<string, Server>(StringComparer.Ordinal) { [one.HostId] = one };
        using var stop = new CancellationTokenSource();
        var heartbeats = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var server in alive.Values)
                {
                    await ReportAsync(server);
                }

                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            }
        }, CancellationToken.None);
        try
        {
            var tenant = await root.CreateAccountAsync("elb-upgrade");
            using var client = app.SignedClient(tenant);
            var vpcId = Text(await (await client.PostJsonAsync($"{Vpc}/vpcs", new { cidr_block = "10.75.0.0/16" })).AssertOkAsync(), "vpc_id");
            var subnet = Text(await (await client.PostJsonAsync($"{Vpc}/subnets", new { vpc_id = vpcId, cidr_block = "10.75.1.0/24", availability_zone = "us-east-1a" })).AssertOkAsync(), "subnet_id");
            var igw = Text(await (await client.PostJsonAsync($"{Vpc}/internet-gateways", new { })).AssertOkAsync(), "internet_gateway_id");
            await (await client.PostJsonAsync($"{Vpc}/internet-gateways/{igw}/attach", new { vpc_id = vpcId })).AssertOkAsync();

            // Two balancers as they were made before pairs: one node in the zone, no peer's (or internal first node's) interface.
            async Task<(string Arn, string Address)> OldAsync(string name, string scheme)
            {
                var lb = await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name, scheme, subnets = new[] { subnet } })).AssertOkAsync();
                var arn = Text(lb, "load_balancer_arn");
                var zone = System.Text.Json.Nodes.JsonNode.Parse(await Database.ScalarAsync<string>(app.DatabasePath, $"SELECT nodes_json FROM network_load_balancers WHERE arn = '{arn}'") ?? "")!.AsArray()[0]!.AsObject();
                foreach (var extra in new[] { "peer_network_interface_id", "first_network_interface_id" })
                {
                    if (zone[extra]?.GetValue<string>() is { } eni)
                    {
                        await Database.ExecuteAsync(app.DatabasePath, "DELETE FROM network_interface_security_groups WHERE interface_id = $id", ("$id", eni));
                        await Database.ExecuteAsync(app.DatabasePath, "DELETE FROM network_network_interfaces WHERE id = $id", ("$id", eni));
                    }
                }

                foreach (var property in new[] { "peer_network_interface_id", "peer_private_ip_address", "peer_host_id", "first_network_interface_id", "first_private_ip_address" })
                {
                    zone.Remove(property);
                }

                Assert.Equal(1, await Database.ExecuteAsync(app.DatabasePath, "UPDATE network_load_balancers SET nodes_json = $nodes WHERE arn = $arn",
                    ("$nodes", "[" + zone.ToJsonString() + "]"), ("$arn", arn)));
                return (arn, Text(lb.GetProperty("availability_zones")[0].GetProperty("load_balancer_addresses")[0], "private_i_pv4_address"));
            }

            var inner = await OldAsync("inner-old", "internal");
            var outer = await OldAsync("outer-old", "internet-facing");
            string Interfaces(string name) => $"SELECT count(*) FROM network_network_interfaces WHERE description LIKE 'ELB app/{name}/%'";
            Assert.Equal((1, 1), (await Database.ScalarAsync<long>(app.DatabasePath, Interfaces("inner-old")), await Database.ScalarAsync<long>(app.DatabasePath, Interfaces("outer-old"))));
            var jobs = app.Services.GetRequiredService<IRecurringJobManager>();
            jobs.Trigger("elb-node-placement");
            var alone = await StateAsync(one, s => s.LoadBalancerNodes is { Count: 2 }, "the old balancers' nodes are not on server 1");
            Assert.All(alone.LoadBalancerNodes!, n => Assert.Equal(((DesiredNodePeer?)null, (string?)null), (n.Peer, n.VirtualIpAddress)));
            Assert.Equal(inner.Address, alone.LoadBalancerNodes!.Single(n => n.LoadBalancerArn == inner.Arn).PrivateIpAddress);

            // A second server joins: the job (racing itself, as two replicas' would) gives each its pair, once.
            var two = await EnrolAsync(app, root, "server-2", "us-east-1a", "192.0.2.2");
            alive[two.HostId] = two;
            await Eventually.TrueAsync(async () =>
            {
                jobs.Trigger("elb-node-placement");
                jobs.Trigger("elb-node-placement");
                return await NodesOfServerAsync(two, inner.Arn) == 1 && await NodesOfServerAsync(two, outer.Arn) == 1;
            }, TimeSpan.FromSeconds(90), "the old balancers' second nodes were never placed on the server that joined");
            Assert.Equal((3, 2), (await Database.ScalarAsync<long>(app.DatabasePath, Interfaces("inner-old")), await Database.ScalarAsync<long>(app.DatabasePath, Interfaces("outer-old"))));
            var paired = (await StateAsync(one, s => s.LoadBalancerNodes is { Count: 2 } n && n.All(x => x.Peer is not null), "server 1's nodes never learnt their peers")).LoadBalancerNodes!;
            var peers = (await StateAsync(two, s => s.LoadBalancerNodes is { Count: 2 } n && n.All(x => x.Peer is not null), "server 2's nodes have no peers")).LoadBalancerNodes!;
            // The internal one keeps its address, now the pair's virtual one, held by neither node as its own.
            var innerNodes = paired.Concat(peers).Where(n => n.LoadBalancerArn == inner.Arn).ToList();
            Assert.All(innerNodes, n => Assert.Equal(inner.Address, n.VirtualIpAddress));
            Assert.DoesNotContain(innerNodes, n => n.PrivateIpAddress == inner.Address);
            Assert.Equal(innerNodes[0].PrivateIpAddress, innerNodes[1].Peer!.PrivateIpAddress);
            var outerNodes = paired.Concat(peers).Where(n => n.LoadBalancerArn == outer.Arn).ToList();
            Assert.Equal(outer.Address, outerNodes.Single(n => n.Peer!.Priority == 110).PrivateIpAddress);
            Assert.Equal(outerNodes[0].PublicIpAddress, outerNodes[1].PublicIpAddress);
            var nodesJson = "SELECT group_concat(nodes_json, '|') FROM (SELECT nodes_json FROM network_load_balancers ORDER BY arn)";
            var pairedJson = await Database.ScalarAsync<string>(app.DatabasePath, nodesJson);
            jobs.Trigger("elb-node-placement");
            jobs.Trigger("elb-node-placement");
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Equal(pairedJson, await Database.ScalarAsync<string>(app.DatabasePath, nodesJson));

            // Server 2 is lost (it stops reporting) with a third server there: its nodes go to the third, the same interfaces, and
            // server 1's nodes (the survivors) keep running, now with the moved nodes as peers; nothing is deleted.
            var three = await EnrolAsync(app, root, "server-3", "us-east-1a", "192.0.2.3");
            alive[three.HostId] = three;
            alive.TryRemove(two.HostId, out _);
            await Eventually.TrueAsync(async () =>
            {
                jobs.Trigger("elb-node-placement");
                jobs.Trigger("elb-node-placement");
                return await NodesOfServerAsync(three, inner.Arn) == 1 && await NodesOfServerAsync(three, outer.Arn) == 1;
            }, TimeSpan.FromSeconds(90), "the lost server's nodes were never placed again");
            var moved = (await StateAsync(three, s => s.LoadBalancerNodes is { Count: 2 }, "server 3 lost its nodes")).LoadBalancerNodes!;
            Assert.Equal(peers.Select(n => n.NodeId).Order(StringComparer.Ordinal), moved.Select(n => n.NodeId).Order(StringComparer.Ordinal));
            Assert.All(moved, n => Assert.NotNull(n.Peer));
            var survivors = (await StateAsync(one, s => s.LoadBalancerNodes is { Count: 2 }, "server 1 lost its nodes")).LoadBalancerNodes!;
            Assert.Equal(paired.Select(n => (n.NodeId, n.Peer)).OrderBy(n => n.NodeId, StringComparer.Ordinal), survivors.Select(n => (n.NodeId, n.Peer)).OrderBy(n => n.NodeId, StringComparer.Ordinal));
            await StateAsync(one, s => (s.Networks ?? []).Any(n => n.VpcId == vpcId
                && moved.All(m => (n.RemoteInterfaces ?? []).Any(r => r.PrivateIpAddress == m.PrivateIpAddress && r.HostTunnelAddress == three.TunnelAddress))),
                "server 1 does not know its peers moved to server 3");
            Assert.Equal((3, 2), (await Database.ScalarAsync<long>(app.DatabasePath, Interfaces("inner-old")), await Database.ScalarAsync<long>(app.DatabasePath, Interfaces("outer-old"))));
            var movedJson = await Database.ScalarAsync<string>(app.DatabasePath, nodesJson);
            Assert.DoesNotContain(two.HostId, movedJson, StringComparison.Ordinal);
            jobs.Trigger("elb-node-placement");
            jobs.Trigger("elb-node-placement");
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Equal(movedJson, await Database.ScalarAsync<string>(app.DatabasePath, nodesJson));

            // The lost server comes back: it carries none of them any more.
            alive[two.HostId] = two;
            await StateAsync(two, s => (s.LoadBalancerNodes ?? []).Count == 0, "the server that came back still carries the moved nodes");
        }
        finally
        {
            await stop.CancelAsync();
            await heartbeats;
        }
    }
}
