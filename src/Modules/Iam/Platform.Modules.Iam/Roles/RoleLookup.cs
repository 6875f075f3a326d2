using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Iam.Roles;

internal static class RoleLookup
{
    /// <summary>Finds a role of the given account; another account's role of the same name does not exist here.</summary>
    public static async Task<Role> FindRoleAsync(this IamDbContext db, string accountId, string roleName, CancellationToken cancellationToken)
    {
        var normalized = roleName.ToLowerInvariant();
        return await db.Roles.SingleOrDefaultAsync(r => r.AccountId == accountId && r.NormalizedName == normalized, cancellationToken)
            ?? throw NoSuchRole(roleName);
    }

    public static ApiException NoSuchRole(string roleName) =>
        ApiErrors.NotFound("NoSuchEntity", $"The role with name {roleName} cannot be found.");
}
