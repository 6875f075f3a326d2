using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.ParameterGroups;

/// <summary>The caller's parameter groups and the family's default group (shared by all, changed by none).</summary>
internal sealed record DescribeDbParameterGroups(string Region, string? DbParameterGroupName) : IRequest<DbParameterGroupsResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:DescribeDBParameterGroups", RdsArns.ParameterGroup(Region, caller.AccountId, DbParameterGroupName?.ToLowerInvariant() ?? "*"));
}

internal sealed class DescribeDbParameterGroupsHandler(DatabaseDbContext db, ICallerContext caller) : IRequestHandler<DescribeDbParameterGroups, DbParameterGroupsResponse>
{
    public async ValueTask<DbParameterGroupsResponse> Handle(DescribeDbParameterGroups request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var name = request.DbParameterGroupName?.ToLowerInvariant();
        var groups = await db.ParameterGroups.AsNoTracking()
            .Where(g => g.AccountId == account && (name == null || g.Name == name))
            .OrderBy(g => g.Name)
            .ToListAsync(cancellationToken);
        var defaultGroup = new DbParameterGroupResponse(ParameterGroupValues.DefaultGroupName, ParameterCatalog.Family,
            "Default parameter group for postgres15", RdsArns.ParameterGroup(request.Region, account, ParameterGroupValues.DefaultGroupName));
        var result = groups.Select(g => DbParameterGroupResponse.From(g, request.Region)).ToList();
        if (name is null || name == ParameterGroupValues.DefaultGroupName)
        {
            result.Insert(0, defaultGroup);
        }

        return name is not null && result.Count == 0 ? throw RdsErrors.ParameterGroupNotFound(name) : new DbParameterGroupsResponse(result);
    }
}

/// <summary>Every parameter of a group: the catalog's, with the group's value where it changed one (source <c>user</c>).</summary>
internal sealed record DescribeDbParameters(string Region, string DbParameterGroupName) : IRequest<ParametersResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:DescribeDBParameters", RdsArns.ParameterGroup(Region, caller.AccountId, DbParameterGroupName.ToLowerInvariant()));
}

internal sealed class DescribeDbParametersHandler(DatabaseDbContext db, ICallerContext caller) : IRequestHandler<DescribeDbParameters, ParametersResponse>
{
    public async ValueTask<ParametersResponse> Handle(DescribeDbParameters request, CancellationToken cancellationToken)
    {
        var values = await ParameterGroupLookup.ValuesAsync(db, caller.Identity.AccountId, request.DbParameterGroupName.ToLowerInvariant(), cancellationToken);
        return new ParametersResponse([.. ParameterCatalog.Postgres15.Select(p => new ParameterResponse(
            p.Name,
            values.GetValueOrDefault(p.Name),
            p.Description,
            values.ContainsKey(p.Name) ? "user" : "engine-default",
            p.ApplyType,
            p.DataType,
            p.AllowedRange,
            IsModifiable: true,
            p.IsStatic ? "pending-reboot" : "immediate"))]);
    }
}

internal static class ParameterGroupLookup
{
    /// <summary>The changed values of a group the account can use: its own, or the default one (none changed).</summary>
    public static async Task<Dictionary<string, string>> ValuesAsync(DatabaseDbContext db, string account, string name, CancellationToken cancellationToken)
    {
        if (name == ParameterGroupValues.DefaultGroupName)
        {
            return [];
        }

        var group = await db.ParameterGroups.AsNoTracking().SingleOrDefaultAsync(g => g.AccountId == account && g.Name == name, cancellationToken)
            ?? throw RdsErrors.ParameterGroupNotFound(name);
        return ParameterGroupValues.Read(group.Parameters);
    }
}
