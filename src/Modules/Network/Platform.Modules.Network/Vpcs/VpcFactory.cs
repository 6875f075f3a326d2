using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Ids;

namespace Platform.Modules.Network.Vpcs;

/// <summary>Adds a VPC with its default security group to the context, unsaved, as CreateVpc and the default VPC both need.</summary>
internal static class VpcFactory
{
    public const int MinPrefix = 16;
    public const int MaxPrefix = 28;

    /// <summary>The next isolation id; two creations racing for it are told apart by the unique index, and the loser retries.</summary>
    public static async Task<int> NextIsolationIdAsync(NetworkDbContext db, CancellationToken cancellationToken) =>
        (await db.Vpcs.MaxAsync(v => (int?)v.IsolationId, cancellationToken) ?? 0) + 1;

    public static Vpc Add(NetworkDbContext db, string accountId, string cidrBlock, bool isDefault, int isolationId, DateTime now)
    {
        var vpc = new Vpc
        {
            Id = ResourceIds.New("vpc"),
            AccountId = accountId,
            CidrBlock = cidrBlock,
            IsolationId = isolationId,
            IsDefault = isDefault,
            CreatedAt = now,
        };
        db.Vpcs.Add(vpc);

        // AWS's default group: members reach each other on anything; everything may leave; nothing else comes in.
        var group = new SecurityGroup
        {
            Id = ResourceIds.New("sg"),
            AccountId = accountId,
            VpcId = vpc.Id,
            GroupName = "default",
            Description = "default VPC security group",
            IsDefault = true,
            CreatedAt = now,
        };
        db.SecurityGroups.Add(group);
        db.SecurityGroupRules.Add(new SecurityGroupRule
        {
            Id = ResourceIds.New("sgr"), GroupId = group.Id, AccountId = accountId, IsEgress = false, Protocol = "-1",
            ReferencedGroupId = group.Id, CreatedAt = now,
        });
        db.SecurityGroupRules.Add(AllowAllEgress(group, now));
        return vpc;
    }

    /// <summary>The egress rule every new group starts with, as in AWS.</summary>
    public static SecurityGroupRule AllowAllEgress(SecurityGroup group, DateTime now) => new()
    {
        Id = ResourceIds.New("sgr"), GroupId = group.Id, AccountId = group.AccountId, IsEgress = true, Protocol = "-1",
        CidrIpv4 = "0.0.0.0/0", CreatedAt = now,
    };
}
