using System.Net;
using System.Text.Json;
using Amazon.S3.Model;
using Hangfire;
using Hangfire.Storage;
using Mediator;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Protocol;

namespace Platform.Api.Tests.Rds;

/// <summary>
/// DeleteDBSnapshot against the platform's real object store: the snapshot turns deleting, its set (written here with
/// the instance's own backup credential, where the guest's pgBackRest writes it) leaves the backup bucket while the
/// instance's other sets, WAL and automated backups stay; a snapshot a restore is reading cannot be deleted; a delete cut
/// short (left deleting) is finished by the snapshot-deletion job, run twice at once, once no restore reads it; the last snapshot of a deleted
/// instance takes its whole snapshot repository with it. The test plays the guest; the automated backup job never runs.
/// </summary>
public sealed class RdsSnapshotDeletionTests : IDisposable
{
    private const string Api = "/api/v1/rds";
    private const string Bucket = "platform-rds-backups";

    private readonly PlatformApp _app = new(settings: new Dictionary<string, string?>
    {
        ["Platform:AvailabilityZones:0"] = "us-east-1a",
        ["Platform:AvailabilityZones:1"] = "us-east-1b",
        ["Rds:BackupCron"] = Cron.Never(),
    });

    public void Dispose()
    {
        _app.Dispose();
        try
        {
            Directory.Delete(_app.DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Given_snapshots_with_sets_in_the_bucket_When_deleted_Then_only_their_sets_leave_it_and_a_delete_cut_short_is_finished_by_the_job()
    {
        using var root = _app.SignedClient(_app.RootCredentials);
        var tenant = await root.CreateAccountAsync("rds-snapshot-deletion");
        using var client = _app.SignedClient(tenant);
        var network = await TenantNetwork.CreateAsync(client, "10.47");
        await (await client.PostJsonAsync($"{Api}/db-subnet-groups", new { db_subnet_group_name = "net", db_subnet_group_description = "two zones", subnet_ids = new[] { network.SubnetA, network.SubnetB } }))
            .AssertOkAsync();
        var rid = (await (await client.PostJsonAsync($"{Api}/db-instances", new
        {
            db_instance_identifier = "orders", engine = "postgres", engine_version = "15", db_instance_class = "db.t3.micro", allocated_storage = 5,
            master_username = "app", master_user_password = "correct-horse-battery", db_subnet_group_name = "net", backup_retention_period = 7,
        })).AssertOkAsync()).GetProperty("dbi_resource_id").GetString()!;
        var repository = (await DesiredAsync(rid)).Backup!;
        await ReportAsync(rid, new DatabaseReport(DatabaseState.Available, 1));
        await SnapshotAsync(client, rid, "gone", "20261205-031000F");
        await SnapshotAsync(client, rid, "kept", "20261205-041000F");

        // The guest's pgBackRest writes, with the instance's credential: an automated set and the WAL (repo1), each
        // snapshot's set and its manifest's history copy, and the snapshot repository's info and WAL (repo2).
        using var guest = S3Clients.For(_app, new TestCredentials(repository.AccessKeyId, repository.SecretAccessKey, ""));
        string[] automated = [$"{rid}/backup/{rid}/20261205-030000F/backup.manifest", $"{rid}/archive/{rid}/15-1/0000000100000000/000000010000000000000002-ab.gz"];
        string[] gone = [.. SetKeys(rid, "20261205-031000F")];
        string[] kept = [.. SetKeys(rid, "20261205-041000F")];
        string[] snapshotRepository = [$"{rid}/snapshots/backup/{rid}/backup.info", $"{rid}/snapshots/archive/{rid}/archive.info",
            $"{rid}/snapshots/archive/{rid}/15-1/0000000100000000/000000010000000000000003-cd.gz"];
        foreach (var key in automated.Concat(gone).Concat(kept).Concat(snapshotRepository))
        {
            await guest.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, ContentBody = "encrypted bytes of " + key });
        }

        // Another account learns nothing and deletes nothing.
        using var other = _app.SignedClient(await root.CreateAccountAsync("rds-snapshot-deletion-other"));
        await (await other.DeleteAsync($"{Api}/db-snapshots/gone")).AssertErrorAsync(HttpStatusCode.NotFound, "DBSnapshotNotFound");

        // Deleted: deleting in the answer, gone from the listing and its set from the bucket; the rest stays.
        var deleted = await (await client.DeleteAsync($"{Api}/db-snapshots/gone")).AssertOkAsync();
        Assert.Equal("deleting", deleted.GetProperty("status").GetString());
        await (await client.GetAsync($"{Api}/db-snapshots/gone")).AssertErrorAsync(HttpStatusCode.NotFound, "DBSnapshotNotFound");
        var keys = await KeysAsync(root, $"{rid}/");
        Assert.Empty(keys.Intersect(gone));
        Assert.Equal(automated.Concat(kept).Concat(snapshotRepository).Order(StringComparer.Ordinal), keys);

        // A restore from "kept" is being created (its guest reads the set): the snapshot cannot be deleted, and stays whole.
        await (await client.PostJsonAsync($"{Api}/db-snapshots/kept/restore", new { db_instance_identifier = "orders-copy", db_subnet_group_name = "net" })).AssertOkAsync();
        await (await client.DeleteAsync($"{Api}/db-snapshots/kept")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidDBSnapshotState");
        Assert.Equal("available", (await (await client.GetAsync($"{Api}/db-snapshots/kept")).AssertOkAsync()).GetProperty("status").GetString());
        Assert.Equal(keys, await KeysAsync(root, $"{rid}/"));

        // A DeleteDBSnapshot that marked it deleting and was cut short (the API died before any object went), here while
        // the restore is still being created (as when the restore had read it available just before the mark): the job
        // leaves its set for as long as the restore reads it.
        await MarkDeletingAsync("kept");
        Assert.Equal("deleting", (await (await client.GetAsync($"{Api}/db-snapshots/kept")).AssertOkAsync()).GetProperty("status").GetString());
        await (await client.DeleteAsync($"{Api}/db-snapshots/kept")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidDBSnapshotState");
        await RunDeletionJobAsync();
        Assert.Equal("deleting", (await (await client.GetAsync($"{Api}/db-snapshots/kept")).AssertOkAsync()).GetProperty("status").GetString());
        Assert.Equal(keys, await KeysAsync(root, $"{rid}/"));
        await (await client.DeleteAsync($"{Api}/db-instances/orders-copy?skip_final_snapshot=true")).AssertOkAsync();
        await (await client.DeleteAsync($"{Api}/db-instances/orders?skip_final_snapshot=true")).AssertOkAsync();
        await Eventually.TrueAsync(async () => (await (await client.GetAsync($"{Api}/db-instances")).AssertOkAsync()).GetProperty("db_instances").GetArrayLength() == 0,
            TimeSpan.FromSeconds(90), "the DB instances were not deleted");

        // The restore gone (and the instance): the job, run twice at once, deletes the set and, as the last snapshot of a
        // deleted instance, its whole snapshot repository.
        Assert.NotEmpty((await KeysAsync(root, $"{rid}/snapshots/")).Intersect(kept));
        await Task.WhenAll(RunDeletionJobAsync(), RunDeletionJobAsync());
        await (await client.GetAsync($"{Api}/db-snapshots/kept")).AssertErrorAsync(HttpStatusCode.NotFound, "DBSnapshotNotFound");
        Assert.Empty(await KeysAsync(root, $"{rid}/snapshots/"));
        Assert.Empty((await (await client.GetAsync($"{Api}/db-snapshots")).AssertOkAsync()).GetProperty("db_snapshots").EnumerateArray());
    }

    private async Task MarkDeletingAsync(string identifier)
    {
        await using var connection = new SqliteConnection($"Data Source={_app.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE rds_db_snapshots SET status = 'deleting' WHERE identifier = $id";
        command.Parameters.AddWithValue("$id", identifier);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    /// <summary>The keys of one snapshot set as pgBackRest lays it out in the snapshot repository (its directory and its manifest's history copy).</summary>
    private static IEnumerable<string> SetKeys(string rid, string label)
    {
        yield return $"{rid}/snapshots/backup/{rid}/{label}/backup.manifest";
        yield return $"{rid}/snapshots/backup/{rid}/{label}/backup.manifest.copy";
        yield return $"{rid}/snapshots/backup/{rid}/{label}/pg_data/base/5/1259.gz";
        yield return $"{rid}/snapshots/backup/{rid}/backup.history/{label[..4]}/{label}.manifest.gz";
    }

    private async Task SnapshotAsync(HttpClient client, string rid, string identifier, string label)
    {
        await (await client.PostJsonAsync($"{Api}/db-snapshots", new { db_snapshot_identifier = identifier, db_instance_identifier = "orders" })).AssertOkAsync();
        var operation = Assert.Single((await DesiredAsync(rid)).Operations!);
        Assert.Equal(DatabaseOperationKind.SnapshotBackup, operation.Kind);
        await ReportAsync(rid, new DatabaseReport(DatabaseState.Available, 1, Operations: [new DatabaseOperationResult(operation.OperationId, Succeeded: true, BackupLabel: label)]));
        Assert.Equal("available", (await (await client.GetAsync($"{Api}/db-snapshots/{identifier}")).AssertOkAsync()).GetProperty("status").GetString());
    }

    private static async Task<List<string>> KeysAsync(HttpClient root, string prefix)
    {
        var listing = await (await root.GetAsync($"/api/v1/s3/{Bucket}?prefix={Uri.EscapeDataString(prefix)}")).AssertOkAsync();
        return [.. listing.GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("key").GetString()!).Order(StringComparer.Ordinal)];
    }

    /// <summary>Triggers the snapshot-deletion job and waits for that run to have succeeded.</summary>
    private async Task RunDeletionJobAsync()
    {
        var storage = _app.Services.GetRequiredService<JobStorage>();
        var jobId = ((IRecurringJobManagerV2)_app.Services.GetRequiredService<IRecurringJobManager>()).TriggerJob("rds-snapshot-deletions");
        await Eventually.TrueAsync(() => Task.FromResult(storage.GetMonitoringApi().JobDetails(jobId)?.History.FirstOrDefault()?.StateName == "Succeeded"),
            TimeSpan.FromSeconds(90), $"the snapshot-deletion job {jobId} did not succeed");
    }

    private async Task<DesiredDatabase> DesiredAsync(string resourceId)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var managed = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new Platform.Modules.Database.Contracts.DescribeManagedDatabase(resourceId, "vol-data"));
        return JsonSerializer.Deserialize<DesiredDatabase>(managed!.DesiredDatabaseJson, AgentApi.Json)!;
    }

    private async Task ReportAsync(string resourceId, DatabaseReport report)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IPublisher>().Publish(
            new Platform.Modules.Database.Contracts.DatabaseGuestReported(resourceId, JsonSerializer.Serialize(report, AgentApi.Json)));
    }
}
