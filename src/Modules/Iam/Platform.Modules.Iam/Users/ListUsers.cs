using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Users;

/// <summary>Users of the caller's account in name order, a page at a time (<c>marker</c> is the last name seen).</summary>
internal sealed record ListUsers(string? PathPrefix, int? MaxItems, string? Marker) : IRequest<UserListResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:ListUsers", IamArns.AnyUser(caller.AccountId));

    public void Validate()
    {
        if (MaxItems is < 1 or > 1000)
        {
            throw ApiErrors.ValidationError("1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000");
        }
    }
}

internal sealed class ListUsersHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<ListUsers, UserListResponse>
{
    private static readonly Func<IamDbContext, string, string, string, int, IAsyncEnumerable<User>> Page =
        EF.CompileAsyncQuery((IamDbContext db, string accountId, string pathPrefix, string after, int take) =>
            db.Users.AsNoTracking()
                .Where(u => u.AccountId == accountId && u.Path.StartsWith(pathPrefix) && string.Compare(u.NormalizedName, after) > 0)
                .OrderBy(u => u.NormalizedName)
                .Take(take));

    public async ValueTask<UserListResponse> Handle(ListUsers request, CancellationToken cancellationToken)
    {
        var take = request.MaxItems ?? 100;
        var users = new List<UserResponse>(Math.Min(take, 100));
        await foreach (var user in Page(db, caller.Identity.AccountId, request.PathPrefix ?? "/", request.Marker?.ToLowerInvariant() ?? "", take + 1).WithCancellation(cancellationToken))
        {
            users.Add(UserResponse.From(user));
        }

        var truncated = users.Count > take;
        if (truncated)
        {
            users.RemoveAt(take);
        }

        return new UserListResponse(users, truncated, truncated ? users[^1].UserName : null);
    }
}
