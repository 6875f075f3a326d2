using System.Net;
using System.Text.Json;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;
using Platform.Modules.Network.Contracts;

namespace Platform.Api.Tests.Network;

/// <summary>One API with two zones and a public address pool for the load balancer tests.</summary>
public sealed class LoadBalancerPlatform : IAsyncLifetime
{
    public PlatformApp App { get; } = new(settings: new Dictionary<string, string?>
    {
        ["Platform:AvailabilityZones:0"] = "us-east-1a",
        ["Platform:AvailabilityZones:1"] = "us-east-1b",
        ["Network:PublicAddresses:Cidr"] = "198.51.100.0/24",
        ["Network:PublicAddresses:Gateway"] = "198.51.100.1",
    });

    public Task InitializeAsync()
    {
        _ = App.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        try
        {
            Directory.Delete(App.DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// Load balancers, target groups, listeners and rules (ELBv2's model) through signed HTTP calls, and the contract an Auto
/// Scaling group calls, through Mediator. Instances are stood in for by their interfaces (what Compute's launch asks of
/// Network), so no server is needed: the checks here are the control plane's.
/// </summary>
public sealed class LoadBalancerApiTests(LoadBalancerPlatform platform) : IClassFixture<LoadBalancerPlatform>
{
    private const string Elb = "/api/v1/elb";
    private const string Vpc = "/api/v1/vpc";

    private static string Text(JsonElement element, string property) => element.GetProperty(property).GetString()!;

    private sealed record Network(string VpcId, string SubnetA, string SubnetB, string SubnetA2);

    private static async Task<Network> NetworkAsync(HttpClient client, string cidrPrefix)
    {
        var vpc = Text(await (await client.PostJsonAsync($"{Vpc}/vpcs", new { cidr_block = $"{cidrPrefix}.0.0/16" })).AssertOkAsync(), "vpc_id");
        async Task<string> Subnet(string cidr, string zone) =>
            Text(await (await client.PostJsonAsync($"{Vpc}/subnets", new { vpc_id = vpc, cidr_block = cidr, availability_zone = zone })).AssertOkAsync(), "subnet_id");
        return new Network(vpc, await Subnet($"{cidrPrefix}.1.0/24", "us-east-1a"), await Subnet($"{cidrPrefix}.2.0/24", "us-east-1b"),
            await Subnet($"{cidrPrefix}.3.0/24", "us-east-1a"));
    }

    /// <summary>An instance as Network knows it: its interface in a subnet, made as Compute's launch makes it.</summary>
    private async Task<string> InstanceAsync(string accountId, string subnetId)
    {
        var instanceId = "i-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)) + "a";
        await using var scope = platform.App.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ISender>().Send(new CreateInstanceInterface(accountId, instanceId, subnetId, []));
        return instanceId;
    }

    private async Task<T> SendAsync<T>(IRequest<T> request)
    {
        await using var scope = platform.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(request);
    }

    private static async Task<string> TargetGroupAsync(HttpClient client, string name, string vpcId, string protocol = "HTTP", object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["name"] = name, ["protocol"] = protocol, ["port"] = 80, ["vpc_id"] = vpcId };
        foreach (var property in extra?.GetType().GetProperties() ?? [])
        {
            body[property.Name] = property.GetValue(extra);
        }

        return Text(await (await client.PostJsonAsync($"{Elb}/target-groups", body)).AssertOkAsync(), "target_group_arn");
    }

    private static async Task<JsonElement> HealthAsync(HttpClient client, string groupArn) =>
        (await (await client.GetAsync($"{Elb}/target-health?target_group_arn={Uri.EscapeDataString(groupArn)}")).AssertOkAsync()).GetProperty("target_health_descriptions");

    private static object[] Forward(string groupArn) => [new { type = "forward", target_group_arn = groupArn }];

    [Fact]
    public async Task A_tenant_puts_two_instances_behind_an_application_load_balancer_with_a_path_rule_and_takes_it_apart()
    {
        using var root = platform.App.SignedClient(platform.App.RootCredentials);
        var tenant = await root.CreateAccountAsync("elb-builder");
        using var client = platform.App.SignedClient(tenant);
        var net = await NetworkAsync(client, "10.60");
        var web1 = await InstanceAsync(tenant.AccountId, net.SubnetA);
        var web2 = await InstanceAsync(tenant.AccountId, net.SubnetB);

        var webArn = await TargetGroupAsync(client, "web", net.VpcId, extra: new { health_check_path = "/health", deregistration_delay_seconds = 30, matcher = new { http_code = "200-299" } });
        Assert.Matches($"^arn:aws:elasticloadbalancing:us-east-1:{tenant.AccountId}:targetgroup/web/[0-9a-f]{{16}}$", webArn);
        Assert.Equal(webArn, await TargetGroupAsync(client, "web", net.VpcId, extra: new { health_check_path = "/health" }));
        await (await client.PostJsonAsync($"{Elb}/target-groups", new { name = "web", protocol = "HTTP", port = 8080, vpc_id = net.VpcId }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "DuplicateTargetGroupName");
        var apiArn = await TargetGroupAsync(client, "api", net.VpcId);
        var group = (await (await client.GetAsync($"{Elb}/target-groups?name=web")).AssertOkAsync()).GetProperty("target_groups")[0];
        Assert.Equal(("/health", "200-299", 30, 5, "traffic-port"), (Text(group, "health_check_path"), Text(group.GetProperty("matcher"), "http_code"),
            group.GetProperty("health_check_interval_seconds").GetInt32(), group.GetProperty("health_check_timeout_seconds").GetInt32(), Text(group, "health_check_port")));

        await (await client.PostJsonAsync($"{Elb}/targets/register", new { target_group_arn = webArn, targets = new[] { new { id = web1 }, new { id = web2 } } })).AssertOkAsync();
        await (await client.PostJsonAsync($"{Elb}/targets/register", new { target_group_arn = apiArn, targets = new[] { new { id = web2, port = 8080 } } })).AssertOkAsync();
        var health = await HealthAsync(client, webArn);
        Assert.Equal(2, health.GetArrayLength());
        Assert.All(health.EnumerateArray(), h => Assert.Equal(("unused", "Target.NotInUse"), (Text(h.GetProperty("target_health"), "state"), Text(h.GetProperty("target_health"), "reason"))));

        // ELBv2's zone rules: two zones for an application load balancer, one subnet per zone.
        await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "front", scheme = "internal", subnets = new[] { net.SubnetA } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "front", scheme = "internal", subnets = new[] { net.SubnetA, net.SubnetA2 } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidConfigurationRequest");
        var lb = await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "front", scheme = "internal", subnets = new[] { net.SubnetA, net.SubnetB } })).AssertOkAsync();
        var lbArn = Text(lb, "load_balancer_arn");
        Assert.Matches($"^arn:aws:elasticloadbalancing:us-east-1:{tenant.AccountId}:loadbalancer/app/front/[0-9a-f]{{16}}$", lbArn);
        Assert.Equal(("application", "internal", net.VpcId), (Text(lb, "type"), Text(lb, "scheme"), Text(lb, "vpc_id")));
        var zones = lb.GetProperty("availability_zones").EnumerateArray().ToList();
        Assert.Equal(["us-east-1a", "us-east-1b"], zones.Select(z => Text(z, "zone_name")).Order());
        var nodeIp = Text(zones.Single(z => Text(z, "subnet_id") == net.SubnetA).GetProperty("load_balancer_addresses")[0], "private_i_pv4_address");
        Assert.StartsWith("10.60.1.", nodeIp, StringComparison.Ordinal);
        var enis = (await (await client.GetAsync($"{Vpc}/network-interfaces?vpc_id={net.VpcId}")).AssertOkAsync()).GetProperty("network_interfaces").EnumerateArray()
            .Where(n => Text(n, "description").StartsWith("ELB app/front/", StringComparison.Ordinal)).ToList();
        // Each zone's address (its pair's virtual one) and its two nodes' own.
        Assert.Equal(6, enis.Count);
        Assert.All(enis, n => Assert.Equal(("in-use", "interface"), (Text(n, "status"), Text(n, "interface_type"))));
        Assert.Single(enis, n => Text(n, "private_ip_address") == nodeIp);

        var listener = await (await client.PostJsonAsync($"{Elb}/listeners", new { load_balancer_arn = lbArn, protocol = "HTTP", port = 80, default_actions = Forward(webArn) })).AssertOkAsync();
        var listenerArn = Text(listener, "listener_arn");
        Assert.StartsWith(lbArn.Replace(":loadbalancer/", ":listener/", StringComparison.Ordinal) + "/", listenerArn, StringComparison.Ordinal);
        await (await client.PostJsonAsync($"{Elb}/listeners", new { load_balancer_arn = lbArn, protocol = "HTTP", port = 80, default_actions = Forward(apiArn) }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "DuplicateListener");
        Assert.All((await HealthAsync(client, webArn)).EnumerateArray(), h => Assert.Equal(("initial", "Elb.RegistrationInProgress"),
            (Text(h.GetProperty("target_health"), "state"), Text(h.GetProperty("target_health"), "reason"))));
        var used = (await (await client.GetAsync($"{Elb}/target-groups?target_group_arn={Uri.EscapeDataString(webArn)}")).AssertOkAsync()).GetProperty("target_groups")[0];
        Assert.Equal([lbArn], used.GetProperty("load_balancer_arns").EnumerateArray().Select(e => e.GetString()));

        var rule = await (await client.PostJsonAsync($"{Elb}/rules", new
        {
            listener_arn = listenerArn,
            priority = 10,
            conditions = new[] { new { field = "path-pattern", path_pattern_config = new { values = new[] { "/api/*" } } } },
            actions = Forward(apiArn),
        })).AssertOkAsync();
        Assert.Equal(("10", "/api/*"), (Text(rule, "priority"), rule.GetProperty("conditions")[0].GetProperty("path_pattern_config").GetProperty("values")[0].GetString()));

        // The same priority again: PriorityInUse, and the listener's rules are as they were.
        await (await client.PostJsonAsync($"{Elb}/rules", new
        {
            listener_arn = listenerArn,
            priority = 10,
            conditions = new[] { new { field = "host-header", host_header_config = new { values = new[] { "api.example.com" } } } },
            actions = new[] { new { type = "fixed-response", fixed_response_config = new { status_code = "404" } } },
        })).AssertErrorAsync(HttpStatusCode.BadRequest, "PriorityInUse");
        var rules = (await (await client.GetAsync($"{Elb}/rules?listener_arn={Uri.EscapeDataString(listenerArn)}")).AssertOkAsync()).GetProperty("rules");
        Assert.Equal(["10", "default"], rules.EnumerateArray().Select(r => Text(r, "priority")));
        Assert.Equal(apiArn, Text(rules[0].GetProperty("actions")[0], "target_group_arn"));
        Assert.True(rules[1].GetProperty("is_default").GetBoolean());

        // Deregistered: draining for the group's delay; deregistering what is not registered is InvalidTarget.
        await (await client.PostJsonAsync($"{Elb}/targets/deregister", new { target_group_arn = webArn, targets = new[] { new { id = web1 } } })).AssertOkAsync();
        var drained = (await HealthAsync(client, webArn)).EnumerateArray().Single(h => Text(h.GetProperty("target"), "id") == web1);
        Assert.Equal(("draining", "Target.DeregistrationInProgress"), (Text(drained.GetProperty("target_health"), "state"), Text(drained.GetProperty("target_health"), "reason")));
        await (await client.PostJsonAsync($"{Elb}/targets/deregister", new { target_group_arn = apiArn, targets = new[] { new { id = web1 } } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidTarget");

        await (await client.DeleteAsync($"{Elb}/target-groups?target_group_arn={Uri.EscapeDataString(apiArn)}")).AssertErrorAsync(HttpStatusCode.BadRequest, "ResourceInUse");
        await (await client.DeleteAsync($"{Elb}/load-balancers?load_balancer_arn={Uri.EscapeDataString(lbArn)}")).AssertOkAsync();
        await (await client.GetAsync($"{Elb}/load-balancers?load_balancer_arn={Uri.EscapeDataString(lbArn)}")).AssertErrorAsync(HttpStatusCode.BadRequest, "LoadBalancerNotFound");
        Assert.DoesNotContain((await (await client.GetAsync($"{Vpc}/network-interfaces?vpc_id={net.VpcId}")).AssertOkAsync()).GetProperty("network_interfaces").EnumerateArray(),
            n => Text(n, "description").StartsWith("ELB ", StringComparison.Ordinal));
        await (await client.DeleteAsync($"{Elb}/target-groups?target_group_arn={Uri.EscapeDataString(apiArn)}")).AssertOkAsync();
    }

    [Fact]
    public async Task Given_a_target_of_another_VPC_or_account_Then_InvalidTarget_and_nothing_is_registered()
    {
        using var root = platform.App.SignedClient(platform.App.RootCredentials);
        var tenant = await root.CreateAccountAsync("elb-targets");
        var other = await root.CreateAccountAsync("elb-targets-other");
        using var client = platform.App.SignedClient(tenant);
        using var otherClient = platform.App.SignedClient(other);
        var net = await NetworkAsync(client, "10.61");
        var elsewhere = await NetworkAsync(client, "10.62");
        var otherNet = await NetworkAsync(otherClient, "10.61");
        var inside = await InstanceAsync(tenant.AccountId, net.SubnetA);
        var outside = await InstanceAsync(tenant.AccountId, elsewhere.SubnetA);
        var foreign = await InstanceAsync(other.AccountId, otherNet.SubnetA);
        var groupArn = await TargetGroupAsync(client, "strict", net.VpcId);

        foreach (var bad in new[] { outside, foreign, "i-0123456789abcdef0", "not-an-id" })
        {
            var error = await (await client.PostJsonAsync($"{Elb}/targets/register", new { target_group_arn = groupArn, targets = new[] { new { id = inside }, new { id = bad } } }))
                .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidTarget");
            Assert.Contains(bad, Text(error, "message"), StringComparison.Ordinal);
        }

        Assert.Equal(0, (await HealthAsync(client, groupArn)).GetArrayLength());
        await Assert.ThrowsAsync<Platform.Modules.Shared.Errors.ApiException>(() => SendAsync(new RegisterGroupTargets(tenant.AccountId, groupArn, [inside, outside])));
        Assert.Equal(0, (await HealthAsync(client, groupArn)).GetArrayLength());

        var ipGroup = await TargetGroupAsync(client, "by-ip", net.VpcId, extra: new { target_type = "ip" });
        foreach (var bad in new[] { "10.62.1.10", "10.61.1.0", "10.61.9.9", "8.8.8.8", "10.61.1" })
        {
            await (await client.PostJsonAsync($"{Elb}/targets/register", new { target_group_arn = ipGroup, targets = new[] { new { id = bad } } }))
                .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidTarget");
        }

        await (await client.PostJsonAsync($"{Elb}/targets/register", new { target_group_arn = ipGroup, targets = new[] { new { id = "10.61.2.20", port = 8080 } } })).AssertOkAsync();
        var ipTarget = (await HealthAsync(client, ipGroup))[0].GetProperty("target");
        Assert.Equal(("10.61.2.20", 8080, "us-east-1b"), (Text(ipTarget, "id"), ipTarget.GetProperty("port").GetInt32(), Text(ipTarget, "availability_zone")));

        // The platform's contract: the group's own instances register; idempotent.
        await SendAsync(new RegisterGroupTargets(tenant.AccountId, groupArn, [inside]));
        await SendAsync(new RegisterGroupTargets(tenant.AccountId, groupArn, [inside]));
        var seen = Assert.Single(await SendAsync(new DescribeGroupTargetHealth(tenant.AccountId, groupArn)));
        Assert.Equal((inside, 80, "unused", "Target.NotInUse"), (seen.InstanceId, seen.Port, seen.State, seen.Reason));
        Assert.Equal(new GroupTargetGroup(groupArn, net.VpcId, "instance", 80, false), await SendAsync(new DescribeGroupTargetGroup(tenant.AccountId, groupArn)));
        Assert.Null(await SendAsync(new DescribeGroupTargetGroup(other.AccountId, groupArn)));
        await SendAsync(new DeregisterGroupTargets(tenant.AccountId, groupArn, [inside, outside]));
        Assert.Equal("draining", Assert.Single(await SendAsync(new DescribeGroupTargetHealth(tenant.AccountId, groupArn))).State);
    }

    [Fact]
    public async Task Given_another_account_s_resources_Then_they_do_not_exist_for_the_caller_and_nothing_changes()
    {
        using var root = platform.App.SignedClient(platform.App.RootCredentials);
        var owner = await root.CreateAccountAsync("elb-owner");
        var intruder = await root.CreateAccountAsync("elb-intruder");
        using var client = platform.App.SignedClient(owner);
        using var intruderClient = platform.App.SignedClient(intruder);
        var net = await NetworkAsync(client, "10.63");
        var theirNet = await NetworkAsync(intruderClient, "10.63");
        var groupArn = await TargetGroupAsync(client, "private", net.VpcId);
        var lbArn = Text(await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "mine", scheme = "internal", subnets = new[] { net.SubnetA, net.SubnetB } })).AssertOkAsync(), "load_balancer_arn");
        var listenerArn = Text(await (await client.PostJsonAsync($"{Elb}/listeners", new { load_balancer_arn = lbArn, port = 80, default_actions = Forward(groupArn) })).AssertOkAsync(), "listener_arn");
        var theirInstance = await InstanceAsync(intruder.AccountId, theirNet.SubnetA);
        var escaped = Uri.EscapeDataString(groupArn);

        await (await intruderClient.PostJsonAsync($"{Elb}/targets/register", new { target_group_arn = groupArn, targets = new[] { new { id = theirInstance } } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "TargetGroupNotFound");
        await (await intruderClient.GetAsync($"{Elb}/target-health?target_group_arn={escaped}")).AssertErrorAsync(HttpStatusCode.BadRequest, "TargetGroupNotFound");
        await (await intruderClient.GetAsync($"{Elb}/target-groups?target_group_arn={escaped}")).AssertErrorAsync(HttpStatusCode.BadRequest, "TargetGroupNotFound");
        await (await intruderClient.DeleteAsync($"{Elb}/target-groups?target_group_arn={escaped}")).AssertErrorAsync(HttpStatusCode.BadRequest, "TargetGroupNotFound");
        await (await intruderClient.GetAsync($"{Elb}/load-balancers?load_balancer_arn={Uri.EscapeDataString(lbArn)}")).AssertErrorAsync(HttpStatusCode.BadRequest, "LoadBalancerNotFound");
        await (await intruderClient.PostJsonAsync($"{Elb}/listeners", new { load_balancer_arn = lbArn, port = 81, default_actions = Forward(groupArn) }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "LoadBalancerNotFound");
        await (await intruderClient.PostJsonAsync($"{Elb}/rules", new
        {
            listener_arn = listenerArn,
            priority = 1,
            conditions = new[] { new { field = "path-pattern", values = new[] { "/*" } } },
            actions = Forward(groupArn),
        })).AssertErrorAsync(HttpStatusCode.BadRequest, "ListenerNotFound");
        await (await intruderClient.DeleteAsync($"{Elb}/listeners?listener_arn={Uri.EscapeDataString(listenerArn)}")).AssertErrorAsync(HttpStatusCode.BadRequest, "ListenerNotFound");
        await (await intruderClient.DeleteAsync($"{Elb}/load-balancers?load_balancer_arn={Uri.EscapeDataString(lbArn)}")).AssertOkAsync();

        // The intruder's own balancer cannot forward to the owner's group either.
        var theirLb = Text(await (await intruderClient.PostJsonAsync($"{Elb}/load-balancers", new { name = "theirs", scheme = "internal", subnets = new[] { theirNet.SubnetA, theirNet.SubnetB } })).AssertOkAsync(), "load_balancer_arn");
        await (await intruderClient.PostJsonAsync($"{Elb}/listeners", new { load_balancer_arn = theirLb, port = 80, default_actions = Forward(groupArn) }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "TargetGroupNotFound");
        Assert.Equal(0, (await (await intruderClient.GetAsync($"{Elb}/listeners?load_balancer_arn={Uri.EscapeDataString(theirLb)}")).AssertOkAsync()).GetProperty("listeners").GetArrayLength());

        // All of the owner's is as it was.
        Assert.Equal("mine", Text((await (await client.GetAsync($"{Elb}/load-balancers?load_balancer_arn={Uri.EscapeDataString(lbArn)}")).AssertOkAsync()).GetProperty("load_balancers")[0], "load_balancer_name"));
        Assert.Equal(1, (await (await client.GetAsync($"{Elb}/listeners?load_balancer_arn={Uri.EscapeDataString(lbArn)}")).AssertOkAsync()).GetProperty("listeners").GetArrayLength());
        Assert.Equal(0, (await HealthAsync(client, groupArn)).GetArrayLength());
    }

    [Fact]
    public async Task Given_bad_listener_and_load_balancer_input_Then_ELBv2_s_errors_and_nothing_is_made()
    {
        using var root = platform.App.SignedClient(platform.App.RootCredentials);
        var tenant = await root.CreateAccountAsync("elb-inputs");
        using var client = platform.App.SignedClient(tenant);
        var net = await NetworkAsync(client, "10.64");
        var elsewhere = await NetworkAsync(client, "10.65");
        var tcpGroup = await TargetGroupAsync(client, "tcp", net.VpcId, "TCP");
        var farGroup = await TargetGroupAsync(client, "far", elsewhere.VpcId);
        var lbArn = Text(await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "checks", scheme = "internal", subnets = new[] { net.SubnetA, net.SubnetB } })).AssertOkAsync(), "load_balancer_arn");

        await (await client.PostJsonAsync($"{Elb}/listeners", new { load_balancer_arn = lbArn, protocol = "HTTP", port = 80, default_actions = Forward(tcpGroup) }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "IncompatibleProtocols");
        await (await client.PostJsonAsync($"{Elb}/listeners", new { load_balancer_arn = lbArn, protocol = "HTTP", port = 80, default_actions = Forward(farGroup) }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await client.PostJsonAsync($"{Elb}/listeners", new { load_balancer_arn = lbArn, protocol = "TCP", port = 80, default_actions = Forward(tcpGroup) }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "UnsupportedProtocol");
        await (await client.PostJsonAsync($"{Elb}/listeners", new { load_balancer_arn = lbArn, protocol = "HTTP", port = 0, default_actions = Forward(farGroup) }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await client.PostJsonAsync($"{Elb}/listeners", new { load_balancer_arn = lbArn, protocol = "HTTP", port = 80, default_actions = new[] { new { type = "redirect", redirect_config = new { status_code = "HTTP_301" } } } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidLoadBalancerAction");
        Assert.Equal(0, (await (await client.GetAsync($"{Elb}/listeners?load_balancer_arn={Uri.EscapeDataString(lbArn)}")).AssertOkAsync()).GetProperty("listeners").GetArrayLength());

        // A network load balancer: TCP listeners to TCP groups, no rules.
        var nlb = await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "tcp-front", type = "network", scheme = "internal", subnets = new[] { net.SubnetA } })).AssertOkAsync();
        var nlbArn = Text(nlb, "load_balancer_arn");
        Assert.Contains(":loadbalancer/net/tcp-front/", nlbArn, StringComparison.Ordinal);
        var nlbEnis = (await (await client.GetAsync($"{Vpc}/network-interfaces?vpc_id={net.VpcId}")).AssertOkAsync()).GetProperty("network_interfaces").EnumerateArray()
            .Where(n => Text(n, "description").StartsWith("ELB net/tcp-front/", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, nlbEnis.Count);
        Assert.All(nlbEnis, n => Assert.Equal("network_load_balancer", Text(n, "interface_type")));
        // Made without security groups, a network load balancer cannot get any (ELBv2's rule).
        var defaultGroup = Text((await (await client.GetAsync($"{Vpc}/security-groups?vpc_id={net.VpcId}&group_name=default")).AssertOkAsync()).GetProperty("security_groups")[0], "group_id");
        await (await client.PostJsonAsync($"{Elb}/load-balancers/security-groups", new { load_balancer_arn = nlbArn, security_groups = new[] { defaultGroup } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidConfigurationRequest");
        var tcpListener = Text(await (await client.PostJsonAsync($"{Elb}/listeners", new { load_balancer_arn = nlbArn, protocol = "TCP", port = 443, default_actions = Forward(tcpGroup) })).AssertOkAsync(), "listener_arn");
        await (await client.PostJsonAsync($"{Elb}/rules", new
        {
            listener_arn = tcpListener,
            priority = 1,
            conditions = new[] { new { field = "path-pattern", values = new[] { "/*" } } },
            actions = Forward(tcpGroup),
        })).AssertErrorAsync(HttpStatusCode.BadRequest, "OperationNotPermitted");
        await (await client.PostJsonAsync($"{Elb}/listeners", new { load_balancer_arn = lbArn, protocol = "HTTP", port = 81, default_actions = Forward(tcpGroup) }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "IncompatibleProtocols");

        // Names, schemes, subnets.
        await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "-bad", scheme = "internal", subnets = new[] { net.SubnetA, net.SubnetB } })).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "checks", scheme = "internal", subnets = new[] { net.SubnetA, elsewhere.SubnetB } })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSubnet");
        await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "checks", type = "network", scheme = "internal", subnets = new[] { net.SubnetA } })).AssertErrorAsync(HttpStatusCode.BadRequest, "DuplicateLoadBalancerName");
        await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "ghost", scheme = "internal", subnets = new[] { "subnet-0123456789abcdef0", net.SubnetB } })).AssertErrorAsync(HttpStatusCode.BadRequest, "SubnetNotFound");
        await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "public", subnets = new[] { net.SubnetA, net.SubnetB } })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSubnet");
        Assert.Equal(["checks", "tcp-front"], (await (await client.GetAsync($"{Elb}/load-balancers")).AssertOkAsync()).GetProperty("load_balancers").EnumerateArray().Select(l => Text(l, "load_balancer_name")));

