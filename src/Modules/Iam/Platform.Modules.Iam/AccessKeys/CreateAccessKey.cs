using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Authentication;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Iam.AccessKeys;

internal sealed record CreateAccessKey(string? UserName) : IRequest<CreatedAccessKeyResponse>, IRequiresPermission, IValidatable
{
    public const int MaxKeysPerPrincipal = 2;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:CreateAccessKey", KeyOwner.ResourceArn(caller, UserName));

    public void Validate() => IamNames.OptionalExistingUser(UserName, "userName");
}

internal sealed class CreateAccessKeyHandler(IamDbContext db, ICallerContext caller, ISecretProtector protector)
    : IRequestHandler<CreateAccessKey, CreatedAccessKeyResponse>
{
    public async ValueTask<CreatedAccessKeyResponse> Handle(CreateAccessKey request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var owner = await KeyOwner.ResolveAsync(db, caller.Identity, request.UserName, cancellationToken);
        if (await db.AccessKeys.CountAsync(k => k.AccountId == accountId && k.UserId == owner.UserId, cancellationToken) >= CreateAccessKey.MaxKeysPerPrincipal)
        {
            throw ApiErrors.LimitExceeded($"Cannot exceed quota for AccessKeysPerUser: {CreateAccessKey.MaxKeysPerPrincipal}");
        }

        var (key, secret) = NewAccessKey(protector, accountId, owner.UserId);
        db.AccessKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedAccessKeyResponse(key.Id, secret, key.Status, owner.UserName, key.CreatedAt);
    }

    public static (AccessKey Key, string Secret) NewAccessKey(ISecretProtector protector, string accountId, string? userId)
    {
        var id = ResourceIds.NewIamId("AKIA");
        var secret = ResourceIds.NewSecret();
        return (new AccessKey
        {
            Id = id,
            AccountId = accountId,
            UserId = userId,
            ProtectedSecret = protector.Protect(secret, AccessKeyAuthenticator.SecretContext(id)),
            Status = AccessKeyStatus.Active,
            CreatedAt = DateTime.UtcNow,
        }, secret);
    }
}
