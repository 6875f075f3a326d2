using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Users;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Groups;

/// <summary>A group and its members in name order, a page at a time (<c>marker</c> is the last user name seen).</summary>
internal sealed record GetGroup(string GroupName, int? MaxItems, string? Marker) : IRequest<GroupWithUsersResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:GetGroup", IamArns.Group(caller.AccountId, "/", GroupName));

    public void Validate()
    {
        IamNames.Group(GroupName, "groupName");
        GroupLookup.CheckMaxItems(MaxItems);
    }
}

internal sealed class GetGroupHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<GetGroup, GroupWithUsersResponse>
{
    public async ValueTask<GroupWithUsersResponse> Handle(GetGroup request, CancellationToken cancellationToken)
    {
        var group = await db.FindGroupAsync(caller.Identity.AccountId, request.GroupName, cancellationToken);
        var take = request.MaxItems ?? 100;
        var after = request.Marker?.ToLowerInvariant() ?? "";
        var users = await db.GroupMemberships.AsNoTracking()
            .Where(m => m.GroupId == group.Id)
            .Join(db.Users.AsNoTracking(), m => m.UserId, u => u.Id, (_, u) => u)
            .Where(u => u.AccountId == group.AccountId && string.Compare(u.NormalizedName, after) > 0)
            .OrderBy(u => u.NormalizedName)
            .Take(take + 1)
            .ToListAsync(cancellationToken);
        var truncated = users.Count > take;
        if (truncated)
        {
            users.RemoveAt(take);
        }

        return new GroupWithUsersResponse(GroupResponse.From(group), users.Select(UserResponse.From).ToList(), truncated, truncated ? users[^1].UserName : null);
    }
}
