using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Data.Sqlite;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Protocol;

namespace Platform.Api.Tests.Rds;

/// <summary>
/// Where a DB instance's backups go (issue 12): the management account's backup bucket, made at the first start; a
/// credential per instance (an IAM user of the management account) that reaches its own prefix of that bucket and nothing
/// else, checked with the AWS SDK against the platform's S3; a cipher passphrase per instance; both kept encrypted and the
/// same from one composition to the next; the credential gone with the instance. Tenants neither list nor read the bucket.
/// </summary>
public sealed class RdsBackupRepositoryTests(RdsPlatform platform) : IClassFixture<RdsPlatform>
{
    private const string Api = "/api/v1/rds";

    [Fact]
    public async Task Given_DB_instances_with_backups_on_Then_each_gets_its_own_prefix_credential_and_passphrase_and_tenants_see_no_bucket()
    {
        using var root = platform.RootClient();
        var tenant = await root.CreateAccountAsync("rds-backup-repository");
        using var client = platform.App.SignedClient(tenant);
        var network = await TenantNetwork.CreateAsync(client, "10.44");
        await (await client.PostJsonAsync($"{Api}/db-subnet-groups", new { db_subnet_group_name = "net", db_subnet_group_description = "two zones", subnet_ids = new[] { network.SubnetA, network.SubnetB } }))
            .AssertOkAsync();
        var orders = await CreateAsync(client, "orders", retention: 7);
        var stock = await CreateAsync(client, "stock", retention: 3);
        var nightly = await CreateAsync(client, "nightly", retention: 0);

        var desired = await platform.DesiredAsync(orders);
        var backup = desired.Backup!;
        Assert.Equal("platform-rds-backups", backup.Bucket);
        Assert.Equal(orders, backup.Path);
        Assert.Equal("us-east-1", backup.Region);
        Assert.Equal(7, backup.RetentionDays);
        Assert.Equal(60, backup.ArchiveTimeoutSeconds);
        Assert.Matches("^[^:]+:[0-9]+$", backup.Endpoint);
        Assert.True(Convert.FromBase64String(backup.CipherPassphrase).Length == 32, "a passphrase of 256 random bits");
        Assert.Equal(backup, (await platform.DesiredAsync(orders)).Backup);
        var stockBackup = (await platform.DesiredAsync(stock)).Backup!;
        Assert.Equal(3, stockBackup.RetentionDays);
        Assert.NotEqual(backup.AccessKeyId, stockBackup.AccessKeyId);
        Assert.NotEqual(backup.CipherPassphrase, stockBackup.CipherPassphrase);
        Assert.Null((await platform.DesiredAsync(nightly)).Backup);

        // Kept only encrypted.
        var rows = await DumpAsync("rds_db_instances");
        Assert.DoesNotContain(backup.SecretAccessKey, rows, StringComparison.Ordinal);
        Assert.DoesNotContain(backup.CipherPassphrase, rows, StringComparison.Ordinal);

        // The credential: its own prefix, read, write, list and delete; nothing of another instance's, nor the bucket's root.
        var credential = new TestCredentials(backup.AccessKeyId, backup.SecretAccessKey, "");
        using var s3 = S3Clients.For(platform.App, credential);
        using var stockS3 = S3Clients.For(platform.App, new TestCredentials(stockBackup.AccessKeyId, stockBackup.SecretAccessKey, ""));
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = backup.Bucket, Key = $"{orders}/archive/{orders}/archive.info", ContentBody = "orders" });
        await stockS3.PutObjectAsync(new PutObjectRequest { BucketName = backup.Bucket, Key = $"{stock}/archive/{stock}/archive.info", ContentBody = "stock" });
        using (var own = await s3.GetObjectAsync(backup.Bucket, $"{orders}/archive/{orders}/archive.info"))
        {
            Assert.Equal("orders", await new StreamReader(own.ResponseStream).ReadToEndAsync());
        }

        var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = backup.Bucket, Prefix = $"{orders}/archive/", Delimiter = "/" });
        Assert.Equal([$"{orders}/archive/{orders}/"], listed.CommonPrefixes);
        await DeniedAsync(() => s3.GetObjectAsync(backup.Bucket, $"{stock}/archive/{stock}/archive.info"));
        await DeniedAsync(() => s3.PutObjectAsync(new PutObjectRequest { BucketName = backup.Bucket, Key = $"{stock}/archive/{stock}/archive.info", ContentBody = "overwritten" }));
        await DeniedAsync(() => s3.DeleteObjectAsync(backup.Bucket, $"{stock}/archive/{stock}/archive.info"));
        await DeniedAsync(() => s3.PutObjectAsync(new PutObjectRequest { BucketName = backup.Bucket, Key = "loose.txt", ContentBody = "x" }));
        await DeniedAsync(() => s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = backup.Bucket }));
        await DeniedAsync(() => s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = backup.Bucket, Prefix = $"{stock}/" }));
        // A prefix that merely starts like its own ("db-X" vs "db-XY...") is another instance's.
        await DeniedAsync(() => s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = backup.Bucket, Prefix = orders[..^1] }));
        await DeniedAsync(() => s3.ListBucketsAsync());
        // The way the guest's pgBackRest comes: the API's own port (the management relay forwards only that one), path-style,
        // signed for s3; the native API's S3 routes on that port stay native.
        using (var viaApiPort = S3Clients.At(platform.App, credential, new Uri($"http://{backup.Endpoint.Split(':')[0]}:8443")))
        {
            var throughApiPort = await viaApiPort.ListObjectsV2Async(new ListObjectsV2Request { BucketName = backup.Bucket, Prefix = $"{orders}/archive/", Delimiter = "/" });
            Assert.Equal([$"{orders}/archive/{orders}/"], throughApiPort.CommonPrefixes);
            await DeniedAsync(() => viaApiPort.GetObjectAsync(backup.Bucket, $"{stock}/archive/{stock}/archive.info"));
        }

        var native = await (await root.GetAsync($"/api/v1/s3/{backup.Bucket}?prefix={stock}/")).AssertOkAsync();
        Assert.Single(native.GetProperty("objects").EnumerateArray());
        await s3.DeleteObjectAsync(backup.Bucket, $"{orders}/archive/{orders}/archive.info");

        // The tenant: no bucket listed, none readable, the name taken.
        using var tenantS3 = S3Clients.For(platform.App, tenant);
        Assert.DoesNotContain((await tenantS3.ListBucketsAsync()).Buckets ?? [], b => b.BucketName == backup.Bucket);
        await DeniedAsync(() => tenantS3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = backup.Bucket, Prefix = $"{stock}/" }));
        await DeniedAsync(() => tenantS3.GetObjectAsync(backup.Bucket, $"{stock}/archive/{stock}/archive.info"));
        var taken = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => tenantS3.PutBucketAsync(backup.Bucket));
        Assert.Equal("BucketAlreadyExists", taken.ErrorCode);

        // Backups off: no repository in the desired state; the credential stays for when they come back on.
        await platform.ReportAsync(stock, new DatabaseReport(DatabaseState.Available, 1));
        await (await client.PatchJsonAsync($"{Api}/db-instances/stock", new { backup_retention_period = 0, apply_immediately = true })).AssertOkAsync();
        Assert.Null((await platform.DesiredAsync(stock)).Backup);

        // The instance deleted: its credential no longer signs anything.
        await (await client.DeleteAsync($"{Api}/db-instances/orders?skip_final_snapshot=true")).AssertOkAsync();
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = backup.Bucket, Prefix = $"{orders}/" });
                return false;
            }
            catch (AmazonS3Exception e)
            {
                return e.ErrorCode == "InvalidAccessKeyId";
            }
        }, TimeSpan.FromSeconds(90), "the deleted instance's backup key still worked");
        Assert.DoesNotContain(BackupUser(orders), await DumpAsync("iam_users"), StringComparison.Ordinal);
        Assert.Contains(BackupUser(stock), await DumpAsync("iam_users"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_restores_of_a_DB_instance_Then_each_reads_the_source_repository_with_a_read_only_credential_and_backs_up_into_its_own()
    {
        using var root = platform.RootClient();
        var tenant = await root.CreateAccountAsync("rds-restore-repository");
        using var client = platform.App.SignedClient(tenant);
        var network = await TenantNetwork.CreateAsync(client, "10.45");
        await (await client.PostJsonAsync($"{Api}/db-subnet-groups", new { db_subnet_group_name = "net", db_subnet_group_description = "two zones", subnet_ids = new[] { network.SubnetA, network.SubnetB } }))
            .AssertOkAsync();
        var orders = await CreateAsync(client, "orders", retention: 7);
        var source = (await platform.DesiredAsync(orders)).Backup!;
        var earliest = DateTimeOffset.Parse("2026-12-05T03:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        await platform.ReportAsync(orders, new DatabaseReport(DatabaseState.Available, 1, EarliestRestorableTime: earliest, LatestRestorableTime: earliest.AddMinutes(5)));
        await (await client.PostJsonAsync($"{Api}/db-snapshots", new { db_snapshot_identifier = "kept", db_instance_identifier = "orders" })).AssertOkAsync();
        var operation = Assert.Single((await platform.DesiredAsync(orders)).Operations!);
        await platform.ReportAsync(orders, new DatabaseReport(DatabaseState.Available, 1, EarliestRestorableTime: earliest, LatestRestorableTime: earliest.AddMinutes(5),
            Operations: [new DatabaseOperationResult(operation.OperationId, Succeeded: true, BackupLabel: "20261205-031000F")]));

        // Bad restores change nothing: a time outside the window, an unknown snapshot, another account's.
        var other = await root.CreateAccountAsync("rds-restore-repository-other");
        using var otherClient = platform.App.SignedClient(other);
        await (await client.PostJsonAsync($"{Api}/db-instances/orders/restore-to-point-in-time", new { target_db_instance_identifier = "late", restore_time = earliest.AddMinutes(6) }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await client.PostJsonAsync($"{Api}/db-snapshots/nothing/restore", new { db_instance_identifier = "none", db_subnet_group_name = "net" }))
            .AssertErrorAsync(HttpStatusCode.NotFound, "DBSnapshotNotFound");
        await (await otherClient.PostJsonAsync($"{Api}/db-snapshots/kept/restore", new { db_instance_identifier = "theirs", db_subnet_group_name = "net" }))
            .AssertErrorAsync(HttpStatusCode.NotFound, "DBSnapshotNotFound");
        Assert.Single((await (await client.GetAsync($"{Api}/db-instances")).AssertOkAsync()).GetProperty("db_instances").EnumerateArray());
        Assert.Empty((await (await otherClient.GetAsync($"{Api}/db-instances")).AssertOkAsync()).GetProperty("db_instances").EnumerateArray());

        // To a point in time: the source's prefix and passphrase, a key of the restored instance's own, the time; its own
        // backups in its own prefix with its own key and passphrase.
        var target = earliest.AddMinutes(2).AddSeconds(7);
        var pitr = (await (await client.PostJsonAsync($"{Api}/db-instances/orders/restore-to-point-in-time", new { target_db_instance_identifier = "orders-pitr", restore_time = target }))
            .AssertOkAsync()).GetProperty("dbi_resource_id").GetString()!;
        var pitrDesired = await platform.DesiredAsync(pitr);
        var restore = pitrDesired.Restore!;
        Assert.Equal(orders, restore.SourceResourceId);
        Assert.Equal(target, restore.TargetTime);
        Assert.Null(restore.BackupLabel);
        Assert.Equal(orders, restore.Repository.Path);
        Assert.Equal(source.Bucket, restore.Repository.Bucket);
        Assert.Equal(source.CipherPassphrase, restore.Repository.CipherPassphrase);
        Assert.NotEqual(source.AccessKeyId, restore.Repository.AccessKeyId);
        Assert.Equal(restore, (await platform.DesiredAsync(pitr)).Restore);
        Assert.Equal(pitr, pitrDesired.Backup!.Path);
        Assert.NotEqual(source.CipherPassphrase, pitrDesired.Backup.CipherPassphrase);
        Assert.NotEqual(restore.Repository.AccessKeyId, pitrDesired.Backup.AccessKeyId);
        Assert.DoesNotContain(restore.Repository.SecretAccessKey, await DumpAsync("rds_db_instances"), StringComparison.Ordinal);
        Assert.DoesNotContain(source.CipherPassphrase, await DumpAsync("rds_db_instances"), StringComparison.Ordinal);

        // The restore credential reads the source's prefix and nothing else, and writes nothing.
        using var ownerS3 = S3Clients.For(platform.App, new TestCredentials(source.AccessKeyId, source.SecretAccessKey, ""));
        await ownerS3.PutObjectAsync(new PutObjectRequest { BucketName = source.Bucket, Key = $"{orders}/backup/{orders}/backup.info", ContentBody = "sets" });
        using var reader = S3Clients.For(platform.App, new TestCredentials(restore.Repository.AccessKeyId, restore.Repository.SecretAccessKey, ""));
        using (var read = await reader.GetObjectAsync(source.Bucket, $"{orders}/backup/{orders}/backup.info"))
        {
            Assert.Equal("sets", await new StreamReader(read.ResponseStream).ReadToEndAsync());
        }

        Assert.Single((await reader.ListObjectsV2Async(new ListObjectsV2Request { BucketName = source.Bucket, Prefix = $"{orders}/backup/" })).S3Objects);
        await DeniedAsync(() => reader.PutObjectAsync(new PutObjectRequest { BucketName = source.Bucket, Key = $"{orders}/backup/{orders}/backup.info", ContentBody = "x" }));
        await DeniedAsync(() => reader.DeleteObjectAsync(source.Bucket, $"{orders}/backup/{orders}/backup.info"));
        await DeniedAsync(() => reader.PutObjectAsync(new PutObjectRequest { BucketName = source.Bucket, Key = $"{pitr}/backup/{pitr}/backup.info", ContentBody = "x" }));
        await DeniedAsync(() => reader.ListObjectsV2Async(new ListObjectsV2Request { BucketName = source.Bucket, Prefix = $"{pitr}/" }));

        // The source deleted: its snapshot still restores, with the passphrase the snapshot kept.
        await (await client.DeleteAsync($"{Api}/db-instances/orders-pitr?skip_final_snapshot=true")).AssertOkAsync();
        await (await client.DeleteAsync($"{Api}/db-instances/orders?skip_final_snapshot=true")).AssertOkAsync();
        await Eventually.TrueAsync(async () => !(await DumpAsync("iam_users")).Contains($"rds-restore-{pitr.ToLowerInvariant()}", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the deleted restore's read-only user stayed");
        var copy = (await (await client.PostJsonAsync($"{Api}/db-snapshots/kept/restore", new { db_instance_identifier = "orders-copy", db_subnet_group_name = "net" }))
            .AssertOkAsync()).GetProperty("dbi_resource_id").GetString()!;
        var fromSnapshot = (await platform.DesiredAsync(copy)).Restore!;
        Assert.Equal(orders, fromSnapshot.SourceResourceId);
        Assert.Equal("20261205-031000F", fromSnapshot.BackupLabel);
        Assert.Null(fromSnapshot.TargetTime);
        Assert.Equal(source.CipherPassphrase, fromSnapshot.Repository.CipherPassphrase);
        Assert.DoesNotContain(source.CipherPassphrase, await DumpAsync("rds_db_snapshots"), StringComparison.Ordinal);
        await (await client.DeleteAsync($"{Api}/db-instances/orders-copy?skip_final_snapshot=true")).AssertOkAsync();
    }

    private static string BackupUser(string resourceId) => $"rds-backup-{resourceId.ToLowerInvariant()}";

    private static async Task DeniedAsync(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<AmazonS3Exception>(call);
        Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
        Assert.Equal("AccessDenied", e.ErrorCode);
    }

    private static async Task<string> CreateAsync(HttpClient client, string identifier, int retention)
    {
        var created = await (await client.PostJsonAsync($"{Api}/db-instances", new Dictionary<string, object?>
        {
            ["db_instance_identifier"] = identifier, ["engine"] = "postgres", ["engine_version"] = "15", ["db_instance_class"] = "db.t3.micro",
            ["allocated_storage"] = 5, ["master_username"] = "app", ["master_user_password"] = "correct-horse-battery", ["db_subnet_group_name"] = "net",
            ["backup_retention_period"] = retention,
        })).AssertOkAsync();
        return created.GetProperty("dbi_resource_id").GetString()!;
    }

    private async Task<string> DumpAsync(string table)
    {
        await using var connection = new SqliteConnection($"Data Source={platform.App.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {table}";
        await using var reader = await command.ExecuteReaderAsync();
        var text = new System.Text.StringBuilder();
        while (await reader.ReadAsync())
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                text.Append(reader.GetValue(i)).Append('|');
            }

            text.AppendLine();
        }

        return text.ToString();
    }
}
