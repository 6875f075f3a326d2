using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.ParameterGroups;

/// <summary>Deletes a parameter group no DB instance uses; the default group cannot be deleted.</summary>
internal sealed record DeleteDbParameterGroup(string Region, string DbParameterGroupName) : IRequest, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:DeleteDBParameterGroup", RdsArns.ParameterGroup(Region, caller.AccountId, DbParameterGroupName.ToLowerInvariant()));
}

internal sealed class DeleteDbParameterGroupHandler(DatabaseDbContext db, ICallerContext caller) : IRequestHandler<DeleteDbParameterGroup>
{
    public async ValueTask<Unit> Handle(DeleteDbParameterGroup request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var name = request.DbParameterGroupName.ToLowerInvariant();
        if (ParameterGroupValues.IsDefault(name))
        {
            throw RdsErrors.InvalidParameterValue("Default DBParameterGroup cannot be deleted.");
        }

        var group = await db.ParameterGroups.SingleOrDefaultAsync(g => g.AccountId == account && g.Name == name, cancellationToken)
            ?? throw RdsErrors.ParameterGroupNotFound(name);
        if (await db.Instances.AnyAsync(i => i.AccountId == account && i.ParameterGroupName == name, cancellationToken))
        {
            throw RdsErrors.InvalidParameterGroupState($"One or more database instances are still members of this parameter group {name}, so the group cannot be deleted");
        }

        db.ParameterGroups.Remove(group);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
