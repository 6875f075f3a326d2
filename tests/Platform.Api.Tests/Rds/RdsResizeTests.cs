using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using Hangfire;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.Compute;
using Platform.Api.Tests.TestEngine;
using Platform.Api.Tests.Volumes;
using Platform.HostAgent.Protocol;
using Platform.Modules.Compute.Contracts;

namespace Platform.Api.Tests.Rds;

/// <summary>
/// ModifyDBInstance's resize (a new class, more storage) with a real agent on a simulated server (libvirt's test driver):
/// RDS's errors changing nothing, PendingModifiedValues, <c>modifying</c> while the resize job stops the guest, changes its
/// type (the domain is defined again with the class's memory) and starts it, the data volume grown on the server, then
/// <c>available</c> once the guest reports the new generation; the job run twice at a time and picking up after a run cut
/// short; the maintenance window for a change not applied immediately. The test speaks for the guest with its reports (the
/// guest's file system grow is the dbagent's, checked by a real guest).
/// </summary>
public sealed class RdsResizeTests : IAsyncLifetime, IDisposable
{
    private const string Api = "/api/v1/rds/db-instances/orders";

    private readonly PlatformApp _app = new(settings: new Dictionary<string, string?>
    {
        ["Platform:AvailabilityZones:0"] = "us-east-1a",
        ["Platform:AvailabilityZones:1"] = "us-east-1b",
        ["Rds:StorageQuotaGiB"] = "20",
        // The test runs the resize job itself (and the one a call enqueues runs beside it) and speaks for the guest.
        ["Rds:BackupCron"] = Cron.Never(),
        ["Rds:GuestCron"] = Cron.Never(),
    });

    private HttpClient _root = null!;
    private SimulatedFleet _fleet = null!;

