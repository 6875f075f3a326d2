using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Ids;

namespace Platform.Modules.Network.Vpcs;

/// <summary>
/// Makes an account's default VPC on its first use of the network, as AWS has one ready in every
/// account: 172.31.0.0/16, a /20 default subnet per availability zone (172.31.0.0/20, 172.31.16.0/20, …
/// in the configured zone order) and the default security group. Made once: if the tenant deletes it,
/// it stays deleted (AWS makes a new one only when asked).
/// </summary>
internal sealed class DefaultVpcProvisioner(NetworkDbContext db, NetworkSettings settings)
{
    public const string CidrBlock = "172.31.0.0/16";
    private const int Attempts = 8;

    /// <summary>Call it before tracking anything else: losing a race clears the context's change tracker.</summary>
    /// <returns>The default VPC, or null when the account deleted it.</returns>
    public async Task<Vpc?> EnsureAsync(string accountId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var marker = await db.AccountNetworks.AsNoTracking().SingleOrDefaultAsync(a => a.AccountId == accountId, cancellationToken);
            if (marker is not null)
            {
                return marker.DefaultVpcId is null ? null : await db.Vpcs.AsNoTracking().SingleOrDefaultAsync(v => v.Id == marker.DefaultVpcId, cancellationToken);
            }

            var now = DateTime.UtcNow;
            var vpc = VpcFactory.Add(db, accountId, CidrBlock, isDefault: true, await VpcFactory.NextIsolationIdAsync(db, cancellationToken), now);
            var block = Ipv4Cidr.TryParse(CidrBlock, out var parsed) ? parsed : throw new InvalidOperationException(CidrBlock);
            for (var i = 0; i < settings.AvailabilityZones.Count && i < 16; i++)
            {
                db.Subnets.Add(new Subnet
                {
                    Id = ResourceIds.New("subnet"),
                    AccountId = accountId,
                    VpcId = vpc.Id,
                    CidrBlock = new Ipv4Cidr(block.Network + (uint)(i << 12), 20).ToString(),
                    AvailabilityZone = settings.AvailabilityZones[i],
                    DefaultForAz = true,
                    CreatedAt = now,
                });
            }

            db.AccountNetworks.Add(new AccountNetwork { AccountId = accountId, DefaultVpcId = vpc.Id, CreatedAt = now });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return vpc;
            }
            catch (DbUpdateException) when (attempt < Attempts)
            {
                // Another request made it first (the account key) or took the isolation id: look again.
                db.ChangeTracker.Clear();
            }
        }
    }
}
