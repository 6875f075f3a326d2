using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.InternetGateways;
using Platform.Modules.Network.RouteTables;
using Platform.Modules.Network.Subnets;
using Platform.Modules.Network.Vpcs;
using static Platform.Modules.Network.Tests.Handlers.TestAccounts;

namespace Platform.Modules.Network.Tests.Handlers;

/// <summary>Route tables, routes and internet gateways: EC2's rules and errors, and what the servers are told.</summary>
public sealed class RouteTableTests(NetworkTestDatabase network) : IClassFixture<NetworkTestDatabase>
{
    private const string Region = "test-1";

    private static RouteSpec To(string destination, string? gateway = null, string? nat = null, string? eni = null) => new(destination, gateway, nat, eni, null);

    [Fact]
    public async Task Given_a_new_VPC_Then_it_has_a_main_table_with_only_the_local_route_that_cannot_be_deleted()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.1.0.0/16"));
        var table = Assert.Single((await network.SendAsync(account, new DescribeRouteTables([], [vpc.VpcId]))).RouteTables);
        Assert.StartsWith("rtb-", table.RouteTableId, StringComparison.Ordinal);
        var local = Assert.Single(table.Routes);
        Assert.Equal(("10.1.0.0/16", "local", "active", "CreateRouteTable"), (local.DestinationCidrBlock, local.GatewayId, local.State, local.Origin));
        var main = Assert.Single(table.Associations);
        Assert.True(main.Main);
        Assert.Null(main.SubnetId);

        await AssertFailsAsync(() => network.SendAsync(account, new DeleteRouteTable(Region, table.RouteTableId)), "DependencyViolation");
        await AssertFailsAsync(() => network.SendAsync(account, new DisassociateRouteTable(Region, main.RouteTableAssociationId)), "InvalidParameterValue");
        await AssertFailsAsync(() => network.SendAsync(account, new CreateRoute(Region, table.RouteTableId, To("10.1.0.0/16", gateway: "igw-0000000000000000a"))),
            "InvalidGatewayID.NotFound");

