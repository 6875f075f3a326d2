using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.Interfaces;
using Platform.Modules.Network.SecurityGroups;
using Platform.Modules.Network.Subnets;
using Platform.Modules.Network.Vpcs;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using static Platform.Modules.Network.Tests.Handlers.TestAccounts;

namespace Platform.Modules.Network.Tests.Handlers;

/// <summary>The contract Compute's launch and termination use, and the firewall view the hosts enforce.</summary>
public sealed class InstanceInterfaceTests(NetworkTestDatabase network) : IClassFixture<NetworkTestDatabase>
{
    private const string Region = "test-1";

    private static string Instance() => ResourceIds.New("i");

    [Fact]
    public async Task Given_no_subnet_Then_the_interface_lands_in_the_default_subnet_of_the_zone()
    {
        var account = New();
        var first = await network.SendAsync(null, new CreateInstanceInterface(account, Instance()));
        Assert.Equal(NetworkTestDatabase.Zones[0], first.AvailabilityZone);
        Assert.Equal("172.31.0.4", first.PrivateIpAddress);
        Assert.Equal(("172.31.0.1", 20, "172.31.0.0/20"), (first.Gateway, first.PrefixLength, first.SubnetCidrBlock));
        Assert.Matches("^02(:[0-9a-f]{2}){5}$", first.MacAddress);
        Assert.StartsWith("eni-", first.NetworkInterfaceId, StringComparison.Ordinal);
        Assert.True(first.VpcIsolationId > 0);

        var groups = await network.SendAsync(account, new DescribeSecurityGroups(Region, [], ["default"], [first.VpcId]));
        Assert.Equal([groups.SecurityGroups.Single().GroupId], first.SecurityGroupIds);

        var second = await network.SendAsync(null, new CreateInstanceInterface(account, Instance(), AvailabilityZone: "test-1c"));
        Assert.Equal(("test-1c", "172.31.32.4"), (second.AvailabilityZone, second.PrivateIpAddress));
        Assert.Equal(first.VpcIsolationId, second.VpcIsolationId);

        await AssertFailsAsync(() => network.SendAsync(null, new CreateInstanceInterface(account, Instance(), AvailabilityZone: "mars-1a")), "InvalidParameterValue");
    }

    [Fact]
    public async Task Asking_twice_for_one_instance_returns_the_same_interface()
    {
        var account = New();
        var instance = Instance();
        var once = await network.SendAsync(null, new CreateInstanceInterface(account, instance));
        var twice = await network.SendAsync(null, new CreateInstanceInterface(account, instance));
        Assert.Equal(once, twice with { SecurityGroupIds = once.SecurityGroupIds });
        Assert.Equal(once.SecurityGroupIds, twice.SecurityGroupIds);
    }

