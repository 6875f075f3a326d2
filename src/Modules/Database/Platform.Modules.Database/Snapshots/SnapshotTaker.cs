using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.HostAgent.Protocol;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Database.Snapshots;

/// <summary>
/// A manual snapshot: a full backup into the instance's snapshot repository, which no retention expires (a
/// <see cref="DatabaseOperationKind.SnapshotBackup"/> with a fresh id), and the snapshot's record, <c>creating</c> until the
/// guest reports that backup succeeded with its label. The caller saves both.
/// </summary>
internal sealed class SnapshotTaker(DatabaseDbContext db, ISecretProtector secrets, IOptions<RdsOptions> options, TimeProvider clock)
{
    public async Task<DbSnapshot> AddAsync(DbInstance instance, string identifier, string? tags, CancellationToken cancellationToken)
    {
        if (await db.Snapshots.AnyAsync(s => s.AccountId == instance.AccountId && s.Identifier == identifier, cancellationToken))
        {
            throw RdsErrors.SnapshotAlreadyExists(identifier);
        }

        if (await db.Snapshots.CountAsync(s => s.AccountId == instance.AccountId, cancellationToken) >= options.Value.ManualSnapshotQuota)
        {
            throw RdsErrors.SnapshotQuotaExceeded();
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var operation = new DbBackupOperation
        {
            OperationId = NewOperationId(),
            AccountId = instance.AccountId,
            ResourceId = instance.ResourceId,
            Kind = nameof(DatabaseOperationKind.SnapshotBackup),
            SnapshotIdentifier = identifier,
            RequestedAt = now,
        };
        var password = secrets.Unprotect(instance.MasterPasswordProtected, NewDbInstance.PasswordContext(instance.ResourceId));
        var snapshot = new DbSnapshot
        {
            AccountId = instance.AccountId,
            Identifier = identifier,
            SourceInstanceIdentifier = instance.Identifier,
            SourceResourceId = instance.ResourceId,
            SnapshotType = "manual",
            Status = DbSnapshotStatus.Creating,
            OperationId = operation.OperationId,
            Engine = instance.Engine,
            EngineVersion = instance.EngineVersion,
            AllocatedStorage = instance.AllocatedStorage,
            MasterUsername = instance.MasterUsername,
            MasterPasswordProtected = secrets.Protect(password, PasswordContext(instance.AccountId, identifier)),
            Port = instance.Port,
            VpcId = instance.VpcId,
            Tags = tags,
            CreatedAt = now,
            // The repository can only be read with the passphrase: the snapshot keeps its own copy, outliving the instance.
            BackupCipherProtected = instance.BackupCipherProtected is { } cipher
                ? secrets.Protect(secrets.Unprotect(cipher, Backups.BackupRepositories.CipherContext(instance.ResourceId)), CipherContext(instance.AccountId, identifier))
                : null,
        };
        db.BackupOperations.Add(operation);
        db.Snapshots.Add(snapshot);
        return snapshot;
    }

    public static string PasswordContext(string account, string identifier) => $"rds-snapshot-password:{account}:{identifier}";

    public static string CipherContext(string account, string identifier) => $"rds-snapshot-cipher:{account}:{identifier}";

    /// <summary>An operation id the guest makes its work idempotent by: 128 random bits.</summary>
    public static string NewOperationId() => "op-" + RandomNumberGenerator.GetHexString(32, lowercase: true);
}
