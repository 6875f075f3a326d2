using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Database.ParameterGroups;

/// <summary>A DB parameter group of family postgres15, starting with the family's defaults.</summary>
internal sealed record CreateDbParameterGroup(string Region, string? DbParameterGroupName, string? DbParameterGroupFamily, string? Description, IReadOnlyList<RdsTag>? Tags)
    : IRequest<DbParameterGroupResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:CreateDBParameterGroup", RdsArns.ParameterGroup(Region, caller.AccountId, DbParameterGroupName?.ToLowerInvariant() ?? "*"));

    public void Validate()
    {
        RdsNames.Identifier(DbParameterGroupName, "DBParameterGroupName", 255);
        Parameter.Required(DbParameterGroupFamily, "DBParameterGroupFamily");
        Parameter.Required(Description, "Description");
        Parameter.Length(Description, "description", 1, 255);
        if (!string.Equals(DbParameterGroupFamily, ParameterCatalog.Family, StringComparison.Ordinal))
        {
            throw RdsErrors.InvalidParameterValue($"ParameterGroupFamily {DbParameterGroupFamily} is not a valid parameter group family; this platform has {ParameterCatalog.Family}.");
        }

        RdsNames.Tags(Tags);
    }
}

internal sealed class CreateDbParameterGroupHandler(DatabaseDbContext db, ICallerContext caller, TimeProvider clock)
    : IRequestHandler<CreateDbParameterGroup, DbParameterGroupResponse>
{
    public async ValueTask<DbParameterGroupResponse> Handle(CreateDbParameterGroup request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var name = RdsNames.Identifier(request.DbParameterGroupName, "DBParameterGroupName", 255);
        if (await db.ParameterGroups.AnyAsync(g => g.AccountId == account && g.Name == name, cancellationToken))
        {
            throw RdsErrors.ParameterGroupAlreadyExists(name);
        }

        var group = new DbParameterGroup
        {
            AccountId = account,
            Name = name,
            Family = ParameterCatalog.Family,
            Description = request.Description!,
            Parameters = ParameterGroupValues.Write(new Dictionary<string, string>()),
            Tags = RdsNames.Tags(request.Tags),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.ParameterGroups.Add(group);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (UniqueViolation.Is(e))
        {
            throw RdsErrors.ParameterGroupAlreadyExists(name);
        }

        return DbParameterGroupResponse.From(group, request.Region);
    }
}
