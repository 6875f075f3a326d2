using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Roles;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Users;

internal sealed record CreateUser(string? UserName, string? Path, IReadOnlyList<RoleTag>? Tags = null) : IRequest<UserResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:CreateUser", IamArns.User(caller.AccountId, "/", UserName ?? ""));

    public void Validate()
    {
        IamNames.NewUser(UserName, "userName");
        if (Path is not null && Path != "/")
        {
            // ARNs with paths would have to be known before a user is loaded to authorize by them.
            throw ApiErrors.InvalidParameterValue("Paths other than / are not supported.");
        }

        RoleSettings.CheckTags(Tags);
    }
}

internal sealed class CreateUserHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<CreateUser, UserResponse>
{
    public async ValueTask<UserResponse> Handle(CreateUser request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var user = new User
        {
            Id = ResourceIds.NewIamId("AIDA"),
            AccountId = accountId,
            UserName = request.UserName!,
            NormalizedName = request.UserName!.ToLowerInvariant(),
            Path = request.Path ?? "/",
            Tags = RoleTags.Write(request.Tags ?? []),
            CreatedAt = DateTime.UtcNow,
        };

        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The unique index decided between two racing creations; the loser learns why.
            db.ChangeTracker.Clear();
            if (await db.Users.AnyAsync(u => u.AccountId == accountId && u.NormalizedName == user.NormalizedName, cancellationToken))
            {
                throw ApiErrors.Conflict("EntityAlreadyExists", $"User with name {request.UserName} already exists.");
            }

            throw;
        }

        return UserResponse.From(user);
    }
}
