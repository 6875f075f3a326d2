using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.SubnetGroups;

/// <summary>Deletes a DB subnet group no DB instance uses (InvalidDBSubnetGroupStateFault otherwise).</summary>
internal sealed record DeleteDbSubnetGroup(string Region, string DbSubnetGroupName) : IRequest, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:DeleteDBSubnetGroup", RdsArns.SubnetGroup(Region, caller.AccountId, DbSubnetGroupName.ToLowerInvariant()));
}

internal sealed class DeleteDbSubnetGroupHandler(DatabaseDbContext db, ICallerContext caller) : IRequestHandler<DeleteDbSubnetGroup>
{
    public async ValueTask<Unit> Handle(DeleteDbSubnetGroup request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var name = request.DbSubnetGroupName.ToLowerInvariant();
        var group = await db.SubnetGroups.SingleOrDefaultAsync(g => g.AccountId == account && g.Name == name, cancellationToken)
            ?? throw RdsErrors.SubnetGroupNotFound(name);
        if (await db.Instances.AnyAsync(i => i.AccountId == account && i.SubnetGroupName == name, cancellationToken))
        {
            throw RdsErrors.InvalidSubnetGroupState($"Cannot delete the subnet group '{name}' because at least one database instance: is still using it.");
        }

        db.SubnetGroups.Remove(group);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
