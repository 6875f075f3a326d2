using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Iam.Users;

internal static class UserLookup
{
    /// <summary>Finds a user of the caller's account; another account's user of the same name does not exist here.</summary>
    public static async Task<User> FindAsync(this IamDbContext db, string accountId, string userName, CancellationToken cancellationToken)
    {
        var normalized = userName.ToLowerInvariant();
        return await db.Users.SingleOrDefaultAsync(u => u.AccountId == accountId && u.NormalizedName == normalized, cancellationToken)
            ?? throw NoSuchUser(userName);
    }

    public static ApiException NoSuchUser(string userName) =>
        ApiErrors.NotFound("NoSuchEntity", $"The user with name {userName} cannot be found.");
}
