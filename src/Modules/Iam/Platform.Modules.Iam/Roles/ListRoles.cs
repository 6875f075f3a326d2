using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Roles;

/// <summary>Roles of the caller's account in name order, a page at a time (<c>marker</c> is the last name seen).</summary>
internal sealed record ListRoles(string? PathPrefix, int? MaxItems, string? Marker) : IRequest<RoleListResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:ListRoles", IamArns.AnyRole(caller.AccountId));

    public void Validate()
    {
        if (MaxItems is < 1 or > 1000)
        {
            throw ApiErrors.ValidationError("1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000");
        }
    }
}

internal sealed class ListRolesHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<ListRoles, RoleListResponse>
{
    public async ValueTask<RoleListResponse> Handle(ListRoles request, CancellationToken cancellationToken)
    {
        var take = request.MaxItems ?? 100;
        var accountId = caller.Identity.AccountId;
        var prefix = request.PathPrefix ?? "/";
        var after = request.Marker?.ToLowerInvariant() ?? "";
        var rows = await db.Roles.AsNoTracking()
            .Where(r => r.AccountId == accountId && r.Path.StartsWith(prefix) && string.Compare(r.NormalizedName, after) > 0)
            .OrderBy(r => r.NormalizedName)
            .Take(take + 1)
            .ToListAsync(cancellationToken);
        var truncated = rows.Count > take;
        var roles = rows.Take(take).Select(RoleResponse.From).ToList();
        return new RoleListResponse(roles, truncated, truncated ? roles[^1].RoleName : null);
    }
}
