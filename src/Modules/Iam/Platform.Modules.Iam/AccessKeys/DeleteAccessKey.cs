using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Authentication;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.AccessKeys;

internal sealed record DeleteAccessKey(string AccessKeyId, string? UserName) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:DeleteAccessKey", KeyOwner.ResourceArn(caller, UserName));

    public void Validate()
    {
        IamNames.AccessKeyId(AccessKeyId, "accessKeyId");
        IamNames.OptionalExistingUser(UserName, "userName");
    }
}

internal sealed class DeleteAccessKeyHandler(IamDbContext db, ICallerContext caller, AccessKeyAuthenticator authenticator)
    : IRequestHandler<DeleteAccessKey>
{
    public async ValueTask<Unit> Handle(DeleteAccessKey request, CancellationToken cancellationToken)
    {
        var owner = await KeyOwner.ResolveAsync(db, caller.Identity, request.UserName, cancellationToken);
        var key = await db.AccessKeys.SingleOrDefaultAsync(
                k => k.Id == request.AccessKeyId && k.AccountId == caller.Identity.AccountId && k.UserId == owner.UserId, cancellationToken)
            ?? throw UpdateAccessKeyHandler.NoSuchKey(request.AccessKeyId);
        db.AccessKeys.Remove(key);
        await db.SaveChangesAsync(cancellationToken);
        authenticator.Forget(key.Id);
        return Unit.Value;
    }
}
