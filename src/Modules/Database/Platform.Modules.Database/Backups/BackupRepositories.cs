using System.Security.Cryptography;
using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.HostAgent.Protocol;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Security;
using Platform.Modules.Storage.Contracts;

namespace Platform.Modules.Database.Backups;

/// <summary>
/// Where a DB instance's backups go (<see cref="DatabaseBackupRepository"/>): its own prefix (the resource id) of the
/// management account's backup bucket, a credential that may touch that prefix and nothing else (an IAM user of the
/// management account with one inline policy), and a passphrase pgBackRest encrypts everything with. The credential and the
/// passphrase are made the first time backups are on and kept encrypted on the instance's row (the passphrase for the
/// instance's life: the repository can only be read with it). Two replicas making them at once meet at the row's version;
/// the loser deletes the key it was issued and takes the winner's.
/// </summary>
internal sealed class BackupRepositories(DatabaseDbContext db, ISecretProtector secrets, ISender sender, IOptions<RdsOptions> options, IOptions<PlatformOptions> platform)
{
    private static readonly string[] ObjectActions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"];

    private static readonly string[] ReadActions = ["s3:GetObject"];

    public static string UserName(string resourceId) => $"rds-backup-{resourceId.ToLowerInvariant()}";

    public static string SecretContext(string resourceId) => $"rds-backup-secret:{resourceId}";

    public static string CipherContext(string resourceId) => $"rds-backup-cipher:{resourceId}";

    /// <summary>The read-only user a restored instance reads its source's repository with.</summary>
    public static string RestoreUserName(string resourceId) => $"rds-restore-{resourceId.ToLowerInvariant()}";

    public static string RestoreSecretContext(string resourceId) => $"rds-restore-secret:{resourceId}";

    /// <summary>The context of a restored instance's copy of its source's passphrase.</summary>
    public static string RestoreCipherContext(string resourceId) => $"rds-restore-cipher:{resourceId}";

    /// <summary>
    /// The identity policy of an instance's backup credential: objects under its prefix (read, write, delete: pgBackRest
    /// expires old backups itself) and listing with that prefix only (<c>s3:prefix</c>), so it can neither read nor name
    /// another instance's backups.
    /// </summary>
    public static string Policy(string bucket, string resourceId) => JsonSerializer.Serialize(new
    {
        Version = "2012-10-17",
        Statement = new object[]
        {
            new { Effect = "Allow", Action = ObjectActions, Resource = $"arn:aws:s3:::{bucket}/{resourceId}/*" },
            new
            {
                Effect = "Allow",
                Action = "s3:ListBucket",
                Resource = $"arn:aws:s3:::{bucket}",
                Condition = new Dictionary<string, object> { ["StringLike"] = new Dictionary<string, string[]> { ["s3:prefix"] = [$"{resourceId}/*", resourceId] } },
            },
        },
    });

    /// <summary>
    /// The identity policy of a restored instance's credential on its source's repository: read objects under the source's
    /// prefix and list with that prefix only; nothing written, deleted or read elsewhere (pgBackRest's restore and
    /// archive-get only read).
    /// </summary>
    public static string ReadOnlyPolicy(string bucket, string sourceResourceId) => JsonSerializer.Serialize(new
    {
        Version = "2012-10-17",
        Statement = new object[]
        {
            new { Effect = "Allow", Action = ReadActions, Resource = $"arn:aws:s3:::{bucket}/{sourceResourceId}/*" },
            new
            {
                Effect = "Allow",
                Action = "s3:ListBucket",
                Resource = $"arn:aws:s3:::{bucket}",
                Condition = new Dictionary<string, object> { ["StringLike"] = new Dictionary<string, string[]> { ["s3:prefix"] = [$"{sourceResourceId}/*", sourceResourceId] } },
            },
        },
    });

    /// <summary>
    /// The source repository a restored instance is filled from: the source's prefix, read with a credential of the
    /// restored instance's own that can only read it (made the first time), decrypted with the passphrase kept on the
    /// restored instance's row.
    /// </summary>
    public async Task<DatabaseBackupRepository> RestoreFromAsync(DbInstance instance, string sourceResourceId, CancellationToken cancellationToken)
    {
        if (instance.RestoreCipherProtected is null)
        {
            throw new InvalidOperationException($"DB instance {instance.Identifier} is restored but keeps no passphrase of its source's repository.");
        }

        if (instance.RestoreAccessKeyId is null || instance.RestoreSecretProtected is null)
        {
            var bucket = options.Value.BackupBucket;
            var userName = RestoreUserName(instance.ResourceId);
            var key = await sender.Send(new IssueServiceAccessKey(userName, ReadOnlyPolicy(bucket, sourceResourceId)), cancellationToken);
            instance.RestoreAccessKeyId = key.AccessKeyId;
            instance.RestoreSecretProtected = secrets.Protect(key.SecretAccessKey, RestoreSecretContext(instance.ResourceId));
            instance.Version++;
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                await sender.Send(new DeleteServiceAccessKey(userName, key.AccessKeyId), cancellationToken);
                throw new CompositionConflictException($"DB instance {instance.Identifier} changed while its restore credential was issued; compose it again.");
            }
        }

