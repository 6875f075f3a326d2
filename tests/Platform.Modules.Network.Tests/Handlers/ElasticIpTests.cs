using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.ElasticIps;
using Platform.Modules.Network.Interfaces;
using Platform.Modules.Network.InternetGateways;
using Platform.Modules.Network.Subnets;
using Platform.Modules.Network.Vpcs;
using Platform.Modules.Shared.Ids;
using static Platform.Modules.Network.Tests.Handlers.TestAccounts;

namespace Platform.Modules.Network.Tests.Handlers;

/// <summary>Elastic IPs from the operator's pool: limits, ownership, association and moves, and what the servers are told.</summary>
public sealed class ElasticIpTests(NetworkTestDatabase network) : IClassFixture<NetworkTestDatabase>
{
    private const string Region = "test-1";

    [Fact]
    public async Task Given_the_limit_of_5_Then_the_sixth_allocation_is_AddressLimitExceeded_and_none_is_made()
    {
        var account = New();
        var addresses = new List<AddressResponse>();
        for (var i = 0; i < 5; i++)
        {
            addresses.Add(await network.SendAsync(account, new AllocateAddress(Region, null)));
        }

        Assert.All(addresses, a => Assert.StartsWith("eipalloc-", a.AllocationId, StringComparison.Ordinal));
        Assert.All(addresses, a => Assert.StartsWith("203.0.113.", a.PublicIp, StringComparison.Ordinal));
        Assert.Equal(5, addresses.Select(a => a.PublicIp).Distinct().Count());
        Assert.DoesNotContain("203.0.113.1", addresses.Select(a => a.PublicIp));
        await AssertFailsAsync(() => network.SendAsync(account, new AllocateAddress(Region, null)), "AddressLimitExceeded");
        Assert.Equal(5, await network.QueryAsync(db => db.ElasticAddresses.CountAsync(a => a.AccountId == account)));
    }

