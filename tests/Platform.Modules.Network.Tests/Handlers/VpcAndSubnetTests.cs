using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Subnets;
using Platform.Modules.Network.Vpcs;
using static Platform.Modules.Network.Tests.Handlers.TestAccounts;

namespace Platform.Modules.Network.Tests.Handlers;

public sealed class VpcAndSubnetTests(NetworkTestDatabase network) : IClassFixture<NetworkTestDatabase>
{
    private const string Region = "test-1";

    [Fact]
    public async Task Given_a_new_account_When_it_describes_VPCs_Then_the_default_VPC_has_a_default_subnet_per_zone()
    {
        var account = New();
        var vpcs = await network.SendAsync(account, new DescribeVpcs([]));
        var vpc = Assert.Single(vpcs.Vpcs);
        Assert.True(vpc.IsDefault);
        Assert.Equal("172.31.0.0/16", vpc.CidrBlock);
        Assert.Equal(account, vpc.OwnerId);

        var subnets = await network.SendAsync(account, new DescribeSubnets(Region, [], [vpc.VpcId]));
        Assert.Equal(["172.31.0.0/20", "172.31.16.0/20", "172.31.32.0/20"], subnets.Subnets.Select(s => s.CidrBlock));
        Assert.Equal(NetworkTestDatabase.Zones, subnets.Subnets.Select(s => s.AvailabilityZone));
        Assert.All(subnets.Subnets, s => Assert.True(s.DefaultForAz));
        Assert.All(subnets.Subnets, s => Assert.Equal(4096 - 5, s.AvailableIpAddressCount));

        // A second look makes nothing new.
        Assert.Single((await network.SendAsync(account, new DescribeVpcs([]))).Vpcs);
    }

