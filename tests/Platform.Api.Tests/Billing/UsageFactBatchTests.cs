using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;
using Platform.Modules.Shared.Persistence.Outbox;

namespace Platform.Api.Tests.Billing;

/// <summary>
/// Billing stores the instance facts of one outbox batch together (one transaction), and the outbox marks the batch's
/// messages processed only after that: with no background jobs, three instances' starts and stops wait in Compute's
/// outbox beside a fact Billing cannot store (its instance id missing), and one dispatch delivers them. The batch cannot be
/// stored whole, so none of it is, and its messages are delivered again one by one: each run recorded once, the faulty
/// message alone charged an attempt. Delivered all over again (a crash between Billing's commit and the outbox's save),
/// nothing counts twice.
/// </summary>
public sealed class UsageFactBatchTests : IAsyncLifetime, IDisposable
{
    private const string ComputeOutbox = "compute_outbox_messages";
    private const string FaultId = "0193a000-0000-7000-8000-00000000fa17";
    private readonly PlatformApp _app = new(runJobs: false);
    private HttpClient _root = null!;
    private SimulatedFleet _fleet = null!;

    public async Task InitializeAsync()
    {
        _root = _app.SignedClient(_app.RootCredentials);
        _fleet = new SimulatedFleet(_app, _root);
        await _fleet.AddHostAsync("us-east-1a", cpus: 8, memoryMiB: 8192);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _app.DisposeAsync();
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Given_a_batch_of_facts_with_one_Billing_cannot_store_Then_each_run_counts_once_and_only_the_faulty_message_is_retried()
    {
        var image = await _root.RegisterKernelImageAsync("batch-image", [1, 2, 3], [4, 5, 6]);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = image })).GetProperty("instance_id").GetString()!);
        }

        foreach (var id in ids)
        {
            await _root.WaitForStateAsync(id, "running");
            await (await _root.PostAsync($"/api/v1/ec2/instances/{id}/stop", null)).AssertOkAsync();
        }

        foreach (var id in ids)
        {
            await _root.WaitForStateAsync(id, "stopped");
        }

        // A copy of the first instance's running fact without its instance id, among the batch's facts.
        Assert.Equal(1, await Database.ExecuteAsync(_app.DatabasePath,
            $"INSERT INTO {ComputeOutbox} (id, type, payload, occurred_at, attempts) "
            + "SELECT $id, type, json_set(payload, '$.InstanceId', json('null')), occurred_at, 0 "
            + $"FROM {ComputeOutbox} WHERE payload LIKE '%\"State\":\"running\"%' AND payload LIKE $instance ORDER BY occurred_at LIMIT 1",
            ("$id", FaultId.ToUpperInvariant()), ("$instance", $"%{ids[0]}%")));
        var pending = await Database.ScalarAsync<long>(_app.DatabasePath, $"SELECT count(*) FROM {ComputeOutbox} WHERE processed_at IS NULL");
        Assert.InRange(pending, 7, 100); // one batch: three starts, three stops, the faulty fact (and the launches' other states)

        await DispatchOutboxAsync();

        Assert.Equal(1, await Database.ScalarAsync<long>(_app.DatabasePath, $"SELECT count(*) FROM {ComputeOutbox} WHERE processed_at IS NULL"));
        Assert.Equal(1, await Database.ScalarAsync<long>(_app.DatabasePath,
            $"SELECT attempts FROM {ComputeOutbox} WHERE id = '{FaultId.ToUpperInvariant()}' AND processed_at IS NULL AND last_error IS NOT NULL"));
        Assert.Equal(0, await Database.ScalarAsync<long>(_app.DatabasePath, "SELECT count(*) FROM billing_instance_runs WHERE instance_id IS NULL"));
        await AssertEachRunOnceAsync(ids);

        // Every message delivered again, as after a crash between Billing's commit and the outbox's save: no run or
        // record more (the faulty fact, still at fault, is charged its second attempt).
        await Database.ExecuteAsync(_app.DatabasePath, $"UPDATE {ComputeOutbox} SET processed_at = NULL WHERE type LIKE '%.InstanceStateChanged,%'");
        await DispatchOutboxAsync();
        await AssertEachRunOnceAsync(ids);
        Assert.Equal(2, await Database.ScalarAsync<long>(_app.DatabasePath, $"SELECT attempts FROM {ComputeOutbox} WHERE id = '{FaultId.ToUpperInvariant()}'"));
        Assert.Equal(1, await Database.ScalarAsync<long>(_app.DatabasePath, $"SELECT count(*) FROM {ComputeOutbox} WHERE processed_at IS NULL"));
    }

    /// <summary>Each instance: one run, closed, and one usage record of its 60 s minimum (each ran far less).</summary>
    private async Task AssertEachRunOnceAsync(List<string> ids)
    {
        foreach (var id in ids)
        {
            Assert.Equal(1, await Database.ScalarAsync<long>(_app.DatabasePath,
                $"SELECT count(*) FROM billing_instance_runs WHERE instance_id = '{id}' AND ended_at IS NOT NULL"));
            Assert.Equal(1, await Database.ScalarAsync<long>(_app.DatabasePath, $"SELECT count(*) FROM billing_instance_runs WHERE instance_id = '{id}'"));
            Assert.Equal(1, await Database.ScalarAsync<long>(_app.DatabasePath, $"SELECT count(*) FROM billing_usage_records WHERE resource_id = '{id}'"));
            Assert.Equal(60m, await Database.ScalarAsync<decimal>(_app.DatabasePath, $"SELECT quantity FROM billing_usage_records WHERE resource_id = '{id}'"));
        }
    }

    private async Task DispatchOutboxAsync()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        await ActivatorUtilities.CreateInstance<OutboxDispatchJob>(scope.ServiceProvider).RunAsync(CancellationToken.None);
    }
}
