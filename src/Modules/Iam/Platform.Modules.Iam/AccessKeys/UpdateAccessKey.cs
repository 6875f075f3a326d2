using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Authentication;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.AccessKeys;

/// <summary>Turns a key on or off; an inactive key signs nothing.</summary>
internal sealed record UpdateAccessKey(string AccessKeyId, string? UserName, string? Status) : IRequest<AccessKeyMetadata>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:UpdateAccessKey", KeyOwner.ResourceArn(caller, UserName));

    public void Validate()
    {
        IamNames.AccessKeyId(AccessKeyId, "accessKeyId");
        IamNames.OptionalExistingUser(UserName, "userName");
        Parameter.Required(Status, "Status");
        Parameter.OneOf(Status, "status", AccessKeyStatus.Active, AccessKeyStatus.Inactive);
    }
}

internal sealed class UpdateAccessKeyHandler(IamDbContext db, ICallerContext caller, AccessKeyAuthenticator authenticator)
    : IRequestHandler<UpdateAccessKey, AccessKeyMetadata>
{
    public async ValueTask<AccessKeyMetadata> Handle(UpdateAccessKey request, CancellationToken cancellationToken)
    {
        var owner = await KeyOwner.ResolveAsync(db, caller.Identity, request.UserName, cancellationToken);
        var key = await db.AccessKeys.SingleOrDefaultAsync(
                k => k.Id == request.AccessKeyId && k.AccountId == caller.Identity.AccountId && k.UserId == owner.UserId, cancellationToken)
            ?? throw NoSuchKey(request.AccessKeyId);
        key.Status = request.Status!;
        await db.SaveChangesAsync(cancellationToken);
        authenticator.Forget(key.Id);
        return new AccessKeyMetadata(key.Id, key.Status, owner.UserName, key.CreatedAt);
    }

    public static ApiException NoSuchKey(string accessKeyId) =>
        ApiErrors.NotFound("NoSuchEntity", $"The Access Key with id {accessKeyId} cannot be found.");
}