    [Fact]
    public async Task Given_many_first_uses_at_once_Then_exactly_one_default_VPC_is_made()
    {
        var account = New();
        await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => network.SendAsync(account, new DescribeVpcs([]))));
        Assert.Equal(1, await network.QueryAsync(db => db.Vpcs.CountAsync(v => v.AccountId == account)));
        Assert.Equal(3, await network.QueryAsync(db => db.Subnets.CountAsync(s => s.AccountId == account)));
    }

    [Theory]
    [InlineData("10.0.0.0/15", "InvalidVpc.Range")]
    [InlineData("10.0.0.0/29", "InvalidVpc.Range")]
    [InlineData("10.0.0.1/16", "InvalidParameterValue")]
    [InlineData("10.0.0.0", "InvalidParameterValue")]
    [InlineData("", "MissingParameter")]
    public async Task Given_a_bad_VPC_block_Then_CreateVpc_fails_with_EC2s_code(string cidr, string code) =>
        await AssertFailsAsync(() => network.SendAsync(New(), new CreateVpc(Region, cidr)), code);

    [Fact]
    public async Task Subnets_stay_inside_their_VPC_and_apart_from_each_other()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.0.0.0/16"));
        var a = await network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, "10.0.1.0/24", null));
        Assert.Equal(NetworkTestDatabase.Zones[0], a.AvailabilityZone);
        Assert.Equal(251, a.AvailableIpAddressCount);
        var b = await network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, "10.0.2.0/28", "test-1b"));
        Assert.Equal(11, b.AvailableIpAddressCount);

        await AssertFailsAsync(() => network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, "10.0.1.128/25", null)), "InvalidSubnet.Conflict");
        await AssertFailsAsync(() => network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, "10.0.0.0/16", null)), "InvalidSubnet.Conflict");
        await AssertFailsAsync(() => network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, "10.1.0.0/24", null)), "InvalidSubnet.Range");
        await AssertFailsAsync(() => network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, "10.0.3.0/29", null)), "InvalidSubnet.Range");
        await AssertFailsAsync(() => network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, "10.0.3.0/24", "mars-1a")), "InvalidParameterValue");
        await AssertFailsAsync(() => network.SendAsync(account, new CreateSubnet(Region, "vpc-0000000000000000a", "10.0.3.0/24", null)), "InvalidVpcID.NotFound");
    }

    [Fact]
    public async Task Given_overlapping_subnets_created_at_once_Then_only_one_is_made()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.9.0.0/16"));
        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, i % 2 == 0 ? "10.9.0.0/24" : "10.9.0.0/23", null));
                return true;
            }
            catch (Shared.Errors.ApiException e) when (e.Code == "InvalidSubnet.Conflict")
            {
                return false;
            }
        }));
        Assert.Equal(1, attempts.Count(made => made));
    }

    [Fact]
    public async Task Every_VPC_gets_its_own_isolation_id()
    {
        var account = New();
        var made = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => network.SendAsync(account, new CreateVpc(Region, "10.0.0.0/16"))));
        var ids = await network.QueryAsync(db => db.Vpcs.Select(v => v.IsolationId).ToListAsync());
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(id > 0));
        Assert.Equal(10, made.Select(v => v.VpcId).Distinct().Count());
    }

    [Fact]
    public async Task Given_the_newest_VPC_deleted_Then_its_isolation_id_is_never_handed_out_again()
    {
        var account = New();
        async Task<int> IsolationIdAsync(string vpcId) => await network.QueryAsync(db => db.Vpcs.Where(v => v.Id == vpcId).Select(v => v.IsolationId).SingleAsync());
        var kept = await network.SendAsync(account, new CreateVpc(Region, "10.0.0.0/16"));
        var newest = await network.SendAsync(account, new CreateVpc(Region, "10.1.0.0/16"));
        var deletedId = await IsolationIdAsync(newest.VpcId);
        await network.SendAsync(account, new DeleteVpc(Region, newest.VpcId));
        Assert.False(await network.QueryAsync(db => db.Vpcs.AnyAsync(v => v.IsolationId >= deletedId)));

        // Each later VPC, the default VPC of a new account too, gets an id above the deleted one.
        var later = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => network.SendAsync(account, new CreateVpc(Region, "10.2.0.0/16"))));
        var defaultVpc = Assert.Single((await network.SendAsync(New(), new DescribeVpcs([]))).Vpcs);
        var laterIds = new List<int>();
        foreach (var vpc in later.Append(defaultVpc))
        {
            laterIds.Add(await IsolationIdAsync(vpc.VpcId));
        }

        Assert.All(laterIds, id => Assert.True(id > deletedId, $"isolation id {id} is not above the deleted VPC's {deletedId}"));
        Assert.Equal(laterIds.Count, laterIds.Distinct().Count());
        Assert.True(await IsolationIdAsync(kept.VpcId) < deletedId);
        // The allocation outlives its VPC.
        Assert.Equal(newest.VpcId, await network.QueryAsync(db => db.IsolationIds.Where(a => a.IsolationId == deletedId).Select(a => a.VpcId).SingleAsync()));
    }

    [Fact]
    public async Task Given_a_VPC_with_a_subnet_Then_it_cannot_be_deleted_until_the_subnet_is_gone()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.0.0.0/16"));
        var subnet = await network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, "10.0.0.0/24", null));
        await AssertFailsAsync(() => network.SendAsync(account, new DeleteVpc(Region, vpc.VpcId)), "DependencyViolation");
        await network.SendAsync(account, new DeleteSubnet(Region, subnet.SubnetId));
        await network.SendAsync(account, new DeleteVpc(Region, vpc.VpcId));
        await AssertFailsAsync(() => network.SendAsync(account, new DescribeVpcs([vpc.VpcId])), "InvalidVpcID.NotFound");
        Assert.Equal(0, await network.QueryAsync(db => db.SecurityGroups.CountAsync(g => g.VpcId == vpc.VpcId)));
    }

    [Fact]
    public async Task Another_accounts_VPC_does_not_exist_for_the_caller()
    {
        var owner = New();
        var other = New();
        var vpc = await network.SendAsync(owner, new CreateVpc(Region, "10.0.0.0/16"));
        await AssertFailsAsync(() => network.SendAsync(other, new DescribeVpcs([vpc.VpcId])), "InvalidVpcID.NotFound");
        await AssertFailsAsync(() => network.SendAsync(other, new CreateSubnet(Region, vpc.VpcId, "10.0.0.0/24", null)), "InvalidVpcID.NotFound");
        await AssertFailsAsync(() => network.SendAsync(other, new DeleteVpc(Region, vpc.VpcId)), "InvalidVpcID.NotFound");
    }
}
