using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Guests;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Database.ParameterGroups;

/// <summary>One change as RDS's Parameter takes it in ModifyDBParameterGroup.</summary>
internal sealed record ParameterChange(string? ParameterName, string? ParameterValue, string? ApplyMethod);

/// <summary>
/// Changes up to 20 parameters of a group, all or none. Every DB instance of the group gets a new generation to apply:
/// dynamic parameters at once (<c>applying</c>), static ones at the next reboot (<c>pending-reboot</c>), which is why a
/// static parameter refuses <c>immediate</c> as RDS does.
/// </summary>
internal sealed record ModifyDbParameterGroup(string Region, string DbParameterGroupName, IReadOnlyList<ParameterChange>? Parameters)
    : IRequest<ModifyDbParameterGroupResponse>, IRequiresPermission, IValidatable
{
    public const int MaxChanges = 20;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:ModifyDBParameterGroup", RdsArns.ParameterGroup(Region, caller.AccountId, DbParameterGroupName.ToLowerInvariant()));

    public void Validate()
    {
        if (ParameterGroupValues.IsDefault(DbParameterGroupName.ToLowerInvariant()))
        {
            throw RdsErrors.InvalidParameterValue("Default parameter groups cannot be modified.");
        }

        if (Parameters is null || Parameters.Count == 0)
        {
            throw Shared.Errors.ApiErrors.MissingParameter("The request must contain the parameter Parameters.");
        }

        if (Parameters.Count > MaxChanges)
        {
            throw RdsErrors.InvalidParameterValue($"At most {MaxChanges} parameters can be modified in a single request.");
        }

        foreach (var change in Parameters)
        {
            Validated(change);
        }
    }

    public static ParameterDefinition Validated(ParameterChange change)
    {
        Parameter.Required(change.ParameterName, "ParameterName");
        var definition = ParameterCatalog.Find(change.ParameterName)
            ?? throw RdsErrors.InvalidParameterValue($"Could not find parameter with name: {change.ParameterName}");
        Parameter.Required(change.ParameterValue, "ParameterValue");
        if (definition.Check(change.ParameterValue) is { } problem)
        {
            throw RdsErrors.InvalidParameterValue(problem);
        }

        var method = change.ApplyMethod ?? (definition.IsStatic ? "pending-reboot" : "immediate");
        Parameter.OneOf(method, "applyMethod", "immediate", "pending-reboot");
        if (definition.IsStatic && method == "immediate")
        {
            throw RdsErrors.InvalidParameterCombination($"cannot use immediate apply method for static parameter {definition.Name}");
        }

        return definition;
    }
}

internal sealed record ModifyDbParameterGroupResponse(string DbParameterGroupName);

internal sealed class ModifyDbParameterGroupHandler(DatabaseDbContext db, ICallerContext caller, DatabaseGuests guests) : IRequestHandler<ModifyDbParameterGroup, ModifyDbParameterGroupResponse>
{
    public async ValueTask<ModifyDbParameterGroupResponse> Handle(ModifyDbParameterGroup request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var name = request.DbParameterGroupName.ToLowerInvariant();
        var group = await db.ParameterGroups.SingleOrDefaultAsync(g => g.AccountId == account && g.Name == name, cancellationToken)
            ?? throw RdsErrors.ParameterGroupNotFound(name);
        var values = ParameterGroupValues.Read(group.Parameters);
        var anyStatic = false;
        foreach (var change in request.Parameters!)
        {
            var definition = ModifyDbParameterGroup.Validated(change);
            values[definition.Name] = change.ParameterValue!;
            anyStatic |= definition.IsStatic;
        }

        group.Parameters = ParameterGroupValues.Write(values);
        group.Version++;
        var members = await db.Instances.Where(i => i.AccountId == account && i.ParameterGroupName == name).ToListAsync(cancellationToken);
        foreach (var instance in members)
        {
            instance.Generation++;
            instance.Version++;
            instance.ParameterApplyStatus = anyStatic ? ParameterApplyStatus.PendingReboot : ParameterApplyStatus.Applying;
        }

        // A concurrent change to the group or one of its instances surfaces as a conflict rather than a lost update.
        await db.SaveChangesAsync(cancellationToken);
        foreach (var instance in members)
        {
            await guests.SignalAsync(instance.ResourceId, cancellationToken);
        }

        return new ModifyDbParameterGroupResponse(name);
    }
}