    public async Task InitializeAsync()
    {
        _root = _app.SignedClient(_app.RootCredentials);
        _fleet = new SimulatedFleet(_app, _root);
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _app.DisposeAsync();
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Given_an_immediate_resize_Then_the_guest_is_stopped_retyped_and_started_its_volume_grown_and_the_instance_available_once_the_guest_reports()
    {
        var host = await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        var (tenant, resourceId) = await CreateAvailableAsync();
        var guest = await GuestAsync(resourceId);
        var volume = guest.DataVolumeId!;
        Assert.Equal("t2.nano", guest.InstanceType);
        Assert.Equal(6L << 30, host.VolumeCapacity(volume));

        // RDS's errors, each changing nothing.
        await (await tenant.PatchJsonAsync(Api, new { allocated_storage = 5, apply_immediately = true })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");
        await (await tenant.PatchJsonAsync(Api, new { db_instance_class = "db.x9.huge", apply_immediately = true })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await tenant.PatchJsonAsync(Api, new { allocated_storage = 21, apply_immediately = true })).AssertErrorAsync(HttpStatusCode.BadRequest, "StorageQuotaExceeded");
        using (var other = _app.SignedClient(await _root.CreateAccountAsync("resize-other")))
        {
            await (await other.PatchJsonAsync(Api, new { db_instance_class = "db.t3.small", apply_immediately = true })).AssertErrorAsync(HttpStatusCode.NotFound, "DBInstanceNotFound");
        }

        var unchanged = await (await tenant.GetAsync(Api)).AssertOkAsync();
        Assert.Equal(("available", "db.t3.micro", 6), (unchanged.GetProperty("db_instance_status").GetString(), unchanged.GetProperty("db_instance_class").GetString(),
            unchanged.GetProperty("allocated_storage").GetInt32()));
        Assert.True(None(Pending(unchanged).Class) && None(Pending(unchanged).Storage));

        // The resize: modifying at once, with its values pending; no second modification meanwhile.
        var modifying = await (await tenant.PatchJsonAsync(Api, new { db_instance_class = "db.t3.small", allocated_storage = 8, apply_immediately = true })).AssertOkAsync();
        Assert.Equal("modifying", modifying.GetProperty("db_instance_status").GetString());
        Assert.Equal(("db.t3.small", 8), (Pending(modifying).Class.GetString(), Pending(modifying).Storage.GetInt32()));
        Assert.Equal(("db.t3.micro", 6), (modifying.GetProperty("db_instance_class").GetString(), modifying.GetProperty("allocated_storage").GetInt32()));
        await (await tenant.PatchJsonAsync(Api, new { allocated_storage = 9, apply_immediately = true })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidDBInstanceState");

        // A guest report meanwhile does not end it: the job's steps decide.
        await ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, (await DesiredAsync(resourceId)).Generation));
        Assert.Equal("modifying", await StatusAsync(tenant));

        // The job, triggered twice at a time, until the class and storage are applied.
        await Eventually.TrueAsync(async () =>
        {
            await RunResizeJobTwiceAsync();
            var now = await (await tenant.GetAsync(Api)).AssertOkAsync();
            return now.GetProperty("db_instance_class").GetString() == "db.t3.small" && now.GetProperty("allocated_storage").GetInt32() == 8
                && (await GuestAsync(resourceId)).State == "running";
        }, TimeSpan.FromSeconds(120), "the resize was never applied");
        Assert.Equal(8L << 30, host.VolumeCapacity(volume));
        var resized = await GuestAsync(resourceId);
        Assert.Equal(("t2.micro", volume), (resized.InstanceType, resized.DataVolumeId));
        await Eventually.TrueAsync(() => Task.FromResult(DomainMemoryKiB(host, resized.InstanceId) == 1024 * 1024), TimeSpan.FromSeconds(90),
            "the guest's domain never had the new class's 1024 MiB");

        // The guest is composed anew (shared_buffers from the new class's memory): available once it reports that generation.
        var desired = await DesiredAsync(resourceId);
        Assert.Equal("32768", desired.Parameters["shared_buffers"]);
        var described = await (await tenant.GetAsync(Api)).AssertOkAsync();
        Assert.Equal("modifying", described.GetProperty("db_instance_status").GetString());
        Assert.True(None(Pending(described).Class) && None(Pending(described).Storage));
        await ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, desired.Generation - 1));
        Assert.Equal("modifying", await StatusAsync(tenant));
        await ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, desired.Generation));
        Assert.Equal("available", await StatusAsync(tenant));

        // Run again, nothing changes.
        await RunResizeJobTwiceAsync();
        Assert.Equal(("available", "running", "t2.micro"), (await StatusAsync(tenant), (await GuestAsync(resourceId)).State, (await GuestAsync(resourceId)).InstanceType));
        Assert.Equal(8L << 30, host.VolumeCapacity(volume));
    }

    [Fact]
    public async Task Given_a_resize_for_the_maintenance_window_Then_it_waits_pending_and_a_run_cut_short_after_the_guest_stopped_is_finished_by_the_next()
    {
        var host = await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        var (tenant, resourceId) = await CreateAvailableAsync();
        var now = DateTime.UtcNow;
        var later = Window(now.AddDays(2), now.AddDays(2).AddMinutes(30));
        await (await tenant.PatchJsonAsync(Api, new { preferred_maintenance_window = later })).AssertOkAsync();

        // Not immediately: available, the class pending until the window.
        var pending = await (await tenant.PatchJsonAsync(Api, new { db_instance_class = "db.t3.small" })).AssertOkAsync();
        Assert.Equal(("available", "db.t3.micro", "db.t3.small"), (pending.GetProperty("db_instance_status").GetString(),
            pending.GetProperty("db_instance_class").GetString(), Pending(pending).Class.GetString()));
        await RunResizeJobTwiceAsync();
        Assert.Equal("available", await StatusAsync(tenant));
        Assert.Equal(("running", "t2.nano"), ((await GuestAsync(resourceId)).State, (await GuestAsync(resourceId)).InstanceType));

        // A run cut short (the API killed) right after it stopped the guest and changed its type, before it saved anything:
        // the window has begun, the row still says available with the class pending.
        await (await tenant.PatchJsonAsync(Api, new { preferred_maintenance_window = Window(now.AddMinutes(-5), now.AddMinutes(55)) })).AssertOkAsync();
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var sender = scope.ServiceProvider.GetRequiredService<ISender>();
            await sender.Send(new ChangeManagedInstancePower("rds", resourceId, ManagedInstancePower.Stop));
            await Eventually.TrueAsync(async () => (await GuestAsync(resourceId)).State == "stopped", TimeSpan.FromSeconds(90), "the guest never stopped");
            Assert.Equal("t2.micro", (await sender.Send(new ChangeManagedInstanceType("rds", resourceId, "t2.micro")))!.InstanceType);
        }

        await Eventually.TrueAsync(async () =>
        {
            await RunResizeJobTwiceAsync();
            return (await (await tenant.GetAsync(Api)).AssertOkAsync()).GetProperty("db_instance_class").GetString() == "db.t3.small";
        }, TimeSpan.FromSeconds(120), "the resize was never finished");
        Assert.Equal("modifying", await StatusAsync(tenant));
        await Eventually.TrueAsync(async () => (await GuestAsync(resourceId)).State == "running", TimeSpan.FromSeconds(90), "the guest was not started again");
        await ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, (await DesiredAsync(resourceId)).Generation));
        var done = await (await tenant.GetAsync(Api)).AssertOkAsync();
        Assert.Equal(("available", "db.t3.small"), (done.GetProperty("db_instance_status").GetString(), done.GetProperty("db_instance_class").GetString()));
        Assert.True(None(Pending(done).Class));
        Assert.Equal(6L << 30, host.VolumeCapacity((await GuestAsync(resourceId)).DataVolumeId!));
    }

    private async Task<(HttpClient Tenant, string ResourceId)> CreateAvailableAsync()
    {
        await _root.RegisterKernelImageAsync("platform-db-image", [1, 2, 3], [4, 5, 6]);
        var tenant = _app.SignedClient(await _root.CreateAccountAsync("resize-co"));
        var network = await TenantNetwork.CreateAsync(tenant, "10.46");
        await (await tenant.PostJsonAsync("/api/v1/rds/db-subnet-groups", new
        {
            db_subnet_group_name = "orders-net", db_subnet_group_description = "two zones", subnet_ids = new[] { network.SubnetA, network.SubnetB },
        })).AssertOkAsync();
        var created = await (await tenant.PostJsonAsync("/api/v1/rds/db-instances", new
        {
            db_instance_identifier = "orders", engine = "postgres", engine_version = "15", db_instance_class = "db.t3.micro", allocated_storage = 6,
            master_username = "app", master_user_password = "correct-horse-battery", db_subnet_group_name = "orders-net",
        })).AssertOkAsync();
        var resourceId = created.GetProperty("dbi_resource_id").GetString()!;
        await Eventually.TrueAsync(async () => (await GuestAsync(resourceId)).State == "running", TimeSpan.FromSeconds(90), "the guest never ran");
        await ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, (await DesiredAsync(resourceId)).Generation));
        Assert.Equal("available", await StatusAsync(tenant));
        return (tenant, resourceId);
    }

    private static (JsonElement Class, JsonElement Storage) Pending(JsonElement instance)
    {
        var pending = instance.GetProperty("pending_modified_values");
        return (pending.TryGetProperty("db_instance_class", out var c) ? c : default, pending.TryGetProperty("allocated_storage", out var s) ? s : default);
    }

    private static bool None(JsonElement value) => value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    private static string Window(DateTime from, DateTime to) =>
        $"{Day(from)}:{from:HH:mm}-{Day(to)}:{to:HH:mm}".ToLowerInvariant();

    private static string Day(DateTime at) => at.DayOfWeek.ToString()[..3];

    private static long DomainMemoryKiB(SimulatedHost host, string instanceId)
    {
        using var domain = host.Libvirt.FindDomain(instanceId);
        return domain is null ? 0 : long.Parse(XDocument.Parse(domain.GetInactiveXml()).Root!.Element("memory")!.Value, CultureInfo.InvariantCulture);
    }

    private static async Task<string> StatusAsync(HttpClient tenant) =>
        (await (await tenant.GetAsync(Api)).AssertOkAsync()).GetProperty("db_instance_status").GetString()!;

    /// <summary>The resize job twice at once (as two API replicas would run it), waited for.</summary>
    private async Task RunResizeJobTwiceAsync()
    {
        var storage = _app.Services.GetRequiredService<JobStorage>();
        var manager = (IRecurringJobManagerV2)_app.Services.GetRequiredService<IRecurringJobManager>();
        var ids = new[] { manager.TriggerJob("rds-resize"), manager.TriggerJob("rds-resize") };
        await Eventually.TrueAsync(() => Task.FromResult(ids.All(id => storage.GetMonitoringApi().JobDetails(id)?.History.FirstOrDefault()?.StateName == "Succeeded")),
            TimeSpan.FromSeconds(90), "the rds-resize job did not succeed");
    }

    private async Task<ManagedInstance> GuestAsync(string resourceId)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var guests = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new DescribeManagedInstances("rds", [resourceId]));
        return Assert.Single(guests);
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