        // Internet-facing once the VPC has an internet gateway: a public address from the pool, which is not the tenant's elastic IP.
        var igw = Text(await (await client.PostJsonAsync($"{Vpc}/internet-gateways", new { })).AssertOkAsync(), "internet_gateway_id");
        await (await client.PostJsonAsync($"{Vpc}/internet-gateways/{igw}/attach", new { vpc_id = net.VpcId })).AssertOkAsync();
        var pub = await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "public", subnets = new[] { net.SubnetA, net.SubnetB } })).AssertOkAsync();
        Assert.Equal("internet-facing", Text(pub, "scheme"));
        Assert.StartsWith("public-", Text(pub, "dns_name"), StringComparison.Ordinal);
        Assert.StartsWith("internal-checks-", Text((await (await client.GetAsync($"{Elb}/load-balancers?name=checks")).AssertOkAsync()).GetProperty("load_balancers")[0], "dns_name"), StringComparison.Ordinal);
        // One address per zone's node, as ELBv2 gives: each node's server answers for its own on the uplink.
        var addresses = pub.GetProperty("availability_zones").EnumerateArray().Select(z => z.GetProperty("load_balancer_addresses")[0])
            .Select(a => (Ip: Text(a, "ip_address"), Allocation: Text(a, "allocation_id"))).ToList();
        Assert.Equal(2, addresses.Count);
        Assert.All(addresses, a => Assert.StartsWith("198.51.100.", a.Ip, StringComparison.Ordinal));
        Assert.Equal(2, addresses.Select(a => a.Ip).Distinct().Count());
        Assert.Equal(2, addresses.Select(a => a.Allocation).Distinct().Count());
        var owned = $"SELECT count(*) FROM network_elastic_addresses WHERE account_id = 'amazon-elb' AND public_ip IN ('{addresses[0].Ip}', '{addresses[1].Ip}')";
        Assert.Equal(2, await Database.ScalarAsync<long>(platform.App.DatabasePath, owned));
        Assert.Equal(0, (await (await client.GetAsync($"{Vpc}/addresses")).AssertOkAsync()).GetProperty("addresses").GetArrayLength());
        var eip = Text(await (await client.PostJsonAsync($"{Vpc}/addresses", new { })).AssertOkAsync(), "public_ip");
        Assert.DoesNotContain(eip, addresses.Select(a => a.Ip));

        // Deleted: both addresses go back to the pool with it.
        await (await client.DeleteAsync($"{Elb}/load-balancers?load_balancer_arn={Uri.EscapeDataString(Text(pub, "load_balancer_arn"))}")).AssertOkAsync();
        Assert.Equal(0, await Database.ScalarAsync<long>(platform.App.DatabasePath, owned));
    }
}
