using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Users;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Iam.AccessKeys;

/// <summary>Whose keys a request is about: the named user, or without a name the caller itself (as IAM does).</summary>
internal sealed record KeyOwner(string? UserId, string? UserName)
{
    public static string ResourceArn(CallerIdentity caller, string? userName) => userName switch
    {
        null when caller.IsRoot => Arns.AccountRoot(caller.AccountId),
        null => caller.PrincipalArn,
        _ => IamArns.User(caller.AccountId, "/", userName),
    };

    public static async Task<KeyOwner> ResolveAsync(IamDbContext db, CallerIdentity caller, string? userName, CancellationToken cancellationToken)
    {
        var name = userName ?? caller.UserName;
        if (name is null && caller.Role is not null)
        {
            // A role session has no keys of its own: without a user named, IAM refuses rather than acting on the root's.
            throw ApiErrors.ValidationError("Must specify userName when calling with non-User credentials");
        }

        if (name is null)
        {
            return new KeyOwner(null, null);
        }

        var user = await db.FindAsync(caller.AccountId, name, cancellationToken);
        return new KeyOwner(user.Id, user.UserName);
    }
}