        var settings = options.Value;
        return new DatabaseBackupRepository(
            settings.BackupEndpoint,
            settings.BackupBucket,
            platform.Value.Region,
            sourceResourceId,
            instance.RestoreAccessKeyId!,
            secrets.Unprotect(instance.RestoreSecretProtected!, RestoreSecretContext(instance.ResourceId)),
            secrets.Unprotect(instance.RestoreCipherProtected, RestoreCipherContext(instance.ResourceId)),
            settings.ArchiveTimeoutSeconds,
            RetentionDays: 1,
            PlatformCa());
    }

    /// <summary>The instance's repository, its credential and passphrase made first when it has none.</summary>
    public async Task<DatabaseBackupRepository> ForAsync(DbInstance instance, CancellationToken cancellationToken)
    {
        if (instance.BackupAccessKeyId is null || instance.BackupSecretProtected is null || instance.BackupCipherProtected is null)
        {
            await IssueAsync(instance, cancellationToken);
        }

        var settings = options.Value;
        return new DatabaseBackupRepository(
            settings.BackupEndpoint,
            settings.BackupBucket,
            platform.Value.Region,
            instance.ResourceId,
            instance.BackupAccessKeyId!,
            secrets.Unprotect(instance.BackupSecretProtected!, SecretContext(instance.ResourceId)),
            secrets.Unprotect(instance.BackupCipherProtected!, CipherContext(instance.ResourceId)),
            settings.ArchiveTimeoutSeconds,
            // (pgBackRest takes 1 at least; with retention 0 no automated backup is taken, so none expires either.)
            Math.Max(1, instance.BackupRetentionPeriod),
            PlatformCa());
    }

    private async Task IssueAsync(DbInstance instance, CancellationToken cancellationToken)
    {
        var bucket = options.Value.BackupBucket;
        await sender.Send(new EnsurePlatformBucket(bucket, await sender.Send(new DescribeManagementAccount(), cancellationToken)), cancellationToken);
        var userName = UserName(instance.ResourceId);
        var key = await sender.Send(new IssueServiceAccessKey(userName, Policy(bucket, instance.ResourceId)), cancellationToken);
        instance.BackupAccessKeyId = key.AccessKeyId;
        instance.BackupSecretProtected = secrets.Protect(key.SecretAccessKey, SecretContext(instance.ResourceId));
        // 256 random bits, as text: pgBackRest derives the key from the passphrase.
        instance.BackupCipherProtected ??= secrets.Protect(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), CipherContext(instance.ResourceId));
        instance.Version++;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            await sender.Send(new DeleteServiceAccessKey(userName, key.AccessKeyId), cancellationToken);
            throw new CompositionConflictException($"DB instance {instance.Identifier} changed while its backup credential was issued; compose it again.");
        }
    }

    /// <summary>This machine's name (in the platform certificate) with the port of the API's first URL (<c>urls</c>), where the agents dial it.</summary>
    public static string DefaultEndpoint(string? urls)
    {
        var first = (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        var port = Uri.TryCreate(first.Replace("://*", "://any", StringComparison.Ordinal).Replace("://+", "://any", StringComparison.Ordinal), UriKind.Absolute, out var uri)
            ? uri.Port
            : 443;
        return $"{System.Net.Dns.GetHostName()}:{port}";
    }

    /// <summary>The platform CA the API's certificate is signed by (the data directory's <c>ca.pem</c>); null when the operator brought a certificate of a public CA.</summary>
    private string? PlatformCa()
    {
        var path = Path.Combine(platform.Value.DataDirectory, "ca.pem");
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }
}

/// <summary>Makes the backup bucket at the platform's start, before any tenant could take its name.</summary>
internal sealed class BackupBucketStartup(IServiceScopeFactory scopes, IOptions<RdsOptions> options) : IStartupTask
{
    /// <summary>After the management account exists (IAM's bootstrap, 100).</summary>
    public int Order => 150;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();
        await sender.Send(new EnsurePlatformBucket(options.Value.BackupBucket, await sender.Send(new DescribeManagementAccount(), cancellationToken)), cancellationToken);
    }
}
