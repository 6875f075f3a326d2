using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.SecurityGroups;
using Platform.Modules.Network.Subnets;
using Platform.Modules.Network.Vpcs;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using static Platform.Modules.Network.Tests.Handlers.TestAccounts;

namespace Platform.Modules.Network.Tests.Handlers;

/// <summary>Deletes racing launches: either the delete fails with DependencyViolation or the launch fails; nothing is left orphaned.</summary>
public sealed class DeleteRaceTests(NetworkTestDatabase network) : IClassFixture<NetworkTestDatabase>
{
    private const string Region = "test-1";

    [Fact]
    public async Task Given_launches_racing_a_subnet_and_group_delete_Then_no_interface_outlives_its_subnet_or_groups()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.0.0.0/16"));
        for (var round = 0; round < 15; round++)
        {
            var subnet = await network.SendAsync(account, new CreateSubnet(Region, vpc.VpcId, $"10.0.{round}.0/24", null));
            var group = await network.SendAsync(account, new CreateSecurityGroup(Region, $"g{round}", "racing", vpc.VpcId));
            var launches = Enumerable.Range(0, 4).Select(_ => Task.Run(() => Tolerate(() =>
                network.SendAsync(null, new CreateInstanceInterface(account, ResourceIds.New("i"), subnet.SubnetId, [group.GroupId])))));
            var deletes = new[]
            {
                Task.Run(() => Tolerate(() => network.SendAsync(account, new DeleteSubnet(Region, subnet.SubnetId)))),
                Task.Run(() => Tolerate(() => network.SendAsync(account, new DeleteSecurityGroup(Region, group.GroupId)))),
            };
            await Task.WhenAll(launches.Concat(deletes));
        }

        var orphans = await network.QueryAsync(db => db.NetworkInterfaces
            .Where(n => n.AccountId == account)
            .Where(n => !db.Subnets.Any(s => s.Id == n.SubnetId)
                || db.InterfaceSecurityGroups.Any(l => l.InterfaceId == n.Id && !db.SecurityGroups.Any(g => g.Id == l.GroupId)))
            .CountAsync());
        Assert.Equal(0, orphans);
    }

    private static async Task<bool> Tolerate<T>(Func<Task<T>> work)
    {
        try
        {
            await work();
            return true;
        }
        catch (ApiException e) when (e.Code is "DependencyViolation" or "InvalidSubnetID.NotFound" or "InvalidGroup.NotFound")
        {
            return false;
        }
    }
}
