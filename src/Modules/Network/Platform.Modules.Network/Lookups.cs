using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network;

/// <summary>Finds a resource of the caller's account; another account's resource of the same id does not exist here.</summary>
internal static class Lookups
{
    public static async Task<Vpc> FindVpcAsync(this NetworkDbContext db, string accountId, string vpcId, CancellationToken cancellationToken) =>
        await db.Vpcs.SingleOrDefaultAsync(v => v.Id == vpcId && v.AccountId == accountId, cancellationToken)
            ?? throw NetworkErrors.VpcNotFound(vpcId);

    public static async Task<Subnet> FindSubnetAsync(this NetworkDbContext db, string accountId, string subnetId, CancellationToken cancellationToken) =>
        await db.Subnets.SingleOrDefaultAsync(s => s.Id == subnetId && s.AccountId == accountId, cancellationToken)
            ?? throw NetworkErrors.SubnetNotFound(subnetId);

    public static async Task<SecurityGroup> FindGroupAsync(this NetworkDbContext db, string accountId, string groupId, CancellationToken cancellationToken) =>
        await db.SecurityGroups.SingleOrDefaultAsync(g => g.Id == groupId && g.AccountId == accountId, cancellationToken)
            ?? throw NetworkErrors.GroupNotFound(groupId);

    public static async Task<RouteTable> FindRouteTableAsync(this NetworkDbContext db, string accountId, string id, CancellationToken cancellationToken) =>
        await db.RouteTables.SingleOrDefaultAsync(t => t.Id == id && t.AccountId == accountId, cancellationToken)
            ?? throw NetworkErrors.RouteTableNotFound(id);

    public static async Task<InternetGateway> FindInternetGatewayAsync(this NetworkDbContext db, string accountId, string id, CancellationToken cancellationToken) =>
        await db.InternetGateways.SingleOrDefaultAsync(g => g.Id == id && g.AccountId == accountId, cancellationToken)
            ?? throw NetworkErrors.InternetGatewayNotFound(id);

    public static async Task<ElasticAddress> FindAllocationAsync(this NetworkDbContext db, string accountId, string id, CancellationToken cancellationToken) =>
        await db.ElasticAddresses.SingleOrDefaultAsync(a => a.AllocationId == id && a.AccountId == accountId, cancellationToken)
            ?? throw NetworkErrors.AllocationNotFound(id);

    /// <summary>The account's NAT gateway; a deleted one is still found (describe shows it for a while, as AWS).</summary>
    public static async Task<NatGateway> FindNatGatewayAsync(this NetworkDbContext db, string accountId, string id, CancellationToken cancellationToken) =>
        await db.NatGateways.SingleOrDefaultAsync(n => n.Id == id && n.AccountId == accountId, cancellationToken)
            ?? throw NetworkErrors.NatGatewayNotFound(id);

    /// <summary>The ids asked for that were not found, for EC2's "the ID does not exist" on a describe.</summary>
    public static string? FirstMissing(IReadOnlyCollection<string> asked, IEnumerable<string> found)
    {
        var set = found.ToHashSet(StringComparer.Ordinal);
        return asked.FirstOrDefault(id => !set.Contains(id));
    }
}
