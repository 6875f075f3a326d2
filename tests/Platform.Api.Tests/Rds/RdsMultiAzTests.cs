using System.Net;
using System.Text;
using System.Text.Json;
using Hangfire;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.Compute;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Protocol;
using Platform.Modules.Compute.Contracts;

namespace Platform.Api.Tests.Rds;

/// <summary>
/// Multi-AZ's API path with real agents on simulated servers (libvirt's test driver), one server per zone: the standby's
/// placement (another zone, another server; InsufficientDBInstanceCapacity changing nothing without one), each guest's
/// desired replication and the pair's database-port allowance, <c>available</c> only once the standby streams
/// synchronously, a forced failover and a lost primary's server moving the endpoint to the promoted standby, both safe
/// twice, and another account learning nothing. The guests' side (dbagent, the agent's driver) is DatabaseReplicationTests';
/// here the test speaks for the guests with their reports, as RdsGuestTests does.
/// </summary>
public sealed class RdsMultiAzTests : IAsyncLifetime, IDisposable
{
    private const string Api = "/api/v1/rds/db-instances/orders";

    private readonly PlatformApp _app = new(settings: new Dictionary<string, string?>
    {
        ["Platform:AvailabilityZones:0"] = "us-east-1a",
        ["Platform:AvailabilityZones:1"] = "us-east-1b",
        ["Compute:HeartbeatTimeout"] = "00:00:10",
        // The test triggers the jobs it needs (the failover job among them) and speaks for the guests.
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
    public async Task Given_a_Multi_AZ_instance_Then_its_standby_is_placed_in_another_zone_made_synchronous_and_a_forced_failover_moves_the_endpoint_to_it()
    {
        var hostA = await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        await _root.RegisterKernelImageAsync("platform-db-image", [1, 2, 3], [4, 5, 6]);
        var credentials = await _root.CreateAccountAsync("pair-co");
        using var tenant = _app.SignedClient(credentials);
        var network = await CreateSubnetGroupAsync(tenant, "10.44");

        // One server, in one zone: no room for the standby anywhere else. Nothing is made, and nothing is left running.
        await (await tenant.PostJsonAsync("/api/v1/rds/db-instances", Create(publiclyAccessible: false)))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InsufficientDBInstanceCapacity");
        await (await tenant.GetAsync(Api)).AssertErrorAsync(HttpStatusCode.NotFound, "DBInstanceNotFound");
        Assert.All(await GuestsAsync(), g => Assert.Contains(g.State, new[] { "shutting-down", "terminated" }));
        await (await tenant.PostJsonAsync("/api/v1/rds/db-instances", Create(publiclyAccessible: true)))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");

        // A server in the other zone: the pair is made, side B there.
        var hostB = await _fleet.AddHostAsync("us-east-1b", cpus: 4, memoryMiB: 4096);
        var created = await (await tenant.PostJsonAsync("/api/v1/rds/db-instances", Create(publiclyAccessible: false))).AssertOkAsync();
        var resourceId = created.GetProperty("dbi_resource_id").GetString()!;
        var sideB = resourceId + "-b";
        Assert.Equal("creating", created.GetProperty("db_instance_status").GetString());
        Assert.True(created.GetProperty("multi_az").GetBoolean());
        var a = await GuestAsync(resourceId);
        var b = await GuestAsync(sideB);
        // Side A where the group's first subnet with room is, side B in the other zone, on the other server.
        Assert.Equal(a.AvailabilityZone, created.GetProperty("availability_zone").GetString());
        Assert.Equal(b.AvailabilityZone, created.GetProperty("secondary_availability_zone").GetString());
        Assert.NotEqual(a.AvailabilityZone, b.AvailabilityZone);
        var servers = new[] { hostA, hostB }.ToDictionary(h => h.HostId!);
        Assert.Equal(a.AvailabilityZone == "us-east-1a" ? (hostA.HostId, hostB.HostId) : (hostB.HostId, hostA.HostId), (a.HostId, b.HostId));
        Assert.StartsWith(a.AvailabilityZone == "us-east-1a" ? "10.44.1." : "10.44.2.", a.PrivateIpAddress, StringComparison.Ordinal);
        Assert.StartsWith(b.AvailabilityZone == "us-east-1a" ? "10.44.1." : "10.44.2.", b.PrivateIpAddress, StringComparison.Ordinal);

        // Each guest's part: A the primary of term 1 naming B's slot and address, committing alone until B streams; B its standby.
        var primary = (await DesiredAsync(resourceId)).Replication!;
        Assert.Equal((DatabaseReplicationRole.Primary, 1L, "s_b", b.PrivateIpAddress, false),
            (primary.Role, primary.Term, primary.StandbyName, primary.PeerAddress, primary.Synchronous));
        var standby = (await DesiredAsync(sideB)).Replication!;
        Assert.Equal((DatabaseReplicationRole.Standby, 1L, "s_b", a.PrivateIpAddress), (standby.Role, standby.Term, standby.StandbyName, standby.PeerAddress));
        Assert.Equal(primary.Password, standby.Password);
        Assert.DoesNotContain(primary.Password, (await (await tenant.GetAsync(Api)).AssertOkAsync()).GetRawText(), StringComparison.Ordinal);

        // The pair reaches each other on the database port whatever the tenant's groups say, on the guests' interfaces only.
        await Eventually.TrueAsync(async () => await PeerRuleAsync(servers[a.HostId!], a.InstanceId, b.PrivateIpAddress!)
                && await PeerRuleAsync(servers[b.HostId!], b.InstanceId, a.PrivateIpAddress!),
            TimeSpan.FromSeconds(90), "the servers' desired states lack the pair's database-port rule");
        var groups = await (await tenant.GetAsync($"/api/v1/vpc/security-groups?vpc_id={network.VpcId}")).AssertOkAsync();
        Assert.DoesNotContain(b.PrivateIpAddress!, groups.GetRawText(), StringComparison.Ordinal);

        // The primary up but its standby not streaming yet: still creating. The standby streams: the primary is told to wait for it.
        await ReportAsync(resourceId, Up(DatabaseReplicationRole.Primary, term: 1, streaming: false, synchronous: false));
        Assert.Equal("creating", await StatusAsync(tenant));
        await ReportAsync(sideB, Up(DatabaseReplicationRole.Standby, term: 1, streaming: true, synchronous: false));
        Assert.True((await DesiredAsync(resourceId)).Replication!.Synchronous);
        Assert.Equal("creating", await StatusAsync(tenant));
        await ReportAsync(resourceId, Up(DatabaseReplicationRole.Primary, term: 1, streaming: true, synchronous: true));
        var available = await (await tenant.GetAsync(Api)).AssertOkAsync();
        Assert.Equal("available", available.GetProperty("db_instance_status").GetString());
        Assert.Equal(a.PrivateIpAddress, available.GetProperty("endpoint").GetProperty("address").GetString());

        // The guest job keeps both guests (side B is no orphan).
        await RunJobAsync("rds-guests");
        Assert.DoesNotContain((await GuestAsync(sideB)).State, new[] { "shutting-down", "terminated" });

        // Another account: neither sees the instance nor fails it over.
        using var other = _app.SignedClient(await _root.CreateAccountAsync("other-co"));
        await (await other.GetAsync(Api)).AssertErrorAsync(HttpStatusCode.NotFound, "DBInstanceNotFound");
        await (await other.PostJsonAsync($"{Api}/reboot?force_failover=true", new { })).AssertErrorAsync(HttpStatusCode.NotFound, "DBInstanceNotFound");
        Assert.Equal(DatabaseReplicationRole.Primary, (await DesiredAsync(resourceId)).Replication!.Role);

        // Forced failover: B is the primary of term 2, A its standby to be rebuilt; asked again meanwhile, refused.
        var rebooting = await (await tenant.PostJsonAsync($"{Api}/reboot?force_failover=true", new { })).AssertOkAsync();
        Assert.Equal("rebooting", rebooting.GetProperty("db_instance_status").GetString());
        Assert.Equal((b.AvailabilityZone, a.AvailabilityZone),
            (rebooting.GetProperty("availability_zone").GetString(), rebooting.GetProperty("secondary_availability_zone").GetString()));
        await (await tenant.PostJsonAsync($"{Api}/reboot?force_failover=true", new { })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidDBInstanceState");
        var promoted = (await DesiredAsync(sideB)).Replication!;
        Assert.Equal((DatabaseReplicationRole.Primary, 2L, "s_a", a.PrivateIpAddress, false),
            (promoted.Role, promoted.Term, promoted.StandbyName, promoted.PeerAddress, promoted.Synchronous));
        var demoted = (await DesiredAsync(resourceId)).Replication!;
        Assert.Equal((DatabaseReplicationRole.Standby, 2L, "s_a", b.PrivateIpAddress), (demoted.Role, demoted.Term, demoted.StandbyName, demoted.PeerAddress));

        // A lagging report of the old primary's term changes nothing; the new primary's report of term 2 ends the failover.
        await ReportAsync(resourceId, Up(DatabaseReplicationRole.Primary, term: 1, streaming: false, synchronous: false));
        await ReportAsync(sideB, Up(DatabaseReplicationRole.Standby, term: 1, streaming: true, synchronous: false));
        Assert.Equal("rebooting", await StatusAsync(tenant));
        await ReportAsync(sideB, Up(DatabaseReplicationRole.Primary, term: 2, streaming: false, synchronous: false));
        var failedOver = await (await tenant.GetAsync(Api)).AssertOkAsync();
        Assert.Equal("available", failedOver.GetProperty("db_instance_status").GetString());
        Assert.Equal(b.PrivateIpAddress, failedOver.GetProperty("endpoint").GetProperty("address").GetString());

        // Until the rebuilt standby streams, another failover could lose commits: refused. Once it streams, B waits for it.
        await (await tenant.PostJsonAsync($"{Api}/reboot?force_failover=true", new { })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidDBInstanceState");
        await ReportAsync(resourceId, Up(DatabaseReplicationRole.Standby, term: 2, streaming: true, synchronous: false));
        Assert.True((await DesiredAsync(sideB)).Replication!.Synchronous);

        // The awsQuery protocol shows the pair too.
        using var query = _app.SignedClient(credentials, "rds");
        var xml = await (await query.PostAsync("/", new StringContent("Action=DescribeDBInstances&Version=2014-10-31&DBInstanceIdentifier=orders", Encoding.UTF8,
            "application/x-www-form-urlencoded"))).Content.ReadAsStringAsync();
        Assert.Contains("<MultiAZ>true</MultiAZ>", xml, StringComparison.Ordinal);
        Assert.Contains($"<SecondaryAvailabilityZone>{a.AvailabilityZone}</SecondaryAvailabilityZone>", xml, StringComparison.Ordinal);

        // Stop is not offered for a pair yet; delete takes both guests.
        await (await tenant.PostJsonAsync($"{Api}/stop", new { })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");
        await (await tenant.DeleteAsync($"{Api}?skip_final_snapshot=true")).AssertOkAsync();
        await Eventually.TrueAsync(async () => (await GuestsAsync()).Where(g => g.ResourceId.StartsWith(resourceId, StringComparison.Ordinal))
            .All(g => g.State is "shutting-down" or "terminated"), TimeSpan.FromSeconds(90), "a guest of the deleted pair stayed");
    }

    [Fact]
    public async Task Given_the_primarys_server_lost_Then_the_failover_job_promotes_the_standby_once_and_a_lost_standby_is_dropped_from_the_commit_path()
    {
        var hostA = await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        var hostB = await _fleet.AddHostAsync("us-east-1b", cpus: 4, memoryMiB: 4096);
        await _root.RegisterKernelImageAsync("platform-db-image", [1, 2, 3], [4, 5, 6]);
        using var tenant = _app.SignedClient(await _root.CreateAccountAsync("lost-co"));
        await CreateSubnetGroupAsync(tenant, "10.45");
        var resourceId = (await (await tenant.PostJsonAsync("/api/v1/rds/db-instances", Create(publiclyAccessible: false))).AssertOkAsync())
            .GetProperty("dbi_resource_id").GetString()!;
        var sideB = resourceId + "-b";
        var b = await GuestAsync(sideB);
        var primaryHostId = (await GuestAsync(resourceId)).HostId;
        var primaryServer = new[] { hostA, hostB }.Single(h => h.HostId == primaryHostId);

        // The job fails over only to a standby whose guest runs.
        await Eventually.TrueAsync(async () => (await GuestAsync(sideB)).State == "running", TimeSpan.FromSeconds(90), "the standby's guest did not run");

        // The job leaves a pair alone while both servers answer.
        await ReportAsync(sideB, Up(DatabaseReplicationRole.Standby, term: 1, streaming: true, synchronous: false));
        await ReportAsync(resourceId, Up(DatabaseReplicationRole.Primary, term: 1, streaming: true, synchronous: true));
        Assert.Equal("available", await StatusAsync(tenant));
        await RunJobAsync("rds-failover");
        Assert.Equal("a", await PrimarySideAsync(resourceId));

        // The primary's server goes silent: the job (run twice) fails over once, to term 2.
        await primaryServer.StopAgentAsync();
        await Eventually.TrueAsync(async () => !(await GuestAsync(resourceId)).HostReachable, TimeSpan.FromSeconds(90), "Compute never judged the primary's server lost");
        await RunJobAsync("rds-failover");
        await RunJobAsync("rds-failover");
        Assert.Equal("rebooting", await StatusAsync(tenant));
        var promoted = (await DesiredAsync(sideB)).Replication!;
        Assert.Equal((DatabaseReplicationRole.Primary, 2L), (promoted.Role, promoted.Term));
        // Its standby's server is lost: the new primary waits for no one.
        Assert.Equal((null, null, false), (promoted.StandbyName, promoted.PeerAddress, promoted.Synchronous));
        await ReportAsync(sideB, Up(DatabaseReplicationRole.Primary, term: 2, streaming: false, synchronous: false));
        var after = await (await tenant.GetAsync(Api)).AssertOkAsync();
        Assert.Equal("available", after.GetProperty("db_instance_status").GetString());
        Assert.Equal(b.PrivateIpAddress, after.GetProperty("endpoint").GetProperty("address").GetString());
        Assert.Equal(b.AvailabilityZone, after.GetProperty("availability_zone").GetString());

        // Neither side can take over from the other now (the standby is on the lost server): the job changes nothing more.
        await RunJobAsync("rds-failover");
        Assert.Equal("b", await PrimarySideAsync(resourceId));

        // The server back: the old primary is named the standby of term 2 again, to be rebuilt from B.
        primaryServer.Start();
        await Eventually.TrueAsync(async () => (await GuestAsync(resourceId)).HostReachable, TimeSpan.FromSeconds(90), "the server did not come back");
        var rejoined = (await DesiredAsync(sideB)).Replication!;
        Assert.Equal(("s_a", (await GuestAsync(resourceId)).PrivateIpAddress), (rejoined.StandbyName, rejoined.PeerAddress));
        Assert.Equal(DatabaseReplicationRole.Standby, (await DesiredAsync(resourceId)).Replication!.Role);
    }

    private static object Create(bool publiclyAccessible) => new
    {
        db_instance_identifier = "orders", engine = "postgres", engine_version = "15", db_instance_class = "db.t3.micro", allocated_storage = 5,
        master_username = "app", master_user_password = "correct-horse-battery", db_subnet_group_name = "pair-net", multi_az = true,
        publicly_accessible = publiclyAccessible,
    };

    private static async Task<TenantNetwork> CreateSubnetGroupAsync(HttpClient tenant, string prefix)
    {
        var network = await TenantNetwork.CreateAsync(tenant, prefix);
        await (await tenant.PostJsonAsync("/api/v1/rds/db-subnet-groups", new
        {
            db_subnet_group_name = "pair-net", db_subnet_group_description = "two zones", subnet_ids = new[] { network.SubnetA, network.SubnetB },
        })).AssertOkAsync();
        return network;
    }

    private static DatabaseReport Up(DatabaseReplicationRole role, long term, bool streaming, bool synchronous) =>
        new(DatabaseState.Available, 1, Replication: new DatabaseReplicationReport(role, term, streaming, 0, synchronous));

    private static async Task<string> StatusAsync(HttpClient tenant) =>
        (await (await tenant.GetAsync(Api)).AssertOkAsync()).GetProperty("db_instance_status").GetString()!;

    /// <summary>Whether the server's desired state lets the guest reach, and be reached by, its peer on the database port.</summary>
    private async Task<bool> PeerRuleAsync(SimulatedHost host, string instanceId, string peer)
    {
        using var agent = _app.CreateClient();
        var credential = JsonDocument.Parse(host.CredentialJson).RootElement;
        agent.DefaultRequestHeaders.TryAddWithoutValidation("Authorization",
            $"PlatformHost {credential.GetProperty("host_id").GetString()}:{credential.GetProperty("host_secret").GetString()}");
        var response = await agent.GetAsync("/api/v1/agent/desired-state");
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return false;
        }

        var desired = JsonSerializer.Deserialize<HostDesiredState>(await response.Content.ReadAsStringAsync(), AgentApi.Json)!;
        var nic = desired.Instances.SingleOrDefault(i => i.InstanceId == instanceId)?.Interfaces?.SingleOrDefault();
        var rule = new DesiredFirewallRule("tcp", 5432, 5432, peer + "/32");
        return nic is not null && nic.Ingress.Contains(rule) && nic.Egress.Contains(rule);
    }

    private async Task RunJobAsync(string id)
    {
        var storage = _app.Services.GetRequiredService<JobStorage>();
        var jobId = ((IRecurringJobManagerV2)_app.Services.GetRequiredService<IRecurringJobManager>()).TriggerJob(id);
        Assert.NotNull(jobId);
        await Eventually.TrueAsync(() => Task.FromResult(storage.GetMonitoringApi().JobDetails(jobId)?.History.FirstOrDefault()?.StateName == "Succeeded"),
            TimeSpan.FromSeconds(90), $"the {id} job did not succeed");
    }

    private async Task<string> PrimarySideAsync(string resourceId)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_app.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT primary_side FROM rds_db_instances WHERE resource_id = $r";
        command.Parameters.AddWithValue("$r", resourceId);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private async Task<DesiredDatabase> DesiredAsync(string managedResourceId)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var managed = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new Platform.Modules.Database.Contracts.DescribeManagedDatabase(managedResourceId, "vol-data"));
        return JsonSerializer.Deserialize<DesiredDatabase>(managed!.DesiredDatabaseJson, AgentApi.Json)!;
    }

    private async Task<IReadOnlyList<ManagedInstance>> GuestsAsync()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(new DescribeManagedInstances("rds"));
    }

    private async Task<ManagedInstance> GuestAsync(string managedResourceId) =>
        Assert.Single(await GuestsAsync(), g => g.ResourceId == managedResourceId);

    private async Task ReportAsync(string managedResourceId, DatabaseReport report)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IPublisher>().Publish(
            new Platform.Modules.Database.Contracts.DatabaseGuestReported(managedResourceId, JsonSerializer.Serialize(report, AgentApi.Json)));
    }
}
