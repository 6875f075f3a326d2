using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.ElasticIps;
using Platform.Modules.Network.LoadBalancing.LoadBalancers;
using Platform.Modules.Network.Persistence;
using static Platform.Modules.Network.Tests.Handlers.TestAccounts;

namespace Platform.Modules.Network.Tests.Metering;

/// <summary>What Network tells Billing it bills by the hour: a tenant's addresses, its live or lately deleted NAT gateways, its balancers.</summary>
public sealed class MeteredNetworkResourcesTests(NetworkTestDatabase network) : IClassFixture<NetworkTestDatabase>
{
    [Fact]
    public async Task Given_addresses_gateways_and_a_balancer_Then_the_billed_ones_are_described_and_the_balancers_own_address_and_failed_or_long_deleted_gateways_are_not()
    {
        var account = New();
        var since = new DateTime(2026, 12, 5, 10, 0, 0, DateTimeKind.Utc);
        var idle = await network.SendAsync(account, new AllocateAddress("test-1", null));
        var used = await network.SendAsync(account, new AllocateAddress("test-1", null));
        await network.QueryAsync(async db =>
        {
            var address = db.ElasticAddresses.Single(a => a.AllocationId == used.AllocationId);
            address.AssociationId = "eipassoc-0123456789abcdef0";
            db.ElasticAddresses.Add(new ElasticAddress
            {
                AllocationId = "eipalloc-0e1b0000000000001", AccountId = CreateLoadBalancerHandler.ServiceOwner, PublicIp = "203.0.113.250",
                AddressValue = 0xCB0071FA, AllocatedAt = since,
            });
            db.NatGateways.AddRange(
                Nat(account, "nat-0000000000000live", NatGatewayStates.Available, since.AddDays(-1), null),
                Nat(account, "nat-000000000000late1", NatGatewayStates.Deleted, since.AddDays(-1), since.AddMinutes(20)),
                Nat(account, "nat-000000000000gone1", NatGatewayStates.Deleted, since.AddDays(-1), since.AddSeconds(-1)),
                Nat(account, "nat-0000000000failed1", NatGatewayStates.Failed, since.AddDays(-1), null));
            db.LoadBalancers.Add(new LoadBalancer
            {
                Arn = $"arn:aws:elasticloadbalancing:test-1:{account}:loadbalancer/app/web/0123456789abcdef", AccountId = account, Name = "web",
                Type = "application", Scheme = "internal", VpcId = "vpc-1", State = "active", NodesJson = "[]", CreatedAt = since.AddMinutes(5),
            });
            return await db.SaveChangesAsync();
        });

        var described = await network.SendAsync(null, new DescribeMeteredNetworkResources(since));

        Assert.DoesNotContain(described, r => r.AccountId == CreateLoadBalancerHandler.ServiceOwner);
        var mine = described.Where(r => r.AccountId == account).OrderBy(r => r.ResourceId, StringComparer.Ordinal).ToList();
        var expected = new List<(string, string, string?, DateTime?)>
        {
            ($"arn:aws:elasticloadbalancing:test-1:{account}:loadbalancer/app/web/0123456789abcdef", MeteredNetworkKinds.LoadBalancer, "application", null),
            (idle.AllocationId, MeteredNetworkKinds.ElasticIp, MeteredNetworkKinds.Idle, null),
            (used.AllocationId, MeteredNetworkKinds.ElasticIp, MeteredNetworkKinds.InUse, null),
            ("nat-000000000000late1", MeteredNetworkKinds.NatGateway, null, since.AddMinutes(20)),
            ("nat-0000000000000live", MeteredNetworkKinds.NatGateway, null, null),
        };
        Assert.Equal(
            expected.OrderBy(r => r.Item1, StringComparer.Ordinal),
            mine.Select(r => (r.ResourceId, r.Kind, r.Detail, r.DeletedAt)).OrderBy(r => r.ResourceId, StringComparer.Ordinal));
        Assert.All(mine.Where(r => r.Kind == MeteredNetworkKinds.ElasticIp), r => Assert.InRange(r.CreatedAt, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow));
    }

    private static NatGateway Nat(string account, string id, string state, DateTime created, DateTime? deleted) => new()
    {
        Id = id, AccountId = account, VpcId = "vpc-1", SubnetId = "subnet-1", AllocationId = "eipalloc-1", State = state, CreatedAt = created, DeletedAt = deleted,
    };
}
