using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Network.Tagging;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Network.Vpcs;

/// <summary>
/// Deletes a VPC with nothing left in it but its default group (EC2's DependencyViolation otherwise:
/// subnets, interfaces and other groups go first). The default VPC may be deleted too; it is not made again.
/// </summary>
internal sealed record DeleteVpc(string Region, string VpcId) : IRequest, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DeleteVpc", NetworkArns.Vpc(Region, caller.AccountId, VpcId));
}

internal sealed class DeleteVpcHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DeleteVpc>
{
    public async ValueTask<Unit> Handle(DeleteVpc request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var vpc = await db.FindVpcAsync(accountId, request.VpcId, cancellationToken);
        var violation = () => NetworkErrors.DependencyViolation($"The vpc '{vpc.Id}' has dependencies and cannot be deleted.");
        var mainAssociation = await db.RouteTableAssociations.SingleOrDefaultAsync(a => a.MainVpcId == vpc.Id, cancellationToken);
        var mainTableId = mainAssociation?.RouteTableId;
        Func<CancellationToken, Task<bool>> inUse = async ct =>
            await db.Subnets.AnyAsync(s => s.VpcId == vpc.Id, ct)
            || await db.NetworkInterfaces.AnyAsync(n => n.VpcId == vpc.Id, ct)
            || await db.SecurityGroups.AnyAsync(g => g.VpcId == vpc.Id && !g.IsDefault, ct)
            || await db.RouteTables.AnyAsync(t => t.VpcId == vpc.Id && t.Id != mainTableId, ct)
            || await db.InternetGateways.AnyAsync(g => g.AttachedVpcId == vpc.Id, ct)
            || await db.NatGateways.AnyAsync(n => n.VpcId == vpc.Id && n.State != NatGatewayStates.Deleted && n.State != NatGatewayStates.Failed, ct);
        if (await inUse(cancellationToken))
        {
            throw violation();
        }

        var groups = await db.SecurityGroups.Where(g => g.VpcId == vpc.Id).ToListAsync(cancellationToken);
        var groupIds = groups.Select(g => g.Id).ToList();
        db.SecurityGroupRules.RemoveRange(await db.SecurityGroupRules.Where(r => groupIds.Contains(r.GroupId)).ToListAsync(cancellationToken));
        db.SecurityGroups.RemoveRange(groups);
        if (vpc.IsDefault && await db.AccountNetworks.SingleOrDefaultAsync(a => a.AccountId == accountId, cancellationToken) is { } marker)
        {
            marker.DefaultVpcId = null;
        }

        // The main route table goes with the VPC, as on EC2.
        if (mainAssociation is not null)
        {
            db.RouteTableAssociations.Remove(mainAssociation);
            db.Routes.RemoveRange(await db.Routes.Where(r => r.RouteTableId == mainTableId).ToListAsync(cancellationToken));
            db.RouteTables.RemoveRange(await db.RouteTables.Where(t => t.Id == mainTableId).ToListAsync(cancellationToken));
        }

        // The version check also refuses the delete if a subnet was created since the VPC was read.
        await NetworkTagStore.RemoveAllAsync(db, [vpc.Id, .. groupIds, .. mainTableId is null ? Array.Empty<string>() : [mainTableId]], cancellationToken);
        db.Vpcs.Remove(vpc);
        await CheckedDelete.RunAsync(db, inUse, violation, cancellationToken);
        return Unit.Value;
    }
}
