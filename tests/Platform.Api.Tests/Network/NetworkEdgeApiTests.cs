using System.Net;
using System.Text.Json;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Agent;
using Platform.HostAgent.Protocol;

namespace Platform.Api.Tests.Network;

/// <summary>
/// Internet gateways, route tables, elastic IPs and NAT gateways through signed HTTP calls, and what the servers' agents read
/// of them in their desired states (with the agent's own client, as <see cref="VpcAcrossServersTests"/>; no switch involved).
/// </summary>
public sealed class NetworkEdgeApiTests
{
    private const string Api = "/api/v1/vpc";

    private static readonly Dictionary<string, string?> Pool = new()
    {
        ["Network:PublicAddresses:Cidr"] = "198.51.100.0/24",
        ["Network:PublicAddresses:Gateway"] = "198.51.100.1",
        ["Network:PublicAddresses:PerAccountLimit"] = "3",
    };

    private sealed record Server(string HostId, string TunnelAddress, AgentApiClient Agent);

    private static async Task<Server> EnrolAsync(PlatformApp app, HttpClient root, string name, string tunnelAddress)
    {
        var token = await (await root.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { })).AssertOkAsync();
        var agent = new AgentApiClient(app.CreateClient());
        var capacity = new HostCapacity(8, 16384);
        var enrolled = await agent.EnrolAsync(new EnrolRequest(token.GetProperty("join_token").GetString()!, name, capacity), CancellationToken.None);
        agent.UseCredential(new HostCredential(enrolled.HostId, enrolled.HostSecret, enrolled.AvailabilityZone, "http://localhost"));
        await agent.ReportAsync(new HostReport(enrolled.HostId, 0, capacity, [], [], tunnelAddress), CancellationToken.None);
        return new Server(enrolled.HostId, tunnelAddress, agent);
    }

    private static string Id(JsonElement element, string property) => element.GetProperty(property).GetString()!;

    /// <summary>The server's desired state once it satisfies <paramref name="ready"/> (each change raises the version; agents long-poll past it).</summary>
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

    [Fact]
    public async Task A_public_and_a_private_subnet_reach_the_servers_as_routes_an_elastic_IP_and_a_NAT_gateway()
    {
        await using var app = new PlatformApp(settings: Pool);
        using var root = app.SignedClient(app.RootCredentials);
        var image = await root.RegisterKernelImageAsync("edge", [1], [2], isPublic: true);
        var one = await EnrolAsync(app, root, "server-1", "192.0.2.1");
        var two = await EnrolAsync(app, root, "server-2", "192.0.2.2");
        var servers = new[] { one, two }.ToDictionary(s => s.HostId, StringComparer.Ordinal);

        var vpc = Id(await (await root.PostJsonAsync($"{Api}/vpcs", new { cidr_block = "10.50.0.0/16" })).AssertOkAsync(), "vpc_id");
        var publicSubnet = Id(await (await root.PostJsonAsync($"{Api}/subnets", new { vpc_id = vpc, cidr_block = "10.50.1.0/24" })).AssertOkAsync(), "subnet_id");
        var privateSubnet = Id(await (await root.PostJsonAsync($"{Api}/subnets", new { vpc_id = vpc, cidr_block = "10.50.2.0/24" })).AssertOkAsync(), "subnet_id");
        var web = (await root.LaunchAsync(new { instance_type = "t2.nano", image_id = image, subnet_id = publicSubnet })).GetProperty("instance");
        var webId = Id(web, "instance_id");
        var webServer = servers[Id(web, "host_id")];

        // The internet gateway and the main table's default route to it (the public subnet uses the main table).
        var igw = Id(await (await root.PostJsonAsync($"{Api}/internet-gateways", new { })).AssertOkAsync(), "internet_gateway_id");
        await (await root.PostJsonAsync($"{Api}/internet-gateways/{igw}/attach", new { vpc_id = vpc })).AssertOkAsync();
        var tables = await (await root.GetAsync($"{Api}/route-tables?vpc_id={vpc}")).AssertOkAsync();
        var main = tables.GetProperty("route_tables").EnumerateArray().Single();
        Assert.True(main.GetProperty("associations")[0].GetProperty("main").GetBoolean());
        var mainId = Id(main, "route_table_id");
        var route = await (await root.PostJsonAsync($"{Api}/route-tables/{mainId}/routes", new { destination_cidr_block = "0.0.0.0/0", gateway_id = igw })).AssertOkAsync();
        Assert.Equal("active", Id(route, "state"));

        // An elastic IP on the web instance.
        var eip = await (await root.PostJsonAsync($"{Api}/addresses", new { })).AssertOkAsync();
        var publicIp = Id(eip, "public_ip");
        Assert.StartsWith("198.51.100.", publicIp, StringComparison.Ordinal);
        var association = await (await root.PostJsonAsync($"{Api}/addresses/{Id(eip, "allocation_id")}/associate", new { instance_id = webId })).AssertOkAsync();
        Assert.StartsWith("eipassoc-", Id(association, "association_id"), StringComparison.Ordinal);
        var described = await (await root.GetAsync($"/api/v1/ec2/instances/{webId}")).AssertOkAsync();
        Assert.Equal(publicIp, Id(described, "public_ip_address"));

        var webState = await StateAsync(webServer, s => s.Instances.Any(i => i.Interfaces!.Any(n => n.PublicIpAddress == publicIp)), "the elastic IP did not reach the web server");
        var nic = webState.Instances.Single(i => i.InstanceId == webId).Interfaces!.Single();
        Assert.Equal((publicIp, publicSubnet), (nic.PublicIpAddress, nic.SubnetId));
        Assert.Equal(new DesiredPublicNetwork("198.51.100.0/24", "198.51.100.1"), webState.PublicNetwork);
        var network = Assert.Single(webState.Networks!);
        Assert.Equal("10.50.0.0/16", network.CidrBlock);
        var subnets = network.Subnets!.ToDictionary(s => s.SubnetId);
        Assert.Equal([new DesiredRoute("0.0.0.0/0", RouteTarget.InternetGateway, igw)], subnets[publicSubnet].Routes);
        Assert.Equal(("10.50.1.0/24", "10.50.1.1"), (subnets[publicSubnet].Cidr, subnets[publicSubnet].Gateway));

        // A NAT gateway in the public subnet with its own elastic IP, and the private subnet's own table routing to it.
        var natEip = await (await root.PostJsonAsync($"{Api}/addresses", new { })).AssertOkAsync();
        var nat = await (await root.PostJsonAsync($"{Api}/nat-gateways", new { subnet_id = publicSubnet, allocation_id = Id(natEip, "allocation_id"), client_token = "nat-1" })).AssertOkAsync();
        var natId = Id(nat, "nat_gateway_id");
        Assert.Equal("pending", Id(nat, "state"));
        Assert.Equal(natId, Id(await (await root.PostJsonAsync($"{Api}/nat-gateways", new { subnet_id = publicSubnet, allocation_id = Id(natEip, "allocation_id"), client_token = "nat-1" })).AssertOkAsync(), "nat_gateway_id"));
        var shownNat = await (await root.GetAsync($"{Api}/nat-gateways/{natId}")).AssertOkAsync();
        Assert.Equal("available", Id(shownNat, "state"));
        var natAddress = shownNat.GetProperty("nat_gateway_addresses")[0];
        Assert.Equal(Id(natEip, "public_ip"), Id(natAddress, "public_ip"));
        var natEni = await (await root.GetAsync($"{Api}/network-interfaces/{Id(natAddress, "network_interface_id")}")).AssertOkAsync();
        Assert.Equal(("nat_gateway", publicSubnet, Id(natEip, "public_ip")), (Id(natEni, "interface_type"), Id(natEni, "subnet_id"), Id(natEni, "public_ip_address")));

        var privateTable = Id(await (await root.PostJsonAsync($"{Api}/route-tables", new { vpc_id = vpc })).AssertOkAsync(), "route_table_id");
        await (await root.PostJsonAsync($"{Api}/route-tables/{privateTable}/associations", new { subnet_id = privateSubnet })).AssertOkAsync();
        await (await root.PostJsonAsync($"{Api}/route-tables/{privateTable}/routes", new { destination_cidr_block = "0.0.0.0/0", nat_gateway_id = natId })).AssertOkAsync();

        // The NAT gateway's server carries it; every server holding the VPC routes the private subnet to its interface.
        var natServer = servers.Values.Single(s => s.HostId != webServer.HostId);
        var natState = await StateAsync(natServer, s => s.NatGateways is { Count: 1 }, "the NAT gateway did not reach its server");
        var carried = natState.NatGateways!.Single();
        Assert.Equal((natId, vpc, "10.50.1.0/24", "10.50.1.1", Id(natEni, "private_ip_address"), Id(natEni, "mac_address"), Id(natEip, "public_ip")),
            (carried.NatGatewayId, carried.VpcId, carried.SubnetCidr, carried.Gateway, carried.PrivateIpAddress, carried.MacAddress, carried.PublicIpAddress));
        Assert.Equal([webServer.TunnelAddress], Assert.Single(natState.Networks!).RemoteTunnelAddresses);

        var toNat = new DesiredRoute("0.0.0.0/0", RouteTarget.NatGateway, natId, Id(natEni, "private_ip_address"), Id(natEni, "mac_address"));
        webState = await StateAsync(webServer, s => s.Networks!.Single().Subnets!.Single(x => x.SubnetId == privateSubnet).Routes.SequenceEqual([toNat]),
            "the private subnet's route to the NAT gateway did not reach the web server");
        network = webState.Networks!.Single();
        Assert.Contains(natServer.TunnelAddress, network.RemoteTunnelAddresses);
        Assert.Contains(new RemoteInterface(Id(natEni, "mac_address"), Id(natEni, "private_ip_address"), natServer.TunnelAddress), network.RemoteInterfaces!);

        // Deleted: the route turns blackhole (shown and composed), its server carries it no more, the elastic IP stays allocated.
        Assert.Equal(natId, Id(await (await root.DeleteAsync($"{Api}/nat-gateways/{natId}")).AssertOkAsync(), "nat_gateway_id"));
        Assert.Equal("deleted", Id(await (await root.GetAsync($"{Api}/nat-gateways/{natId}")).AssertOkAsync(), "state"));
        var privateRoutes = (await (await root.GetAsync($"{Api}/route-tables/{privateTable}")).AssertOkAsync()).GetProperty("routes");
        Assert.Equal("blackhole", Id(privateRoutes.EnumerateArray().Single(r => Id(r, "destination_cidr_block") == "0.0.0.0/0"), "state"));
        await StateAsync(natServer, s => s.NatGateways is { Count: 0 }, "the deleted NAT gateway stayed on its server");
        await StateAsync(webServer, s => s.Networks!.Single().Subnets!.Single(x => x.SubnetId == privateSubnet).Routes.Single().Target == RouteTarget.Blackhole,
            "the route to the deleted NAT gateway was not made a blackhole");
        await (await root.GetAsync($"{Api}/addresses/{Id(natEip, "allocation_id")}")).AssertOkAsync();
    }

    [Fact]
    public async Task Bad_input_and_another_accounts_ids_get_EC2s_errors_and_change_nothing()
    {
        await using var app = new PlatformApp(settings: Pool);
        using var management = app.SignedClient(app.RootCredentials);
        using var owner = app.SignedClient(await management.CreateAccountAsync("edge-owner"));
        using var stranger = app.SignedClient(await management.CreateAccountAsync("edge-stranger"));

        var vpc = Id(await (await owner.PostJsonAsync($"{Api}/vpcs", new { cidr_block = "10.60.0.0/16" })).AssertOkAsync(), "vpc_id");
        var subnet = Id(await (await owner.PostJsonAsync($"{Api}/subnets", new { vpc_id = vpc, cidr_block = "10.60.1.0/24" })).AssertOkAsync(), "subnet_id");
        var otherVpc = Id(await (await owner.PostJsonAsync($"{Api}/vpcs", new { cidr_block = "10.61.0.0/16" })).AssertOkAsync(), "vpc_id");
        var igw = Id(await (await owner.PostJsonAsync($"{Api}/internet-gateways", new { })).AssertOkAsync(), "internet_gateway_id");
        var otherIgw = Id(await (await owner.PostJsonAsync($"{Api}/internet-gateways", new { })).AssertOkAsync(), "internet_gateway_id");
        await (await owner.PostJsonAsync($"{Api}/internet-gateways/{igw}/attach", new { vpc_id = vpc })).AssertOkAsync();
        await (await owner.PostJsonAsync($"{Api}/internet-gateways/{otherIgw}/attach", new { vpc_id = otherVpc })).AssertOkAsync();
        var table = Id((await (await owner.GetAsync($"{Api}/route-tables?vpc_id={vpc}")).AssertOkAsync()).GetProperty("route_tables")[0], "route_table_id");
        var eip = Id(await (await owner.PostJsonAsync($"{Api}/addresses", new { })).AssertOkAsync(), "allocation_id");

        // A second gateway on one VPC; a route to another VPC's gateway; an address outside the pool; bad CIDRs and missing targets.
        var third = Id(await (await owner.PostJsonAsync($"{Api}/internet-gateways", new { })).AssertOkAsync(), "internet_gateway_id");
        await (await owner.PostJsonAsync($"{Api}/internet-gateways/{third}/attach", new { vpc_id = vpc })).AssertErrorAsync(HttpStatusCode.BadRequest, "Resource.AlreadyAssociated");
        await (await owner.PostJsonAsync($"{Api}/route-tables/{table}/routes", new { destination_cidr_block = "0.0.0.0/0", gateway_id = otherIgw }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await owner.PostJsonAsync($"{Api}/route-tables/{table}/routes", new { destination_cidr_block = "0.0.0.1/0", gateway_id = igw }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await owner.PostJsonAsync($"{Api}/route-tables/{table}/routes", new { destination_cidr_block = "0.0.0.0/0" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "MissingParameter");
        await (await owner.PostJsonAsync($"{Api}/addresses", new { address = "203.0.113.9" })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await owner.PostJsonAsync($"{Api}/addresses", new { address = "198.51.100.1" })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");

        // The limit (3 here): two more, then AddressLimitExceeded.
        await (await owner.PostJsonAsync($"{Api}/addresses", new { })).AssertOkAsync();
        await (await owner.PostJsonAsync($"{Api}/addresses", new { })).AssertOkAsync();
        await (await owner.PostJsonAsync($"{Api}/addresses", new { })).AssertErrorAsync(HttpStatusCode.BadRequest, "AddressLimitExceeded");

        // Another account: the owner's ids do not exist for it.
        var strangerVpc = Id(await (await stranger.PostJsonAsync($"{Api}/vpcs", new { cidr_block = "10.60.0.0/16" })).AssertOkAsync(), "vpc_id");
        var strangerTable = Id((await (await stranger.GetAsync($"{Api}/route-tables?vpc_id={strangerVpc}")).AssertOkAsync()).GetProperty("route_tables")[0], "route_table_id");
        await (await stranger.GetAsync($"{Api}/route-tables/{table}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidRouteTableID.NotFound");
        await (await stranger.PostJsonAsync($"{Api}/route-tables/{table}/routes", new { destination_cidr_block = "0.0.0.0/0", gateway_id = igw }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidRouteTableID.NotFound");
        await (await stranger.DeleteAsync($"{Api}/route-tables/{table}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidRouteTableID.NotFound");
        await (await stranger.PostJsonAsync($"{Api}/route-tables/{strangerTable}/routes", new { destination_cidr_block = "0.0.0.0/0", gateway_id = igw }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidGatewayID.NotFound");
        await (await stranger.PostJsonAsync($"{Api}/internet-gateways/{igw}/detach", new { vpc_id = vpc })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidInternetGatewayID.NotFound");
        await (await stranger.DeleteAsync($"{Api}/internet-gateways/{third}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidInternetGatewayID.NotFound");
        await (await stranger.GetAsync($"{Api}/addresses/{eip}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidAllocationID.NotFound");
        await (await stranger.DeleteAsync($"{Api}/addresses/{eip}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidAllocationID.NotFound");
        await (await stranger.PostJsonAsync($"{Api}/addresses/{eip}/associate", new { instance_id = "i-0123456789abcdef0", allow_reassociation = true }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidAllocationID.NotFound");
        await (await stranger.DeleteAsync($"{Api}/address-associations/eipassoc-0123456789abcdef0")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidAssociationID.NotFound");
        await (await stranger.PostJsonAsync($"{Api}/nat-gateways", new { subnet_id = subnet, allocation_id = eip })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSubnetID.NotFound");
        await (await stranger.DeleteAsync($"{Api}/nat-gateways/nat-0000000000000000a")).AssertErrorAsync(HttpStatusCode.BadRequest, "NatGatewayNotFound");
        await (await stranger.PostJsonAsync($"{Api}/route-tables", new { vpc_id = vpc })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVpcID.NotFound");

        // Nothing changed for the owner: one route (local), the gateways where they were, the address still there and unmapped.
        var routes = (await (await owner.GetAsync($"{Api}/route-tables/{table}")).AssertOkAsync()).GetProperty("routes");
        Assert.Equal(["local"], routes.EnumerateArray().Select(r => Id(r, "gateway_id")));
        var gateways = (await (await owner.GetAsync($"{Api}/internet-gateways")).AssertOkAsync()).GetProperty("internet_gateways").EnumerateArray()
            .ToDictionary(g => Id(g, "internet_gateway_id"), g => g.GetProperty("attachments").EnumerateArray().Select(a => Id(a, "vpc_id")).SingleOrDefault());
        Assert.Equal(vpc, gateways[igw]);
        Assert.Equal(otherVpc, gateways[otherIgw]);
        Assert.Null(gateways[third]);
        var address = await (await owner.GetAsync($"{Api}/addresses/{eip}")).AssertOkAsync();
        Assert.Equal(JsonValueKind.Null, address.TryGetProperty("association_id", out var associationId) ? associationId.ValueKind : JsonValueKind.Null);
        Assert.Equal(3, (await (await owner.GetAsync($"{Api}/addresses")).AssertOkAsync()).GetProperty("addresses").GetArrayLength());
        Assert.Empty((await (await stranger.GetAsync($"{Api}/addresses")).AssertOkAsync()).GetProperty("addresses").EnumerateArray());
    }
}
