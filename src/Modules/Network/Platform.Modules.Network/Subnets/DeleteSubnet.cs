using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Network.Tagging;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Network.Subnets;

/// <summary>Deletes a subnet no interface uses (EC2's DependencyViolation otherwise).</summary>
internal sealed record DeleteSubnet(string Region, string SubnetId) : IRequest, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DeleteSubnet", NetworkArns.Subnet(Region, caller.AccountId, SubnetId));
}

internal sealed class DeleteSubnetHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DeleteSubnet>
{
    public async ValueTask<Unit> Handle(DeleteSubnet request, CancellationToken cancellationToken)
    {
        var subnet = await db.FindSubnetAsync(caller.Identity.AccountId, request.SubnetId, cancellationToken);
        var violation = () => NetworkErrors.DependencyViolation($"The subnet '{subnet.Id}' has dependencies and cannot be deleted.");
        Func<CancellationToken, Task<bool>> inUse = ct => db.NetworkInterfaces.AnyAsync(n => n.SubnetId == subnet.Id, ct);
        if (await inUse(cancellationToken))
        {
            throw violation();
        }

        // Its route table association ends with it; the table stays.
        db.RouteTableAssociations.RemoveRange(await db.RouteTableAssociations.Where(a => a.SubnetId == subnet.Id).ToListAsync(cancellationToken));
        await NetworkTagStore.RemoveAllAsync(db, [subnet.Id], cancellationToken);
        db.Subnets.Remove(subnet);
        await CheckedDelete.RunAsync(db, inUse, violation, cancellationToken);
        return Unit.Value;
    }
}
