using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Authorization;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Users;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Groups;

/// <summary>Makes a user a member: from then on the group's policies apply to it. Adding a member again changes nothing.</summary>
internal sealed record AddUserToGroup(string GroupName, string UserName) : IRequest, IRequiresPermission, IValidatable
{
    /// <summary>IAM's quota of groups a user may belong to.</summary>
    public const int MaxGroupsPerUser = 10;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:AddUserToGroup", IamArns.Group(caller.AccountId, "/", GroupName));

    public void Validate()
    {
        IamNames.Group(GroupName, "groupName");
        IamNames.ExistingUser(UserName, "userName");
    }
}

internal sealed class AddUserToGroupHandler(IamDbContext db, ICallerContext caller, PolicyCache policies) : IRequestHandler<AddUserToGroup>
{
    public async ValueTask<Unit> Handle(AddUserToGroup request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var group = await db.FindGroupAsync(accountId, request.GroupName, cancellationToken);
        var user = await db.FindAsync(accountId, request.UserName, cancellationToken);
        if (await db.GroupMemberships.AnyAsync(m => m.GroupId == group.Id && m.UserId == user.Id, cancellationToken))
        {
            return Unit.Value;
        }

        if (await db.GroupMemberships.CountAsync(m => m.UserId == user.Id, cancellationToken) >= AddUserToGroup.MaxGroupsPerUser)
        {
            throw ApiErrors.LimitExceeded($"Cannot exceed quota for GroupsPerUser: {AddUserToGroup.MaxGroupsPerUser}");
        }

        db.GroupMemberships.Add(new GroupMembership { AccountId = accountId, GroupId = group.Id, UserId = user.Id, AddedAt = DateTime.UtcNow });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Two identical adds raced: the key kept one membership, which is what both asked for.
            db.ChangeTracker.Clear();
            if (!await db.GroupMemberships.AnyAsync(m => m.GroupId == group.Id && m.UserId == user.Id, cancellationToken))
            {
                throw;
            }
        }

        policies.ForgetAccount(accountId);
        return Unit.Value;
    }
}

/// <summary>Ends a membership: the group's policies stop applying to the user at once.</summary>
internal sealed record RemoveUserFromGroup(string GroupName, string UserName) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:RemoveUserFromGroup", IamArns.Group(caller.AccountId, "/", GroupName));

    public void Validate()
    {
        IamNames.Group(GroupName, "groupName");
        IamNames.ExistingUser(UserName, "userName");
    }
}

internal sealed class RemoveUserFromGroupHandler(IamDbContext db, ICallerContext caller, PolicyCache policies) : IRequestHandler<RemoveUserFromGroup>
{
    public async ValueTask<Unit> Handle(RemoveUserFromGroup request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var group = await db.FindGroupAsync(accountId, request.GroupName, cancellationToken);
        var user = await db.FindAsync(accountId, request.UserName, cancellationToken);
        var membership = await db.GroupMemberships.SingleOrDefaultAsync(m => m.GroupId == group.Id && m.UserId == user.Id, cancellationToken)
            ?? throw ApiErrors.NotFound("NoSuchEntity", $"User {user.UserName} is not in group {group.GroupName}.");
        db.GroupMemberships.Remove(membership);
        await db.SaveChangesAsync(cancellationToken);
        policies.ForgetAccount(accountId);
        return Unit.Value;
    }
}
