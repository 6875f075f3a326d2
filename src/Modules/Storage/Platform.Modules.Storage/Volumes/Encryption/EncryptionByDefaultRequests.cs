using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Volumes.Encryption;

internal sealed record EncryptionByDefaultResponse(bool EbsEncryptionByDefault);

/// <summary>GetEbsEncryptionByDefault: whether the account's new volumes are encrypted when the call does not say.</summary>
internal sealed record GetEbsEncryptionByDefault : IRequest<EncryptionByDefaultResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) => new("ec2:GetEbsEncryptionByDefault", "*");
}

internal sealed class GetEbsEncryptionByDefaultHandler(StorageDbContext db, ICallerContext caller) : IRequestHandler<GetEbsEncryptionByDefault, EncryptionByDefaultResponse>
{
    public async ValueTask<EncryptionByDefaultResponse> Handle(GetEbsEncryptionByDefault request, CancellationToken cancellationToken) =>
        new(await EncryptionDefaults.IsEnabledAsync(db, caller.Identity.AccountId, cancellationToken));
}

/// <summary>EnableEbsEncryptionByDefault / DisableEbsEncryptionByDefault: applies to volumes created afterwards only.</summary>
internal sealed record SetEbsEncryptionByDefault(bool Enabled) : IRequest<EncryptionByDefaultResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new(Enabled ? "ec2:EnableEbsEncryptionByDefault" : "ec2:DisableEbsEncryptionByDefault", "*");
}

internal sealed class SetEbsEncryptionByDefaultHandler(StorageDbContext db, ICallerContext caller) : IRequestHandler<SetEbsEncryptionByDefault, EncryptionByDefaultResponse>
{
    public async ValueTask<EncryptionByDefaultResponse> Handle(SetEbsEncryptionByDefault request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        for (var attempt = 0; ; attempt++)
        {
            db.ChangeTracker.Clear();
            var setting = await db.EncryptionDefaults.SingleOrDefaultAsync(e => e.AccountId == accountId, cancellationToken);
            if (setting is null)
            {
                db.EncryptionDefaults.Add(new EncryptionByDefault { AccountId = accountId, Enabled = request.Enabled });
            }
            else
            {
                setting.Enabled = request.Enabled;
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return new EncryptionByDefaultResponse(request.Enabled);
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Two first calls of one account raced to insert its row: the loser updates the winner's.
            }
        }
    }
}

internal static class EncryptionDefaults
{
    public static Task<bool> IsEnabledAsync(StorageDbContext db, string accountId, CancellationToken cancellationToken) =>
        db.EncryptionDefaults.AsNoTracking().AnyAsync(e => e.AccountId == accountId && e.Enabled, cancellationToken);
}
