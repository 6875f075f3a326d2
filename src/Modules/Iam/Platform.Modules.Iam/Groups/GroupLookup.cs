using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Iam.Groups;

internal static class GroupLookup
{
    /// <summary>Finds a group of the given account; another account's group of the same name does not exist here.</summary>
    public static async Task<Group> FindGroupAsync(this IamDbContext db, string accountId, string groupName, CancellationToken cancellationToken)
    {
        var normalized = groupName.ToLowerInvariant();
        return await db.Groups.SingleOrDefaultAsync(g => g.AccountId == accountId && g.NormalizedName == normalized, cancellationToken)
            ?? throw NoSuchGroup(groupName);
    }

    public static ApiException NoSuchGroup(string groupName) =>
        ApiErrors.NotFound("NoSuchEntity", $"The group with name {groupName} cannot be found.");

    /// <summary>IAM's MaxItems bound, shared by the group lists that page.</summary>
    public static void CheckMaxItems(int? maxItems)
    {
        if (maxItems is < 1 or > 1000)
        {
            throw ApiErrors.ValidationError("1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000");
        }
    }
}
