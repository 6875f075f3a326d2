using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Groups;

internal sealed record CreateGroup(string? GroupName, string? Path) : IRequest<GroupResponse>, IRequiresPermission, IValidatable
{
    /// <summary>IAM's quota of groups in an account.</summary>
    public const int MaxGroupsPerAccount = 300;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:CreateGroup", IamArns.Group(caller.AccountId, "/", GroupName ?? ""));

    public void Validate()
    {
        IamNames.Group(GroupName, "groupName");
        IamNames.RootPathOnly(Path);
    }
}

internal sealed class CreateGroupHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<CreateGroup, GroupResponse>
{
    public async ValueTask<GroupResponse> Handle(CreateGroup request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        if (await db.Groups.CountAsync(g => g.AccountId == accountId, cancellationToken) >= CreateGroup.MaxGroupsPerAccount)
        {
            throw ApiErrors.LimitExceeded($"Cannot exceed quota for GroupsPerAccount: {CreateGroup.MaxGroupsPerAccount}");
        }

        var group = new Group
        {
            Id = ResourceIds.NewIamId("AGPA"),
            AccountId = accountId,
            GroupName = request.GroupName!,
            NormalizedName = request.GroupName!.ToLowerInvariant(),
            Path = "/",
            CreatedAt = DateTime.UtcNow,
        };
        db.Groups.Add(group);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The unique index decided between two racing creations; the loser learns why.
            db.ChangeTracker.Clear();
            if (await db.Groups.AnyAsync(g => g.AccountId == accountId && g.NormalizedName == group.NormalizedName, cancellationToken))
            {
                throw ApiErrors.Conflict("EntityAlreadyExists", $"Group with name {request.GroupName} already exists.");
            }

            throw;
        }

        return GroupResponse.From(group);
    }
}