    [Fact]
    public async Task Given_many_allocations_at_once_Then_the_account_ends_at_its_limit_with_distinct_addresses()
    {
        var accounts = new[] { New(), New() };
        var attempts = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
        {
            try
            {
                return await network.SendAsync(accounts[i % 2], new AllocateAddress(Region, null));
            }
            catch (Shared.Errors.ApiException error) when (error.Code == "AddressLimitExceeded")
            {
                return null;
            }
        }));
        var made = attempts.OfType<AddressResponse>().ToList();
        Assert.Equal(made.Count, made.Select(a => a.PublicIp).Distinct().Count());
        foreach (var account in accounts)
        {
            Assert.InRange(await network.QueryAsync(db => db.ElasticAddresses.CountAsync(a => a.AccountId == account)), 1, 5);
        }

        var all = await network.QueryAsync(db => db.ElasticAddresses.Select(a => a.PublicIp).ToListAsync());
        Assert.Equal(all.Count, all.Distinct().Count());
    }

    [Theory]
    [InlineData("198.51.100.7", "InvalidParameterValue")]
    [InlineData("203.0.113.1", "InvalidParameterValue")]
    [InlineData("203.0.113.255", "InvalidParameterValue")]
    [InlineData("203.0.113", "InvalidParameterValue")]
    public async Task Given_an_address_outside_the_pool_Then_AllocateAddress_fails_and_allocates_nothing(string address, string code)
    {
        var account = New();
        await AssertFailsAsync(() => network.SendAsync(account, new AllocateAddress(Region, address)), code);
        Assert.False(await network.QueryAsync(db => db.ElasticAddresses.AnyAsync(a => a.AccountId == account)));
    }

    [Fact]
    public async Task A_given_address_of_the_pool_is_allocated_once()
    {
        var first = await network.SendAsync(New(), new AllocateAddress(Region, "203.0.113.200"));
        Assert.Equal("203.0.113.200", first.PublicIp);
        await AssertFailsAsync(() => network.SendAsync(New(), new AllocateAddress(Region, "203.0.113.200")), "InvalidAddress.InUse");
    }

    [Fact]
    public async Task Associate_move_disassociate_release_as_EC2()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.20.0.0/16"));
        var subnet = await network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, "10.20.1.0/24", null));
        var firstInstance = ResourceIds.New("i");
        var first = await network.SendAsync(null, new CreateInstanceInterface(account, firstInstance, subnet.SubnetId));
        var secondInstance = ResourceIds.New("i");
        var second = await network.SendAsync(null, new CreateInstanceInterface(account, secondInstance, subnet.SubnetId));
        var address = await network.SendAsync(account, new AllocateAddress(Region, null));

        // No internet gateway on the VPC: nothing to map the address through.
        await AssertFailsAsync(() => network.SendAsync(account, new AssociateAddress(Region, address.AllocationId, null, first.NetworkInterfaceId, false)), "Gateway.NotAttached");
        var igw = await network.SendAsync(account, new CreateInternetGateway(Region));
        await network.SendAsync(account, new AttachInternetGateway(Region, igw.InternetGatewayId, vpc.VpcId));

        var association = await network.SendAsync(account, new AssociateAddress(Region, address.AllocationId, null, first.NetworkInterfaceId, false));
        Assert.StartsWith("eipassoc-", association.AssociationId, StringComparison.Ordinal);
        var firewall = await network.SendAsync(null, new DescribeInterfaceFirewall(NetworkInterfaceIds: [first.NetworkInterfaceId, second.NetworkInterfaceId]));
        Assert.Equal(address.PublicIp, firewall.Single(f => f.NetworkInterfaceId == first.NetworkInterfaceId).PublicIpAddress);
        Assert.Null(firewall.Single(f => f.NetworkInterfaceId == second.NetworkInterfaceId).PublicIpAddress);
        var shown = (await network.SendAsync(account, new DescribeNetworkInterfaces([first.NetworkInterfaceId], [], [], []))).NetworkInterfaces[0];
        Assert.Equal((address.PublicIp, association.AssociationId), (shown.PublicIpAddress, shown.Association!.AssociationId));

        // Moving needs allow_reassociation; the instance's primary interface is found by the instance id.
        await AssertFailsAsync(() => network.SendAsync(account, new AssociateAddress(Region, address.AllocationId, secondInstance, null, false)), "Resource.AlreadyAssociated");
        var moved = await network.SendAsync(account, new AssociateAddress(Region, address.AllocationId, secondInstance, null, true));
        Assert.NotEqual(association.AssociationId, moved.AssociationId);
        Assert.Equal(new Dictionary<string, string> { [secondInstance] = address.PublicIp },
            await network.SendAsync(null, new DescribeInstancePublicAddresses([secondInstance, firstInstance])));
        var described = (await network.SendAsync(account, new DescribeAddresses([address.AllocationId], []))).Addresses[0];
        Assert.Equal((second.NetworkInterfaceId, secondInstance, second.PrivateIpAddress), (described.NetworkInterfaceId, described.InstanceId, described.PrivateIpAddress));

        // While mapped: the gateway stays and the address cannot be released.
        await AssertFailsAsync(() => network.SendAsync(account, new DetachInternetGateway(Region, igw.InternetGatewayId, vpc.VpcId)), "DependencyViolation");
        await AssertFailsAsync(() => network.SendAsync(account, new ReleaseAddress(Region, address.AllocationId)), "InvalidIPAddress.InUse");
        await AssertFailsAsync(() => network.SendAsync(account, new DisassociateAddress(Region, association.AssociationId)), "InvalidAssociationID.NotFound");

        // Another account sees none of it.
        var stranger = New();
        await AssertFailsAsync(() => network.SendAsync(stranger, new AssociateAddress(Region, address.AllocationId, null, first.NetworkInterfaceId, true)), "InvalidAllocationID.NotFound");
        await AssertFailsAsync(() => network.SendAsync(stranger, new DisassociateAddress(Region, moved.AssociationId)), "InvalidAssociationID.NotFound");
        await AssertFailsAsync(() => network.SendAsync(stranger, new ReleaseAddress(Region, address.AllocationId)), "InvalidAllocationID.NotFound");
        await AssertFailsAsync(() => network.SendAsync(stranger, new DescribeAddresses([address.AllocationId], [])), "InvalidAllocationID.NotFound");
        var theirs = await network.SendAsync(stranger, new AllocateAddress(Region, null));
        await AssertFailsAsync(() => network.SendAsync(stranger, new AssociateAddress(Region, theirs.AllocationId, null, first.NetworkInterfaceId, true)), "InvalidNetworkInterfaceID.NotFound");
        Assert.Equal(second.NetworkInterfaceId, await network.QueryAsync(db => db.ElasticAddresses.Where(a => a.AllocationId == address.AllocationId).Select(a => a.NetworkInterfaceId).SingleAsync()));

        await network.SendAsync(account, new DisassociateAddress(Region, moved.AssociationId));
        await network.SendAsync(account, new DetachInternetGateway(Region, igw.InternetGatewayId, vpc.VpcId));
        await network.SendAsync(account, new ReleaseAddress(Region, address.AllocationId));
        await AssertFailsAsync(() => network.SendAsync(account, new DescribeAddresses([address.AllocationId], [])), "InvalidAllocationID.NotFound");
    }

    [Fact]
    public async Task An_interface_takes_one_address_and_a_terminated_instance_lets_its_address_go_but_keeps_it_allocated()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.21.0.0/16"));
        var subnet = await network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, "10.21.1.0/24", null));
        var igw = await network.SendAsync(account, new CreateInternetGateway(Region));
        await network.SendAsync(account, new AttachInternetGateway(Region, igw.InternetGatewayId, vpc.VpcId));
        var instance = ResourceIds.New("i");
        var eni = await network.SendAsync(null, new CreateInstanceInterface(account, instance, subnet.SubnetId));
        var a = await network.SendAsync(account, new AllocateAddress(Region, null));
        var b = await network.SendAsync(account, new AllocateAddress(Region, null));
        await network.SendAsync(account, new AssociateAddress(Region, a.AllocationId, instance, null, false));

        // A second address on the interface replaces the first, which stays allocated (as EC2).
        await network.SendAsync(account, new AssociateAddress(Region, b.AllocationId, null, eni.NetworkInterfaceId, false));
        var both = (await network.SendAsync(account, new DescribeAddresses([a.AllocationId, b.AllocationId], []))).Addresses.ToDictionary(x => x.AllocationId);
        Assert.Null(both[a.AllocationId].AssociationId);
        Assert.Equal(eni.NetworkInterfaceId, both[b.AllocationId].NetworkInterfaceId);

        await network.SendAsync(null, new ReleaseInstanceInterfaces(account, instance));
        var after = (await network.SendAsync(account, new DescribeAddresses([b.AllocationId], []))).Addresses[0];
        Assert.Null(after.NetworkInterfaceId);
        await network.SendAsync(account, new DetachInternetGateway(Region, igw.InternetGatewayId, vpc.VpcId));
    }

    [Fact]
    public async Task Given_two_addresses_moved_onto_one_interface_at_once_Then_it_ends_with_one()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.22.0.0/16"));
        var subnet = await network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, "10.22.1.0/24", null));
        var igw = await network.SendAsync(account, new CreateInternetGateway(Region));
        await network.SendAsync(account, new AttachInternetGateway(Region, igw.InternetGatewayId, vpc.VpcId));
        var eni = await network.SendAsync(null, new CreateInstanceInterface(account, ResourceIds.New("i"), subnet.SubnetId));
        var addresses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => network.SendAsync(account, new AllocateAddress(Region, null))));
        await Task.WhenAll(addresses.Select(async a =>
        {
            try
            {
                await network.SendAsync(account, new AssociateAddress(Region, a.AllocationId, null, eni.NetworkInterfaceId, true));
            }
            catch (Shared.Errors.ApiException error) when (error.Code == "RequestLimitExceeded")
            {
            }
        }));
        Assert.Equal(1, await network.QueryAsync(db => db.ElasticAddresses.CountAsync(x => x.NetworkInterfaceId == eni.NetworkInterfaceId)));
    }
}
