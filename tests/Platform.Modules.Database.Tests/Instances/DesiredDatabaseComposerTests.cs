using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using Platform.HostAgent.Protocol;
using Platform.Modules.Database.Backups;
using Platform.Modules.Database.Certificates;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Database.Tests.Instances;

/// <summary>What the guest is told to run: the decrypted password, the group's parameters, one stable certificate, the open backups.</summary>
public sealed class DesiredDatabaseComposerTests : IDisposable
{
    private readonly ModuleDatabaseFile _database = new();
    private readonly AesGcmSecretProtector _secrets = new AesGcmSecretProtector(Options.Create(new PlatformOptions { MasterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }));

    [Fact]
    public async Task Given_an_instance_with_a_backup_asked_for_Then_the_desired_database_carries_it_and_the_certificate_stays_the_same()
    {
        // Automated backups off: no repository (the one with backups on is composed in Api.Tests' RdsBackupRepositoryTests, with IAM and S3).
        var instance = TestInstances.New(retention: 0);
        instance.MasterPasswordProtected = _secrets.Protect("correct-horse-battery", NewDbInstance.PasswordContext(instance.ResourceId));
        instance.Generation = 4;
        await using (var db = _database.Open())
        {
            db.Instances.Add(instance);
            db.BackupOperations.Add(new DbBackupOperation
            {
                OperationId = "op-1", AccountId = instance.AccountId, ResourceId = instance.ResourceId, Kind = "FullBackup", RequestedAt = DateTime.UtcNow,
            });
            db.BackupOperations.Add(new DbBackupOperation
            {
                OperationId = "op-0", AccountId = instance.AccountId, ResourceId = instance.ResourceId, Kind = "FullBackup",
                RequestedAt = DateTime.UtcNow.AddDays(-1), CompletedAt = DateTime.UtcNow, Succeeded = true, BackupLabel = "20261204-030000F",
            });
            await db.SaveChangesAsync();
        }

        var first = await ComposeAsync(instance.ResourceId);
        var second = await ComposeAsync(instance.ResourceId);
        Assert.NotNull(first);
        Assert.Equal("correct-horse-battery", first.MasterPassword);
        Assert.Equal("vol-data", first.DataVolumeId);
        Assert.Equal(4, first.Generation);
        Assert.Equal("16384", first.Parameters["shared_buffers"]); // a quarter of db.t3.micro's 512 MiB guest, in 8 kB pages
        Assert.Equal(["op-1"], first.Operations!.Select(o => o.OperationId));
        Assert.Null(first.Backup);
        Assert.Equal(first.Tls, second!.Tls);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", first.Tls.CertificatePem, StringComparison.Ordinal);

        await using var check = _database.Open();
        var stored = await check.Instances.SingleAsync();
        Assert.DoesNotContain("PRIVATE KEY", stored.ServerKeyProtected!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_a_restored_instance_without_its_source_passphrase_Then_it_is_not_composed()
    {
        var instance = new DbInstance
        {
            ResourceId = NewDbInstance.NewResourceId(), AccountId = "123456789012", Identifier = "copy", Engine = "postgres", EngineVersion = "15",
            InstanceClass = "db.t3.micro", AllocatedStorage = 5, MasterUsername = "app", MasterPasswordProtected = "x", Port = 5432, SubnetGroupName = "net",
            VpcId = "vpc-1", SecurityGroupIds = "sg-1", ParameterGroupName = "default.postgres15", PreferredBackupWindow = "03:00-03:30",
            PreferredMaintenanceWindow = "sun:05:00-sun:05:30", Status = DbInstanceStatus.Creating, ParameterApplyStatus = ParameterApplyStatus.InSync,
            RestoredFrom = "snapshot:db-SOURCE:20261205-030000F",
        };
        await using (var db = _database.Open())
        {
            db.Instances.Add(instance);
            await db.SaveChangesAsync();
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => ComposeAsync(instance.ResourceId));
        Assert.Null(await ComposeAsync("db-GONE"));
    }

    [Theory]
    [InlineData("snapshot-set:db-SOURCE:20261206-040000F", "db-SOURCE/snapshots")]
    [InlineData("snapshot:db-SOURCE:20261205-030000F", "db-SOURCE")]
    public async Task Given_an_instance_restored_from_a_snapshot_Then_the_set_is_read_from_the_snapshot_repository_or_for_an_older_snapshot_the_automated_one(
        string restoredFrom, string path)
    {
        var resourceId = NewDbInstance.NewResourceId();
        var instance = new DbInstance
        {
            ResourceId = resourceId, AccountId = "123456789012", Identifier = "copy", Engine = "postgres", EngineVersion = "15",
            InstanceClass = "db.t3.micro", AllocatedStorage = 5, MasterUsername = "app", Port = 5432, SubnetGroupName = "net",
            MasterPasswordProtected = _secrets.Protect("correct-horse-battery", NewDbInstance.PasswordContext(resourceId)),
            VpcId = "vpc-1", SecurityGroupIds = "sg-1", ParameterGroupName = "default.postgres15", PreferredBackupWindow = "03:00-03:30",
            PreferredMaintenanceWindow = "sun:05:00-sun:05:30", Status = DbInstanceStatus.Creating, ParameterApplyStatus = ParameterApplyStatus.InSync,
            RestoredFrom = restoredFrom,
            RestoreAccessKeyId = "AKIARESTORE",
            RestoreSecretProtected = _secrets.Protect("restore-secret", BackupRepositories.RestoreSecretContext(resourceId)),
            RestoreCipherProtected = _secrets.Protect("source-passphrase", BackupRepositories.RestoreCipherContext(resourceId)),
        };
        await using (var db = _database.Open())
        {
            db.Instances.Add(instance);
            await db.SaveChangesAsync();
        }

        var restore = (await ComposeAsync(instance.ResourceId))!.Restore!;
        Assert.Equal(path, restore.Repository.Path);
        Assert.Equal(("db-SOURCE", restoredFrom.Split(':')[2], "source-passphrase"), (restore.SourceResourceId, restore.BackupLabel, restore.Repository.CipherPassphrase));
        Assert.Null(restore.TargetTime);
    }

    [Fact]
    public async Task Given_the_row_changes_while_a_composition_saves_its_certificate_Then_it_composes_again_from_the_changed_row()
    {
        var instance = TestInstances.New(retention: 0);
        instance.MasterPasswordProtected = _secrets.Protect("correct-horse-battery", NewDbInstance.PasswordContext(instance.ResourceId));
        instance.Generation = 1;
        await using (var db = _database.Open())
        {
            db.Instances.Add(instance);
            await db.SaveChangesAsync();
        }

        // Another writer (a ModifyDBInstance, the other side's composition) commits between this composition's read and its save.
        var meddler = new ChangeRowOnFirstSave(_database, instance.ResourceId);
        DesiredDatabase? desired;
        await using (var db = _database.Open(meddler))
        {
            var repositories = new BackupRepositories(db, _secrets, null!, Options.Create(new RdsOptions()), Options.Create(new PlatformOptions()));
            desired = await new DesiredDatabaseComposer(db, _secrets, new DatabaseCertificates(db, _secrets, TimeProvider.System), repositories)
                .ComposeAsync(instance.ResourceId, "vol-data", CancellationToken.None);
        }

        Assert.Equal(1, meddler.Changes);
        Assert.NotNull(desired);
        Assert.Equal(2, desired.Generation);
        await using (var db = _database.Open())
        {
            var stored = await db.Instances.AsNoTracking().SingleAsync(i => i.ResourceId == instance.ResourceId);
            Assert.Equal(stored.ServerCertificatePem, desired.Tls.CertificatePem);
        }

        Assert.Equal(desired.Tls.CertificatePem, (await ComposeAsync(instance.ResourceId))!.Tls.CertificatePem);
    }

    private sealed class ChangeRowOnFirstSave(ModuleDatabaseFile database, string resourceId) : SaveChangesInterceptor
    {
        public int Changes { get; private set; }

        public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
            CancellationToken cancellationToken = default)
        {
            if (Changes == 0)
            {
                Changes++;
                await using var other = database.Open();
                var row = await other.Instances.SingleAsync(i => i.ResourceId == resourceId, cancellationToken);
                row.Generation++;
                row.Version++;
                await other.SaveChangesAsync(cancellationToken);
            }

            return result;
        }
    }

    private async Task<DesiredDatabase?> ComposeAsync(string resourceId)
    {
        await using var db = _database.Open();
        // No Mediator here: the repositories are never asked while retention is 0, which these instances have.
        var repositories = new BackupRepositories(db, _secrets, null!, Options.Create(new RdsOptions()), Options.Create(new PlatformOptions()));
        return await new DesiredDatabaseComposer(db, _secrets, new DatabaseCertificates(db, _secrets, TimeProvider.System), repositories)
            .ComposeAsync(resourceId, "vol-data", CancellationToken.None);
    }

    public void Dispose() => _database.Dispose();
}
