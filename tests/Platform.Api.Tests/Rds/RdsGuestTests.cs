using System.Net;
using System.Text;
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
/// A DB instance's guest as Compute launches it, with a real agent on a simulated server (libvirt's test driver): a
/// managed instance of the database image with a data volume as its only data disk, in the tenant's subnet, which the
/// tenant's EC2 calls neither see nor change, and which goes (volume too) when the DB instance is deleted.
/// </summary>
public sealed class RdsGuestTests : IAsyncLifetime, IDisposable
{
    private readonly PlatformApp _app = new(settings: new Dictionary<string, string?>
    {
        ["Platform:AvailabilityZones:0"] = "us-east-1a",
        ["Platform:AvailabilityZones:1"] = "us-east-1b",
        ["Rds:ManualSnapshotQuota"] = "1",
        // The test is the guest and asks for each backup it reports: the automated backup job (which backs a new instance
        // up at once) never runs here.
        ["Rds:BackupCron"] = Cron.Never(),
        ["Network:PublicAddresses:Cidr"] = "198.51.100.0/24",
        ["Network:PublicAddresses:Gateway"] = "198.51.100.1",
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
    public async Task Given_a_DB_instance_Then_its_guest_runs_the_platform_image_with_one_data_volume_in_the_tenants_subnet_hidden_from_EC2_and_goes_with_it()
    {
        var host = await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        var platformImage = await _root.RegisterKernelImageAsync("platform-db-image", [1, 2, 3], [4, 5, 6]);
        var tenantCredentials = await _root.CreateAccountAsync("orders-co");
        using var tenant = _app.SignedClient(tenantCredentials);
        using var tenantEc2 = _app.SignedClient(tenantCredentials, "ec2");
        // A tenant's image of the platform image's name is never what a DB guest boots.
        var decoy = await tenant.RegisterKernelImageAsync("platform-db-image", [9], [9]);
        var network = await TenantNetwork.CreateAsync(tenant, "10.42");
        await (await tenant.PostJsonAsync("/api/v1/rds/db-subnet-groups", new
        {
            db_subnet_group_name = "orders-net", db_subnet_group_description = "two zones", subnet_ids = new[] { network.SubnetA, network.SubnetB },
        })).AssertOkAsync();
        var created = await (await tenant.PostJsonAsync("/api/v1/rds/db-instances", new
        {
            db_instance_identifier = "orders", engine = "postgres", engine_version = "15", db_instance_class = "db.t3.micro", allocated_storage = 5,
            master_username = "app", master_user_password = "correct-horse-battery", db_subnet_group_name = "orders-net",
        })).AssertOkAsync();
        Assert.Equal("creating", created.GetProperty("db_instance_status").GetString());
        Assert.False(created.GetProperty("endpoint").TryGetProperty("address", out _)); // no address while creating

        // One domain on the server: the platform's image, 1 vCPU and 512 MiB (db.t3.micro's guest), one data disk of 5 GiB.
        string guest = null!;
        await Eventually.TrueAsync(() =>
        {
            var domains = host.Libvirt.ListDomains();
            foreach (var domain in domains)
            {
                using (domain)
                {
                    if (domain.Name.StartsWith("i-", StringComparison.Ordinal))
                    {
                        guest = domain.Name;
                    }
                }
            }

            return Task.FromResult(guest is not null && host.VolumeNames().Count == 1 && host.VolumeDisks(guest).Count == 1);
        }, TimeSpan.FromSeconds(90), "the DB instance's guest and its data volume did not appear on the server");
        var volume = Assert.Single(host.VolumeNames());
        Assert.Equal(("vdf", volume.Replace("-", "", StringComparison.Ordinal)), Assert.Single(host.VolumeDisks(guest)));
        using (var domain = host.Libvirt.FindDomain(guest)!)
        {
            var xml = XDocument.Parse(domain.GetInactiveXml()).Root!;
            Assert.Equal("524288", xml.Element("memory")!.Value);
            Assert.Equal("1", xml.Element("vcpu")!.Value);
            var kernel = xml.Element("os")!.Element("kernel")!.Value;
            Assert.Contains(platformImage, kernel, StringComparison.Ordinal);
            Assert.DoesNotContain(decoy, kernel, StringComparison.Ordinal);
        }

        // The tenant's EC2 calls: neither the instance nor its volume exists for them, in the native API or the EC2 query API.
        var instances = await (await tenant.GetAsync("/api/v1/ec2/instances")).AssertOkAsync();
        Assert.Empty(instances.GetProperty("instances").EnumerateArray());
        await (await tenant.GetAsync($"/api/v1/ec2/instances?instance_id={guest}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidInstanceID.NotFound");
        await (await tenant.PostJsonAsync($"/api/v1/ec2/instances/{guest}/stop", new { })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidInstanceID.NotFound");
        await (await tenant.DeleteAsync($"/api/v1/ec2/instances/{guest}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidInstanceID.NotFound");
        var query = await tenantEc2.PostAsync("/", new StringContent("Action=DescribeInstances&Version=2016-11-15", Encoding.UTF8, "application/x-www-form-urlencoded"));
        var queryText = await query.Content.ReadAsStringAsync();
        Assert.True(query.IsSuccessStatusCode, queryText);
        Assert.DoesNotContain(guest, queryText, StringComparison.Ordinal);
        var volumes = await (await tenant.GetAsync("/api/v1/ec2/volumes")).AssertOkAsync();
        Assert.Empty(volumes.GetProperty("volumes").EnumerateArray());
        await (await tenant.DeleteAsync($"/api/v1/ec2/volumes/{volume}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVolume.NotFound");
        using (var still = host.Libvirt.FindDomain(guest))
        {
            Assert.NotNull(still);
        }

        await StopStartAndRebootAsync(tenant, created.GetProperty("dbi_resource_id").GetString()!);

        // Deleted, it goes: the domain, then its data volume's bytes.
        var deleted = await (await tenant.DeleteAsync("/api/v1/rds/db-instances/orders?skip_final_snapshot=true")).AssertOkAsync();
        Assert.Equal("deleting", deleted.GetProperty("db_instance_status").GetString());
        await Eventually.TrueAsync(() =>
        {
            using var domain = host.Libvirt.FindDomain(guest);
            return Task.FromResult(domain is null && host.VolumeNames().Count == 0);
        }, TimeSpan.FromSeconds(90), "the guest or its volume stayed after the DB instance was deleted");
    }

    /// <summary>
    /// A publicly accessible DB instance: refused (InvalidVPCNetworkStateFault, nothing made) in a VPC without an internet
    /// gateway; with one, its guest's interface gets a public address of the platform's pool, shown as
    /// <c>endpoint.public_address</c> beside the private address, which the tenant's DescribeAddresses does not list;
    /// ModifyDBInstance takes it back and gives one again; the delete returns it to the pool.
    /// </summary>
    [Fact]
    public async Task Given_a_publicly_accessible_DB_instance_Then_its_guest_gets_a_public_address_of_the_platform_that_modify_and_delete_take_back()
    {
        await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        await _root.RegisterKernelImageAsync("platform-db-image", [1, 2, 3], [4, 5, 6]);
        using var tenant = _app.SignedClient(await _root.CreateAccountAsync("public-co"));
        var network = await TenantNetwork.CreateAsync(tenant, "10.43");
        await (await tenant.PostJsonAsync("/api/v1/rds/db-subnet-groups", new
        {
            db_subnet_group_name = "public-net", db_subnet_group_description = "two zones", subnet_ids = new[] { network.SubnetA, network.SubnetB },
        })).AssertOkAsync();
        var request = new
        {
            db_instance_identifier = "public", engine = "postgres", engine_version = "15", db_instance_class = "db.t3.micro", allocated_storage = 5,
            master_username = "app", master_user_password = "correct-horse-battery", db_subnet_group_name = "public-net", publicly_accessible = true,
        };
        const string Api = "/api/v1/rds/db-instances/public";
        await (await tenant.PostJsonAsync("/api/v1/rds/db-instances", request)).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVPCNetworkStateFault");
        await (await tenant.GetAsync(Api)).AssertErrorAsync(HttpStatusCode.NotFound, "DBInstanceNotFound");

        var igw = (await (await tenant.PostJsonAsync("/api/v1/vpc/internet-gateways", new { })).AssertOkAsync()).GetProperty("internet_gateway_id").GetString()!;
        await (await tenant.PostJsonAsync($"/api/v1/vpc/internet-gateways/{igw}/attach", new { vpc_id = network.VpcId })).AssertOkAsync();
        var resourceId = (await (await tenant.PostJsonAsync("/api/v1/rds/db-instances", request)).AssertOkAsync()).GetProperty("dbi_resource_id").GetString()!;
        await Eventually.TrueAsync(async () => await GuestStateAsync(resourceId) == "running", TimeSpan.FromSeconds(90), "the guest did not run");
        await ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 1));
        var endpoint = (await (await tenant.GetAsync(Api)).AssertOkAsync()).GetProperty("endpoint");
        Assert.StartsWith("10.43.1.", endpoint.GetProperty("address").GetString(), StringComparison.Ordinal);
        var publicAddress = endpoint.GetProperty("public_address").GetString()!;
        Assert.StartsWith("198.51.100.", publicAddress, StringComparison.Ordinal);
        Assert.Empty((await (await tenant.GetAsync("/api/v1/vpc/addresses")).AssertOkAsync()).GetProperty("addresses").EnumerateArray());
        Assert.Equal(1, await ServiceAddressesAsync());

        // Not publicly accessible any more: the address goes back; accessible again: one is given again.
        var modified = await (await tenant.PatchJsonAsync(Api, new { publicly_accessible = false })).AssertOkAsync();
        Assert.False(modified.GetProperty("publicly_accessible").GetBoolean());
        Assert.False((await (await tenant.GetAsync(Api)).AssertOkAsync()).GetProperty("endpoint").TryGetProperty("public_address", out var none) && none.ValueKind == System.Text.Json.JsonValueKind.String);
        Assert.Equal(0, await ServiceAddressesAsync());
        await (await tenant.PatchJsonAsync(Api, new { publicly_accessible = true })).AssertOkAsync();
        Assert.StartsWith("198.51.100.", (await (await tenant.GetAsync(Api)).AssertOkAsync()).GetProperty("endpoint").GetProperty("public_address").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await ServiceAddressesAsync());

        // Deleted: the guest's interface goes, and its public address with it (not left allocated, as a tenant's elastic IP would be).
        await (await tenant.DeleteAsync($"{Api}?skip_final_snapshot=true")).AssertOkAsync();
        await Eventually.TrueAsync(async () => await ServiceAddressesAsync() == 0, TimeSpan.FromSeconds(90), "the deleted instance's public address stayed");
    }

    /// <summary>The public addresses held by the platform's services for managed instances (none is the tenant's).</summary>
    private async Task<long> ServiceAddressesAsync()
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_app.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM network_elastic_addresses WHERE account_id = 'amazon-rds'";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Stop, start and reboot move the DB instance and its guest through Compute: stopping until the guest is powered off
    /// (the rds-stopped-instances job sees it), neither metered nor backed up while stopped, starting until the guest
    /// reports again; a stop of 7 days ends in a start by the job, triggered twice; RDS's errors for the wrong states.
    /// </summary>
    private async Task StopStartAndRebootAsync(HttpClient tenant, string resourceId)
    {
        const string Api = "/api/v1/rds/db-instances/orders";
        await (await tenant.PostJsonAsync($"{Api}/stop", new { })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidDBInstanceState");
        await ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 1));
        Assert.Equal("available", (await (await tenant.GetAsync(Api)).AssertOkAsync()).GetProperty("db_instance_status").GetString());
        await (await tenant.PostJsonAsync($"{Api}/start", new { })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidDBInstanceState");
        await (await tenant.PostJsonAsync($"{Api}/reboot?force_failover=true", new { })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");
        Assert.Equal("running", await GuestStateAsync(resourceId));

        // Stopped: the guest powered off, then the job marks it; not metered while stopped.
        Assert.Equal("stopping", (await (await tenant.PostJsonAsync($"{Api}/stop", new { })).AssertOkAsync()).GetProperty("db_instance_status").GetString());
        await (await tenant.PostJsonAsync($"{Api}/stop", new { })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidDBInstanceState");
        await (await tenant.PatchJsonAsync(Api, new { deletion_protection = true })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidDBInstanceState");
        await WaitForStatusAsync(tenant, resourceId, guestState: "stopped", status: "stopped");
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var metered = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new Platform.Modules.Database.Contracts.DescribeMeteredDatabases());
            Assert.DoesNotContain(metered, m => m.ResourceId == resourceId);
        }

        // Started: starting until the guest reports the database up.
        Assert.Equal("starting", (await (await tenant.PostJsonAsync($"{Api}/start", new { })).AssertOkAsync()).GetProperty("db_instance_status").GetString());
        await Eventually.TrueAsync(async () => await GuestStateAsync(resourceId) == "running", TimeSpan.FromSeconds(90), "the stopped guest did not start");
        await ReportAsync(resourceId, new DatabaseReport(DatabaseState.Creating, 1));
        Assert.Equal("starting", (await (await tenant.GetAsync(Api)).AssertOkAsync()).GetProperty("db_instance_status").GetString());
        await ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 1));
        Assert.Equal("available", (await (await tenant.GetAsync(Api)).AssertOkAsync()).GetProperty("db_instance_status").GetString());

        // Stopped for 7 days (its stop time moved back, as a clock would): the job, run twice, starts it once.
        await (await tenant.PostJsonAsync($"{Api}/stop", new { })).AssertOkAsync();
        await WaitForStatusAsync(tenant, resourceId, guestState: "stopped", status: "stopped");
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_app.DatabasePath}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE rds_db_instances SET stopped_at = $at WHERE resource_id = $r";
            command.Parameters.AddWithValue("$at", DateTime.UtcNow.AddDays(-7).AddMinutes(-1).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$r", resourceId);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await WaitForStatusAsync(tenant, resourceId, guestState: "running", status: "starting");
        await ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 1));
        var restarted = await (await tenant.GetAsync(Api)).AssertOkAsync();
        Assert.Equal("available", restarted.GetProperty("db_instance_status").GetString());

        // Rebooted: rebooting until the guest's next report.
        Assert.Equal("rebooting", (await (await tenant.PostJsonAsync($"{Api}/reboot", new { })).AssertOkAsync()).GetProperty("db_instance_status").GetString());
        await (await tenant.PostJsonAsync($"{Api}/stop", new { })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidDBInstanceState");
        await ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 1));
        Assert.Equal("available", (await (await tenant.GetAsync(Api)).AssertOkAsync()).GetProperty("db_instance_status").GetString());

        await StopWithSnapshotAsync(tenant, resourceId);
    }

