using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Groups;

/// <summary>Groups of the caller's account in name order, a page at a time (<c>marker</c> is the last name seen).</summary>
internal sealed record ListGroups(string? PathPrefix, int? MaxItems, string? Marker) : IRequest<GroupListResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:ListGroups", IamArns.AnyGroup(caller.AccountId));

    public void Validate() => GroupLookup.CheckMaxItems(MaxItems);
}

internal sealed class ListGroupsHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<ListGroups, GroupListResponse>
{
    public async ValueTask<GroupListResponse> Handle(ListGroups request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var take = request.MaxItems ?? 100;
        var pathPrefix = request.PathPrefix ?? "/";
        var after = request.Marker?.ToLowerInvariant() ?? "";
        var groups = await db.Groups.AsNoTracking()
            .Where(g => g.AccountId == accountId && g.Path.StartsWith(pathPrefix) && string.Compare(g.NormalizedName, after) > 0)
            .OrderBy(g => g.NormalizedName)
            .Take(take + 1)
            .ToListAsync(cancellationToken);
        var truncated = groups.Count > take;
        if (truncated)
        {
            groups.RemoveAt(take);
        }

        return new GroupListResponse(groups.Select(GroupResponse.From).ToList(), truncated, truncated ? groups[^1].GroupName : null);
    }
}

/// <summary>The groups a user belongs to (at most ten, IAM's quota, so one page).</summary>
internal sealed record ListGroupsForUser(string UserName) : IRequest<GroupListResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:ListGroupsForUser", IamArns.User(caller.AccountId, "/", UserName));

    public void Validate() => IamNames.ExistingUser(UserName, "userName");
}

internal sealed class ListGroupsForUserHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<ListGroupsForUser, GroupListResponse>
{
    public async ValueTask<GroupListResponse> Handle(ListGroupsForUser request, CancellationToken cancellationToken)
    {
        var user = await Users.UserLookup.FindAsync(db, caller.Identity.AccountId, request.UserName, cancellationToken);
        var groups = await db.GroupMemberships.AsNoTracking()
            .Where(m => m.UserId == user.Id)
            .Join(db.Groups.AsNoTracking(), m => m.GroupId, g => g.Id, (_, g) => g)
            .Where(g => g.AccountId == user.AccountId)
            .OrderBy(g => g.NormalizedName)
            .ToListAsync(cancellationToken);
        return new GroupListResponse(groups.Select(GroupResponse.From).ToList(), false, null);
    }
}
