using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Ids;

namespace Platform.Modules.Network.Vpcs;

/// <summary>Adds a VPC with its default security group and main route table to the context, unsaved, as CreateVpc and the default VPC both need.</summary>
internal static class VpcFactory
{
    public const int MinPrefix = 16;
    public const int MaxPrefix = 28;

    /// <summary>The largest VXLAN/Geneve network identifier (24 bits).</summary>
    public const int MaxIsolationId = 0xff_ffff;

    /// <summary>
    /// The next isolation id: above every id ever allocated, deleted VPCs' included, so none is used twice. Two
    /// creations racing for it are told apart by the allocation's key, and the loser retries.
    /// </summary>
    public static async Task<int> NextIsolationIdAsync(NetworkDbContext db, CancellationToken cancellationToken)
    {
        var next = (await db.IsolationIds.MaxAsync(a => (int?)a.IsolationId, cancellationToken) ?? 0) + 1;
        return next <= MaxIsolationId ? next : throw NetworkErrors.VpcLimitExceeded(
            $"The platform has handed out all {MaxIsolationId} VPC isolation ids (VNIs); ids are never reused.");
    }

    /// <param name="isolationId">From <see cref="NextIsolationIdAsync"/>; recorded as allocated in the same save as the VPC.</param>
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
        db.IsolationIds.Add(new IsolationIdAllocation { IsolationId = isolationId, VpcId = vpc.Id, AllocatedAt = now });

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

        // Its main route table, which holds only the implicit local route until routes are added.
        var table = new RouteTable { Id = ResourceIds.New("rtb"), AccountId = accountId, VpcId = vpc.Id, CreatedAt = now };
        db.RouteTables.Add(table);
        db.RouteTableAssociations.Add(new RouteTableAssociation
        {
            Id = ResourceIds.New("rtbassoc"), AccountId = accountId, VpcId = vpc.Id, RouteTableId = table.Id, MainVpcId = vpc.Id, CreatedAt = now,
        });
        return vpc;
    }

    /// <summary>The egress rule every new group starts with, as in AWS.</summary>
    public static SecurityGroupRule AllowAllEgress(SecurityGroup group, DateTime now) => new()
    {
        Id = ResourceIds.New("sgr"), GroupId = group.Id, AccountId = group.AccountId, IsEgress = true, Protocol = "-1",
        CidrIpv4 = "0.0.0.0/0", CreatedAt = now,
    };
}