    /// <summary>
    /// StopDBInstance with a snapshot, as RDS: the snapshot is taken first (stopping, the guest still running, and the stop
    /// job leaves it running while the backup is open), then the guest is powered off; the snapshot's errors change nothing.
    /// </summary>
    private async Task StopWithSnapshotAsync(HttpClient tenant, string resourceId)
    {
        const string Api = "/api/v1/rds/db-instances/orders";
        await (await tenant.PostJsonAsync($"{Api}/stop", new { db_snapshot_identifier = "bad--name" })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        var stopping = await (await tenant.PostJsonAsync($"{Api}/stop", new { db_snapshot_identifier = "before-stop" })).AssertOkAsync();
        Assert.Equal("stopping", stopping.GetProperty("db_instance_status").GetString());
        Assert.Equal("creating", (await (await tenant.GetAsync("/api/v1/rds/db-snapshots/before-stop")).AssertOkAsync()).GetProperty("status").GetString());
        await (await tenant.PostJsonAsync($"{Api}/stop", new { db_snapshot_identifier = "another" })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidDBInstanceState");
        await (await tenant.GetAsync("/api/v1/rds/db-snapshots/another")).AssertErrorAsync(HttpStatusCode.NotFound, "DBSnapshotNotFound");

        // The guest is asked for the snapshot's backup (into the snapshot repository) and keeps running until it is reported.
        var operation = Assert.Single((await DesiredAsync(resourceId)).Operations!);
        Assert.Equal(DatabaseOperationKind.SnapshotBackup, operation.Kind);
        await RunStopJobAsync();
        Assert.Equal("running", await GuestStateAsync(resourceId));
        Assert.Equal("stopping", (await (await tenant.GetAsync(Api)).AssertOkAsync()).GetProperty("db_instance_status").GetString());

        await ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 1,
            Operations: [new DatabaseOperationResult(operation.OperationId, Succeeded: true, BackupLabel: "20261206-040000F")]));
        Assert.Equal("available", (await (await tenant.GetAsync("/api/v1/rds/db-snapshots/before-stop")).AssertOkAsync()).GetProperty("status").GetString());
        await WaitForStatusAsync(tenant, resourceId, guestState: "stopped", status: "stopped");

        // Started again: a taken name is DBSnapshotAlreadyExists, one more snapshot is over the quota (1 here); neither stops it.
        await (await tenant.PostJsonAsync($"{Api}/start", new { })).AssertOkAsync();
        await Eventually.TrueAsync(async () => await GuestStateAsync(resourceId) == "running", TimeSpan.FromSeconds(90), "the stopped guest did not start");
        await ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 1));
        await (await tenant.PostJsonAsync($"{Api}/stop", new { db_snapshot_identifier = "before-stop" })).AssertErrorAsync(HttpStatusCode.BadRequest, "DBSnapshotAlreadyExists");
        await (await tenant.PostJsonAsync($"{Api}/stop", new { db_snapshot_identifier = "second" })).AssertErrorAsync(HttpStatusCode.BadRequest, "SnapshotQuotaExceeded");
        Assert.Equal("available", (await (await tenant.GetAsync(Api)).AssertOkAsync()).GetProperty("db_instance_status").GetString());
        Assert.Equal("running", await GuestStateAsync(resourceId));
        Assert.Empty((await DesiredAsync(resourceId)).Operations ?? []);
    }

    /// <summary>Runs the stop/start job once and waits for it to have succeeded.</summary>
    private async Task RunStopJobAsync()
    {
        var storage = _app.Services.GetRequiredService<JobStorage>();
        var jobId = ((IRecurringJobManagerV2)_app.Services.GetRequiredService<IRecurringJobManager>()).TriggerJob("rds-stopped-instances");
        Assert.NotNull(jobId);
        await Eventually.TrueAsync(() => Task.FromResult(storage.GetMonitoringApi().JobDetails(jobId)?.History.FirstOrDefault()?.StateName == "Succeeded"),
            TimeSpan.FromSeconds(90), "the rds-stopped-instances job did not succeed");
    }

    private async Task<DesiredDatabase> DesiredAsync(string resourceId)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var managed = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new Platform.Modules.Database.Contracts.DescribeManagedDatabase(resourceId, "vol-data"));
        return System.Text.Json.JsonSerializer.Deserialize<DesiredDatabase>(managed!.DesiredDatabaseJson, AgentApi.Json)!;
    }

    /// <summary>Triggers the stop/start job (twice at a time) until the guest and the DB instance are in the states wanted.</summary>
    private async Task WaitForStatusAsync(HttpClient tenant, string resourceId, string guestState, string status)
    {
        var jobs = _app.Services.GetRequiredService<IRecurringJobManager>();
        await Eventually.TrueAsync(async () =>
        {
            jobs.Trigger("rds-stopped-instances");
            jobs.Trigger("rds-stopped-instances");
            return await GuestStateAsync(resourceId) == guestState
                && (await (await tenant.GetAsync("/api/v1/rds/db-instances/orders")).AssertOkAsync()).GetProperty("db_instance_status").GetString() == status;
        }, TimeSpan.FromSeconds(90), $"the DB instance did not become {status} with its guest {guestState}");
    }

    private async Task<string> GuestStateAsync(string resourceId)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var guests = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new DescribeManagedInstances("rds", [resourceId]));
        return Assert.Single(guests).State;
    }

    private async Task ReportAsync(string resourceId, DatabaseReport report)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IPublisher>().Publish(
            new Platform.Modules.Database.Contracts.DatabaseGuestReported(resourceId, System.Text.Json.JsonSerializer.Serialize(report, AgentApi.Json)));
    }
}