        // The VPC goes with its main table.
        await network.SendAsync(account, new DeleteVpc(Region, vpc.VpcId));
        Assert.False(await network.QueryAsync(db => db.RouteTables.AnyAsync(t => t.VpcId == vpc.VpcId)));
        Assert.False(await network.QueryAsync(db => db.RouteTableAssociations.AnyAsync(a => a.VpcId == vpc.VpcId)));
    }

    [Fact]
    public async Task Subnet_associations_follow_EC2s_rules()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.2.0.0/16"));
        var subnet = await network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, "10.2.1.0/24", null));
        var custom = await network.SendAsync(account, new CreateRouteTable(Region, vpc.VpcId));
        var other = await network.SendAsync(account, new CreateRouteTable(Region, vpc.VpcId));

        var association = await network.SendAsync(account, new AssociateRouteTable(Region, custom.RouteTableId, subnet.SubnetId));
        Assert.StartsWith("rtbassoc-", association.AssociationId, StringComparison.Ordinal);
        await AssertFailsAsync(() => network.SendAsync(account, new AssociateRouteTable(Region, other.RouteTableId, subnet.SubnetId)), "Resource.AlreadyAssociated");
        await AssertFailsAsync(() => network.SendAsync(account, new DeleteRouteTable(Region, custom.RouteTableId)), "DependencyViolation");

        // Another VPC's subnet, and another account's table and subnet.
        var elsewhere = await network.SendAsync(account, new CreateVpc(Region, "10.3.0.0/16"));
        var foreignSubnet = await network.SendAsync(account, new CreateSubnet(Region, elsewhere.VpcId, "10.3.1.0/24", null));
        await AssertFailsAsync(() => network.SendAsync(account, new AssociateRouteTable(Region, other.RouteTableId, foreignSubnet.SubnetId)), "InvalidParameterValue");
        var stranger = New();
        await AssertFailsAsync(() => network.SendAsync(stranger, new AssociateRouteTable(Region, other.RouteTableId, subnet.SubnetId)), "InvalidRouteTableID.NotFound");
        await AssertFailsAsync(() => network.SendAsync(stranger, new DescribeRouteTables([custom.RouteTableId], [])), "InvalidRouteTableID.NotFound");
        await AssertFailsAsync(() => network.SendAsync(stranger, new DeleteRouteTable(Region, other.RouteTableId)), "InvalidRouteTableID.NotFound");
        await AssertFailsAsync(() => network.SendAsync(stranger, new DisassociateRouteTable(Region, association.AssociationId)), "InvalidAssociationID.NotFound");

        // Moving the association answers a new id; the old one is gone.
        var moved = await network.SendAsync(account, new ReplaceRouteTableAssociation(Region, association.AssociationId, other.RouteTableId));
        Assert.NotEqual(association.AssociationId, moved.AssociationId);
        await AssertFailsAsync(() => network.SendAsync(account, new DisassociateRouteTable(Region, association.AssociationId)), "InvalidAssociationID.NotFound");
        await network.SendAsync(account, new DeleteRouteTable(Region, custom.RouteTableId));
        await network.SendAsync(account, new DisassociateRouteTable(Region, moved.AssociationId));
        await network.SendAsync(account, new DeleteRouteTable(Region, other.RouteTableId));
        await AssertFailsAsync(() => network.SendAsync(account, new DescribeRouteTables([other.RouteTableId], [])), "InvalidRouteTableID.NotFound");
    }

    [Fact]
    public async Task Replacing_the_main_association_makes_another_table_main()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.4.0.0/16"));
        var original = Assert.Single((await network.SendAsync(account, new DescribeRouteTables([], [vpc.VpcId]))).RouteTables);
        var custom = await network.SendAsync(account, new CreateRouteTable(Region, vpc.VpcId));
        var moved = await network.SendAsync(account, new ReplaceRouteTableAssociation(Region, original.Associations[0].RouteTableAssociationId, custom.RouteTableId));

        var tables = (await network.SendAsync(account, new DescribeRouteTables([], [vpc.VpcId]))).RouteTables.ToDictionary(t => t.RouteTableId);
        Assert.Empty(tables[original.RouteTableId].Associations);
        var main = Assert.Single(tables[custom.RouteTableId].Associations);
        Assert.Equal((moved.AssociationId, true), (main.RouteTableAssociationId, main.Main));

        // The old main table is an ordinary table now: it can go; the new main one cannot.
        await network.SendAsync(account, new DeleteRouteTable(Region, original.RouteTableId));
        await AssertFailsAsync(() => network.SendAsync(account, new DeleteRouteTable(Region, custom.RouteTableId)), "DependencyViolation");
    }

    [Fact]
    public async Task Routes_to_an_internet_gateway_need_it_attached_to_the_tables_VPC_and_turn_blackhole_when_it_leaves()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.5.0.0/16"));
        var subnet = await network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, "10.5.1.0/24", null));
        var table = (await network.SendAsync(account, new DescribeRouteTables([], [vpc.VpcId]))).RouteTables[0];
        var igw = await network.SendAsync(account, new CreateInternetGateway(Region));
        Assert.StartsWith("igw-", igw.InternetGatewayId, StringComparison.Ordinal);

        // Not attached yet; then attached to another VPC: "belong to different networks".
        await AssertFailsAsync(() => network.SendAsync(account, new CreateRoute(Region, table.RouteTableId, To("0.0.0.0/0", igw.InternetGatewayId))), "InvalidParameterValue");
        var other = await network.SendAsync(account, new CreateVpc(Region, "10.6.0.0/16"));
        var otherIgw = await network.SendAsync(account, new CreateInternetGateway(Region));
        await network.SendAsync(account, new AttachInternetGateway(Region, otherIgw.InternetGatewayId, other.VpcId));
        await AssertFailsAsync(() => network.SendAsync(account, new CreateRoute(Region, table.RouteTableId, To("0.0.0.0/0", otherIgw.InternetGatewayId))),
            "InvalidParameterValue");
        Assert.False(await network.QueryAsync(db => db.Routes.AnyAsync(r => r.RouteTableId == table.RouteTableId)));

        await network.SendAsync(account, new AttachInternetGateway(Region, igw.InternetGatewayId, vpc.VpcId));
        var route = await network.SendAsync(account, new CreateRoute(Region, table.RouteTableId, To("0.0.0.0/0", igw.InternetGatewayId)));
        Assert.Equal(("0.0.0.0/0", igw.InternetGatewayId, "active", "CreateRoute"), (route.DestinationCidrBlock, route.GatewayId, route.State, route.Origin));
        await AssertFailsAsync(() => network.SendAsync(account, new CreateRoute(Region, table.RouteTableId, To("0.0.0.0/0", igw.InternetGatewayId))), "RouteAlreadyExists");
        await AssertFailsAsync(() => network.SendAsync(account, new CreateRoute(Region, table.RouteTableId, To("10.5.0.0/16", igw.InternetGatewayId))), "RouteAlreadyExists");
        await AssertFailsAsync(() => network.SendAsync(account, new ReplaceRoute(Region, table.RouteTableId, To("192.0.2.0/24", igw.InternetGatewayId))), "InvalidRoute.NotFound");
        await AssertFailsAsync(() => network.SendAsync(account, new DeleteRoute(Region, table.RouteTableId, "192.0.2.0/24")), "InvalidRoute.NotFound");

        // What the servers are told: the subnet (on the main table) with the route, and the VPC's block.
        var edge = await network.SendAsync(null, new DescribeHostNetworkEdge("h-test", [vpc.VpcId]));
        var routing = Assert.Single(edge.Vpcs);
        Assert.Equal("10.5.0.0/16", routing.CidrBlock);
        var described = Assert.Single(routing.Subnets);
        Assert.Equal((subnet.SubnetId, "10.5.1.1"), (described.SubnetId, described.Gateway));
        Assert.Equal([new RoutingEntry("0.0.0.0/0", RoutingTarget.InternetGateway, igw.InternetGatewayId, null, null)], described.Routes);
        Assert.Equal(new PublicNetworkInfo(NetworkTestDatabase.PublicCidr, "203.0.113.1"), edge.PublicNetwork);

        // A second gateway on the VPC, deleting an attached one, detaching from the wrong VPC.
        var second = await network.SendAsync(account, new CreateInternetGateway(Region));
        await AssertFailsAsync(() => network.SendAsync(account, new AttachInternetGateway(Region, second.InternetGatewayId, vpc.VpcId)), "Resource.AlreadyAssociated");
        await AssertFailsAsync(() => network.SendAsync(account, new AttachInternetGateway(Region, igw.InternetGatewayId, other.VpcId)), "Resource.AlreadyAssociated");
        await AssertFailsAsync(() => network.SendAsync(account, new DeleteInternetGateway(Region, igw.InternetGatewayId)), "DependencyViolation");
        await AssertFailsAsync(() => network.SendAsync(account, new DetachInternetGateway(Region, igw.InternetGatewayId, other.VpcId)), "Gateway.NotAttached");
        await AssertFailsAsync(() => network.SendAsync(account, new DeleteVpc(Region, vpc.VpcId)), "DependencyViolation");

        // Detached, the route stays and shows blackhole; the servers are told to drop what it covers.
        await network.SendAsync(account, new DetachInternetGateway(Region, igw.InternetGatewayId, vpc.VpcId));
        var after = (await network.SendAsync(account, new DescribeRouteTables([table.RouteTableId], []))).RouteTables[0];
        Assert.Equal("blackhole", after.Routes.Single(r => r.DestinationCidrBlock == "0.0.0.0/0").State);
        edge = await network.SendAsync(null, new DescribeHostNetworkEdge("h-test", [vpc.VpcId]));
        Assert.Equal(RoutingTarget.Blackhole, edge.Vpcs[0].Subnets[0].Routes[0].Target);

        await network.SendAsync(account, new DeleteRoute(Region, table.RouteTableId, "0.0.0.0/0"));
        await network.SendAsync(account, new DeleteInternetGateway(Region, igw.InternetGatewayId));
        Assert.DoesNotContain((await network.SendAsync(account, new DescribeInternetGateways([]))).InternetGateways, g => g.InternetGatewayId == igw.InternetGatewayId);
    }

    [Fact]
    public async Task Another_accounts_gateway_does_not_exist_and_nothing_changes()
    {
        var owner = New();
        var vpc = await network.SendAsync(owner, new CreateVpc(Region, "10.7.0.0/16"));
        var igw = await network.SendAsync(owner, new CreateInternetGateway(Region));
        await network.SendAsync(owner, new AttachInternetGateway(Region, igw.InternetGatewayId, vpc.VpcId));

        var stranger = New();
        var mine = await network.SendAsync(stranger, new CreateVpc(Region, "10.7.0.0/16"));
        var myTable = (await network.SendAsync(stranger, new DescribeRouteTables([], [mine.VpcId]))).RouteTables[0];
        await AssertFailsAsync(() => network.SendAsync(stranger, new CreateRoute(Region, myTable.RouteTableId, To("0.0.0.0/0", igw.InternetGatewayId))), "InvalidGatewayID.NotFound");
        await AssertFailsAsync(() => network.SendAsync(stranger, new DetachInternetGateway(Region, igw.InternetGatewayId, vpc.VpcId)), "InvalidInternetGatewayID.NotFound");
        await AssertFailsAsync(() => network.SendAsync(stranger, new DeleteInternetGateway(Region, igw.InternetGatewayId)), "InvalidInternetGatewayID.NotFound");
        await AssertFailsAsync(() => network.SendAsync(stranger, new DescribeInternetGateways([igw.InternetGatewayId])), "InvalidInternetGatewayID.NotFound");
        var ownerTable = (await network.SendAsync(owner, new DescribeRouteTables([], [vpc.VpcId]))).RouteTables[0];
        await AssertFailsAsync(() => network.SendAsync(stranger, new CreateRoute(Region, ownerTable.RouteTableId, To("0.0.0.0/0", igw.InternetGatewayId))),
            "InvalidRouteTableID.NotFound");
        Assert.Equal(vpc.VpcId, await network.QueryAsync(db => db.InternetGateways.Where(g => g.Id == igw.InternetGatewayId).Select(g => g.AttachedVpcId).SingleAsync()));
        Assert.False(await network.QueryAsync(db => db.Routes.AnyAsync(r => r.RouteTableId == myTable.RouteTableId || r.RouteTableId == ownerTable.RouteTableId)));
    }

    [Fact]
    public async Task Given_many_writers_at_once_Then_one_route_per_destination_and_one_gateway_per_VPC()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.8.0.0/16"));
        var table = (await network.SendAsync(account, new DescribeRouteTables([], [vpc.VpcId]))).RouteTables[0];
        var gateways = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => network.SendAsync(account, new CreateInternetGateway(Region))));
        var attached = await Task.WhenAll(gateways.Select(g => Succeeds(() => network.SendAsync(account, new AttachInternetGateway(Region, g.InternetGatewayId, vpc.VpcId)))));
        Assert.Equal(1, attached.Count(a => a));
        Assert.Equal(1, await network.QueryAsync(db => db.InternetGateways.CountAsync(g => g.AttachedVpcId == vpc.VpcId)));

        var winner = gateways[Array.IndexOf(attached, true)].InternetGatewayId;
        var created = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Succeeds(() => network.SendAsync(account, new CreateRoute(Region, table.RouteTableId, To("0.0.0.0/0", winner))))));
        Assert.Equal(1, created.Count(c => c));
        Assert.Equal(1, await network.QueryAsync(db => db.Routes.CountAsync(r => r.RouteTableId == table.RouteTableId)));
    }

    [Fact]
    public async Task Every_route_change_records_which_VPC_the_servers_must_hear_about()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.9.0.0/16"));
        var table = (await network.SendAsync(account, new DescribeRouteTables([], [vpc.VpcId]))).RouteTables[0];
        var igw = await network.SendAsync(account, new CreateInternetGateway(Region));
        await network.SendAsync(account, new AttachInternetGateway(Region, igw.InternetGatewayId, vpc.VpcId));
        await network.SendAsync(account, new CreateRoute(Region, table.RouteTableId, To("0.0.0.0/0", igw.InternetGatewayId)));
        await network.SendAsync(account, new DeleteRoute(Region, table.RouteTableId, "0.0.0.0/0"));
        var payloads = await network.QueryAsync(db => db.OutboxMessages.Where(m => m.Type.StartsWith(typeof(NetworkEdgeChanged).FullName!)).Select(m => m.Payload).ToListAsync());
        Assert.True(payloads.Count(p => p.Contains(vpc.VpcId, StringComparison.Ordinal)) >= 3, string.Join("\n", payloads));
    }

    private static async Task<bool> Succeeds(Func<Task> work)
    {
        try
        {
            await work();
            return true;
        }
        catch (Shared.Errors.ApiException)
        {
            return false;
        }
    }
}
