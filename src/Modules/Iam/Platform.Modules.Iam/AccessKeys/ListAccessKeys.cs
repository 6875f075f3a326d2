using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.AccessKeys;

internal sealed record ListAccessKeys(string? UserName) : IRequest<AccessKeyListResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:ListAccessKeys", KeyOwner.ResourceArn(caller, UserName));

    public void Validate() => IamNames.OptionalExistingUser(UserName, "userName");
}

internal sealed class ListAccessKeysHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<ListAccessKeys, AccessKeyListResponse>
{
    public async ValueTask<AccessKeyListResponse> Handle(ListAccessKeys request, CancellationToken cancellationToken)
    {
        var owner = await KeyOwner.ResolveAsync(db, caller.Identity, request.UserName, cancellationToken);
        var keys = await db.AccessKeys.AsNoTracking()
            .Where(k => k.AccountId == caller.Identity.AccountId && k.UserId == owner.UserId)
            .OrderBy(k => k.CreatedAt)
            .Select(k => new AccessKeyMetadata(k.Id, k.Status, owner.UserName, k.CreatedAt))
            .ToListAsync(cancellationToken);
        return new AccessKeyListResponse(keys);
    }
}