    [Fact]
    public async Task Given_many_concurrent_launches_Then_every_interface_gets_a_distinct_address()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.0.0.0/16"));
        var subnet = await network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, "10.0.0.0/24", null));

        var made = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ =>
            Task.Run(() => network.SendAsync(null, new CreateInstanceInterface(account, Instance(), subnet.SubnetId)))));

        Assert.Equal(100, made.Select(m => m.PrivateIpAddress).Distinct().Count());
        Assert.Equal(100, made.Select(m => m.MacAddress).Distinct().Count());
        Assert.True(Ipv4Cidr.TryParse("10.0.0.0/24", out var cidr));
        Assert.All(made, m => Assert.True(Ipv4.TryParse(m.PrivateIpAddress, out var a) && SubnetAddresses.IsAssignable(cidr, a), m.PrivateIpAddress));
        var described = await network.SendAsync(account, new DescribeSubnets(Region, [subnet.SubnetId], []));
        Assert.Equal(251 - 100, described.Subnets.Single().AvailableIpAddressCount);
    }

    [Fact]
    public async Task Given_a_full_subnet_Then_launches_beyond_its_size_fail_and_a_release_makes_room()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.0.0.0/16"));
        var subnet = await network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, "10.0.0.0/28", null));
        var instances = Enumerable.Range(0, 20).Select(_ => Instance()).ToList();

        var outcomes = await Task.WhenAll(instances.Select(instance => Task.Run(async () =>
        {
            try
            {
                return await network.SendAsync(null, new CreateInstanceInterface(account, instance, subnet.SubnetId));
            }
            catch (ApiException e) when (e.Code == "InsufficientFreeAddressesInSubnet")
            {
                return null;
            }
        })));
        var made = outcomes.OfType<InstanceInterface>().ToList();
        Assert.Equal(11, made.Count);
        Assert.Equal(Enumerable.Range(4, 11).Select(i => $"10.0.0.{i}").Order(), made.Select(m => m.PrivateIpAddress).Order());

        var holder = instances[Array.FindIndex(outcomes, o => o is not null)];
        var released = await network.SendAsync(null, new ReleaseInstanceInterfaces(account, holder));
        Assert.Single(released.NetworkInterfaceIds);
        Assert.Equal([vpc.VpcId], released.VpcIds);
        Assert.Empty((await network.SendAsync(null, new ReleaseInstanceInterfaces(account, holder))).NetworkInterfaceIds);

        var next = await network.SendAsync(null, new CreateInstanceInterface(account, Instance(), subnet.SubnetId));
        Assert.Equal(made.Single(m => m.NetworkInterfaceId == released.NetworkInterfaceIds[0]).PrivateIpAddress, next.PrivateIpAddress);
    }

    [Fact]
    public async Task Groups_are_chosen_by_id_or_name_within_the_subnets_VPC_only()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.0.0.0/16"));
        var subnet = await network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, "10.0.0.0/24", null));
        var web = await network.SendAsync(account, new CreateSecurityGroup(Region, "web", "web", vpc.VpcId));
        var ssh = await network.SendAsync(account, new CreateSecurityGroup(Region, "ssh", "ssh", vpc.VpcId));
        var inDefaultVpc = await network.SendAsync(account, new CreateSecurityGroup(Region, "other", "other", null));

        var eni = await network.SendAsync(null, new CreateInstanceInterface(account, Instance(), subnet.SubnetId, [web.GroupId], ["ssh"]));
        Assert.Equal(new[] { web.GroupId, ssh.GroupId }.Order(StringComparer.Ordinal), eni.SecurityGroupIds);

        await AssertFailsAsync(() => network.SendAsync(null, new CreateInstanceInterface(account, Instance(), subnet.SubnetId, [inDefaultVpc.GroupId])), "InvalidParameter");
        await AssertFailsAsync(() => network.SendAsync(null, new CreateInstanceInterface(account, Instance(), subnet.SubnetId, SecurityGroupNames: ["other"])), "InvalidGroup.NotFound");
        await AssertFailsAsync(() => network.SendAsync(null, new CreateInstanceInterface(account, Instance(), subnet.SubnetId, ["sg-00000000000000000"])), "InvalidGroup.NotFound");
        await AssertFailsAsync(() => network.SendAsync(null, new CreateInstanceInterface(New(), Instance(), subnet.SubnetId)), "InvalidSubnetID.NotFound");
        await AssertFailsAsync(() => network.SendAsync(null, new CreateInstanceInterface(account, Instance(), subnet.SubnetId, AvailabilityZone: "test-1b")), "InvalidParameterValue");

        // In use: neither the group, the subnet nor the VPC can go.
        await AssertFailsAsync(() => network.SendAsync(account, new DeleteSecurityGroup(Region, web.GroupId)), "DependencyViolation");
        await AssertFailsAsync(() => network.SendAsync(account, new DeleteSubnet(Region, subnet.SubnetId)), "DependencyViolation");
        await AssertFailsAsync(() => network.SendAsync(account, new DeleteVpc(Region, vpc.VpcId)), "DependencyViolation");

        var described = await network.SendAsync(account, new DescribeNetworkInterfaces([eni.NetworkInterfaceId], [], [], []));
        var one = described.NetworkInterfaces.Single();
        Assert.Equal(("in-use", eni.PrivateIpAddress, eni.MacAddress), (one.Status, one.PrivateIpAddress, one.MacAddress));
        Assert.Equal(["ssh", "web"], one.Groups.Select(g => g.GroupName).Order());
        await AssertFailsAsync(() => network.SendAsync(New(), new DescribeNetworkInterfaces([eni.NetworkInterfaceId], [], [], [])), "InvalidNetworkInterfaceID.NotFound");
    }

    [Fact]
    public async Task The_firewall_expands_group_references_into_member_addresses()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.0.0.0/16"));
        var subnet = await network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, "10.0.0.0/24", null));
        var app = await network.SendAsync(account, new CreateSecurityGroup(Region, "app", "app", vpc.VpcId));
        var db = await network.SendAsync(account, new CreateSecurityGroup(Region, "db", "db", vpc.VpcId));
        await network.SendAsync(account, new AuthorizeSecurityGroupRules(Region, db.GroupId, false,
            [new RuleSpec("tcp", 5432, 5432, null, app.GroupId, null), new RuleSpec("icmp", 8, -1, "10.0.0.0/16", null, null)]));

        var app1Instance = Instance();
        var app1 = await network.SendAsync(null, new CreateInstanceInterface(account, app1Instance, subnet.SubnetId, [app.GroupId]));
        var app2 = await network.SendAsync(null, new CreateInstanceInterface(account, Instance(), subnet.SubnetId, [app.GroupId]));
        var dbInstance = Instance();
        var database = await network.SendAsync(null, new CreateInstanceInterface(account, dbInstance, subnet.SubnetId, [db.GroupId]));
        var peer = await network.SendAsync(null, new CreateInstanceInterface(account, Instance(), subnet.SubnetId));

        var firewall = await network.SendAsync(null, new DescribeInterfaceFirewall(InstanceIds: [dbInstance]));
        var one = Assert.Single(firewall);
        Assert.Equal((database.NetworkInterfaceId, database.MacAddress, database.PrivateIpAddress, vpc.VpcId), (one.NetworkInterfaceId, one.MacAddress, one.PrivateIpAddress, one.VpcId));
        Assert.Equal(database.VpcIsolationId, one.VpcIsolationId);
        Assert.Equal(
            new[]
            {
                new FirewallRule("icmp", 8, -1, "10.0.0.0/16"),
                new FirewallRule("tcp", 5432, 5432, app1.PrivateIpAddress + "/32"),
                new FirewallRule("tcp", 5432, 5432, app2.PrivateIpAddress + "/32"),
            }.OrderBy(r => r.Protocol, StringComparer.Ordinal).ThenBy(r => r.Cidr, StringComparer.Ordinal),
            one.Ingress.OrderBy(r => r.Protocol, StringComparer.Ordinal).ThenBy(r => r.Cidr, StringComparer.Ordinal));
        Assert.Equal([new FirewallRule("-1", null, null, "0.0.0.0/0")], one.Egress);

        var wholeVpc = await network.SendAsync(null, new DescribeInterfaceFirewall(VpcIds: [vpc.VpcId]));
        Assert.Equal(new[] { app1, app2, database, peer }.Select(e => e.NetworkInterfaceId).Order(StringComparer.Ordinal), wholeVpc.Select(f => f.NetworkInterfaceId));

        // The default group admits its members, itself included.
        var peerFirewall = Assert.Single(await network.SendAsync(null, new DescribeInterfaceFirewall([peer.NetworkInterfaceId])));
        Assert.Equal([new FirewallRule("-1", null, null, peer.PrivateIpAddress + "/32")], peerFirewall.Ingress);

        // A member leaving changes what the db group admits, and says so.
        var before = await network.QueryAsync(d => d.OutboxMessages.CountAsync(m => m.Payload.Contains(vpc.VpcId)));
        await network.SendAsync(null, new ReleaseInstanceInterfaces(account, app1Instance));
        var after = Assert.Single(await network.SendAsync(null, new DescribeInterfaceFirewall([database.NetworkInterfaceId])));
        Assert.DoesNotContain(after.Ingress, r => r.Cidr == app1.PrivateIpAddress + "/32");
        Assert.Equal(before + 1, await network.QueryAsync(d => d.OutboxMessages.CountAsync(m => m.Payload.Contains(vpc.VpcId))));
        Assert.Empty(await network.SendAsync(null, new DescribeInterfaceFirewall(["eni-00000000000000000"])));
    }
}
