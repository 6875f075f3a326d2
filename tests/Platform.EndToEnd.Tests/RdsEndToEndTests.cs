using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Platform.Api.Tests.Compute;
using Platform.Api.Tests.Rds;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.OpenVSwitch.Tests;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// A DB instance with nothing simulated: the API and a HostAgent process on qemu:///system and this machine's Open vSwitch,
/// the database image (deploy/db-image/build.sh) registered as the management account's private image, everything else
/// through signed calls. The guest is launched by Compute as a managed instance, configured by the agent's database driver
/// from the desired database the Database module composes, and its reports (through Compute's outbox) make it available.
/// One guest of 512 MiB, and a second one for the instance restored from the first one's backups. Both are publicly
/// accessible: the test is a client in the outside world (a network namespace at the end of the agent's uplink, holding the
/// public pool's gateway, as in EdgeEndToEndTests) that the instances' security group lets in on 5432, and runs Debian's psql
/// from there, with TLS verified against the platform CA it downloads.
/// </summary>
public sealed partial class RdsEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string PoolPrefix = "198.18.9.";
    private const string Gateway = PoolPrefix + "1";
    private const string Password = "correct-horse-battery";
    private readonly string _suffix = Shell.NewSuffix();
    private readonly string _work = Directory.CreateTempSubdirectory("platform-rds-e2e-").FullName;

    /// <summary>The network namespace standing for the outside world.</summary>
    private string Outside => "rds-out-" + _suffix;

    private string Bridge => "br" + _suffix;

    private string Uplink => "ur" + _suffix;

    private string OutsideEnd => "uo" + _suffix;

    public async Task InitializeAsync()
    {
        await Shell.CheckAsync("ip", "netns", "add", Outside);
        await Shell.CheckAsync("ip", "link", "add", Uplink, "type", "veth", "peer", "name", OutsideEnd, "netns", Outside);
        await Shell.CheckAsync("ip", "-n", Outside, "addr", "add", Gateway + "/24", "dev", OutsideEnd);
        await Shell.CheckAsync("ip", "-n", Outside, "link", "set", OutsideEnd, "up");
        await Shell.CheckAsync("ip", "-n", Outside, "link", "set", "lo", "up");
        // As deploy/lab-uplink.sh: a veth leaves TCP checksums to an offload nobody performs once the switch rewrites addresses.
        await Shell.CheckAsync("ip", "netns", "exec", Outside, "ethtool", "-K", OutsideEnd, "tx", "off");
        await Shell.CheckAsync("ip", "link", "set", Uplink, "up");
    }

    public async Task DisposeAsync()
    {
        await Shell.RunAsync("ovs-vsctl", "--if-exists", "del-br", Bridge);
        await Shell.RunAsync("ip", "netns", "del", "imds-" + Bridge);
        await Shell.RunAsync("ip", "link", "del", Uplink);
        await Shell.RunAsync("ip", "netns", "del", Outside);
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Given_a_DB_instance_on_a_real_server_Then_its_guest_turns_it_available_at_its_private_address_and_delete_removes_guest_and_volume()
    {
        var (started, group) = await StartCloudAsync();
        await using var cloud = started;
        var root = cloud.Root;
        // A backup window twelve hours away: the automated backup this test sees (repo1, what a point-in-time restore starts
        // from) is the first one, taken once the instance is available; a manual snapshot is a set of its own repository (repo2).
        var windowStart = DateTime.UtcNow.AddHours(12);
        var watch = Stopwatch.StartNew();
        await (await root.PostJsonAsync("/api/v1/rds/db-instances", new
        {
            db_instance_identifier = "orders", engine = "postgres", engine_version = "15", db_instance_class = "db.t3.micro", allocated_storage = 5,
            master_username = "app", master_user_password = Password, db_subnet_group_name = "orders-net", backup_retention_period = 1,
            preferred_backup_window = $"{windowStart:HH:mm}-{windowStart.AddMinutes(60):HH:mm}", publicly_accessible = true, vpc_security_group_ids = new[] { group },
        })).AssertOkAsync();
        var created = watch.Elapsed;
        string? guest = null;
        await Eventually.TrueAsync(async () => (guest = (await cloud.OwnedDomainsAsync()).Keys.SingleOrDefault()) is not null, TimeSpan.FromSeconds(120),
            $"no guest was defined for the DB instance; agent log:\n{cloud.Agent.Output}");
        cloud.Remember(guest!);

        JsonElement instance = default;
        await Eventually.TrueAsync(async () =>
        {
            instance = await (await root.GetAsync("/api/v1/rds/db-instances/orders")).AssertOkAsync();
            return instance.GetProperty("db_instance_status").GetString() == "available";
        }, TimeSpan.FromSeconds(180), $"the DB instance did not turn available: {instance}\nconsole:\n{cloud.ConsoleText(guest!, 0)}\nagent log:\n{cloud.Agent.Output}");
        var available = watch.Elapsed;
        output.WriteLine($"create answered in {created.TotalSeconds:0.0} s; create to available {available.TotalSeconds:0.0} s");

        var address = instance.GetProperty("endpoint").GetProperty("address").GetString()!;
        Assert.StartsWith("10.61.1.", address, StringComparison.Ordinal);
        Assert.Equal(5432, instance.GetProperty("endpoint").GetProperty("port").GetInt32());
        Assert.Equal("us-east-1a", instance.GetProperty("availability_zone").GetString());
        var console = cloud.ConsoleText(guest!, 0);
        Assert.Contains($"PLATFORM-GUEST-IP eth0 {address}/24", console, StringComparison.Ordinal);
        Assert.Contains("PLATFORM-DB-LISTENING 5432", console, StringComparison.Ordinal);
        Assert.Empty((await (await root.GetAsync("/api/v1/ec2/instances")).AssertOkAsync()).GetProperty("instances").EnumerateArray());
        Assert.Empty((await (await root.GetAsync("/api/v1/ec2/volumes")).AssertOkAsync()).GetProperty("volumes").EnumerateArray());
        Assert.Single(PoolVolumes(cloud));
        // Its public address is the platform's, not one of the tenant's elastic IPs.
        var publicAddress = instance.GetProperty("endpoint").GetProperty("public_address").GetString()!;
        Assert.StartsWith(PoolPrefix, publicAddress, StringComparison.Ordinal);
        Assert.Empty((await (await root.GetAsync("/api/v1/vpc/addresses")).AssertOkAsync()).GetProperty("addresses").EnumerateArray());

        // psql from outside as the master user, over TLS with the server's certificate verified against the downloaded CA
        // (the edge's mapping may land a moment after the instance turned available); a wrong password is refused.
        (int ExitCode, string Output) answer = (-1, "");
        await Eventually.TrueAsync(async () => (answer = await PsqlAsync(publicAddress, Password,
                "SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connectTimeoutSeconds: 5)).ExitCode == 0,
            TimeSpan.FromSeconds(90), () => $"psql from outside never logged in: {answer.Output}\nagent log:\n{cloud.Agent.Output}", TimeSpan.FromSeconds(1));
        Assert.Equal("app|t", answer.Output.Trim());
        var wrong = await PsqlAsync(publicAddress, Password + "x", "SELECT 1");
        Assert.True(wrong.ExitCode == 2 && wrong.Output.Contains("password authentication failed", StringComparison.Ordinal), $"a wrong password: {wrong.Output}");
        answer = await PsqlAsync(publicAddress, Password,
            "CREATE TABLE orders (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp()); INSERT INTO orders (id) SELECT generate_series(1, 100)");
        Assert.True(answer.ExitCode == 0, $"the first rows: {answer.Output}");

        // The first automated backup, outside the backup window: its set in the bucket, the instance available again
        // (backing-up while it ran) with a restorable window from it.
        var resourceId = instance.GetProperty("dbi_resource_id").GetString()!;
        watch.Restart();
        JsonElement backups = default;
        List<string> sets = [];
        await Eventually.TrueAsync(async () =>
        {
            backups = await (await root.GetAsync($"/api/v1/s3/platform-rds-backups?prefix={resourceId}/backup/{resourceId}/&delimiter=/")).AssertOkAsync();
            sets = backups.GetProperty("common_prefixes").EnumerateArray().Select(p => p.GetString()!).Where(p => p.EndsWith("F/", StringComparison.Ordinal)).ToList();
            return sets.Count > 0;
        }, TimeSpan.FromSeconds(300), $"no automated backup set in the bucket: {backups}\nagent log:\n{cloud.Agent.Output}");
        Assert.True(sets.Count == 1, $"the first automated full backup set in the bucket: {backups}");
        await Eventually.TrueAsync(async () =>
            (instance = await (await root.GetAsync("/api/v1/rds/db-instances/orders")).AssertOkAsync()).GetProperty("db_instance_status").GetString() == "available"
            && instance.TryGetProperty("earliest_restorable_time", out var earliest) && earliest.ValueKind == JsonValueKind.String,
            TimeSpan.FromSeconds(420), () => $"the instance stayed {instance}\nconsole:\n{cloud.ConsoleText(guest!, 0)}\nagent log:\n{cloud.Agent.Output}");
        output.WriteLine($"available to first backup reported {watch.Elapsed.TotalSeconds:0.0} s");

        // A point in time by the server's clock, between the first rows and the next ones (whole seconds, as RDS takes RestoreTime).
        await Task.Delay(TimeSpan.FromSeconds(2));
        answer = await PsqlAsync(publicAddress, Password, "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')");
        Assert.True(answer.ExitCode == 0, answer.Output);
        var pointInTime = DateTime.Parse(answer.Output.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        await Task.Delay(TimeSpan.FromSeconds(2));
        answer = await PsqlAsync(publicAddress, Password, "INSERT INTO orders (id) SELECT generate_series(101, 200); SELECT count(*) FROM orders");
        Assert.True(answer.ExitCode == 0 && answer.Output.Trim() == "200", $"the next rows: {answer.Output}");

        // A manual snapshot: the guest's pgBackRest backs up through the management relay into the backup bucket (the
        // API's S3 on its own port), encrypted, and the snapshot turns available; the instance is available again.
        watch.Restart();
        await (await root.PostJsonAsync("/api/v1/rds/db-snapshots", new { db_snapshot_identifier = "first", db_instance_identifier = "orders" })).AssertOkAsync();
        JsonElement snapshot = default;
        await Eventually.TrueAsync(async () =>
        {
            snapshot = await (await root.GetAsync("/api/v1/rds/db-snapshots/first")).AssertOkAsync();
            return snapshot.GetProperty("status").GetString() != "creating";
        }, TimeSpan.FromSeconds(300), $"the snapshot stayed creating: {instance}\nagent log:\n{cloud.Agent.Output}\nconsole:\n{cloud.ConsoleText(guest!, 0)}");
        instance = await (await root.GetAsync("/api/v1/rds/db-instances/orders")).AssertOkAsync();
        Assert.True(snapshot.GetProperty("status").GetString() == "available", $"snapshot {snapshot}\ninstance {instance}\nagent log:\n{cloud.Agent.Output}");
        output.WriteLine($"snapshot to available {watch.Elapsed.TotalSeconds:0.0} s");
        var snapshotSets = await (await root.GetAsync($"/api/v1/s3/platform-rds-backups?prefix={resourceId}/snapshots/backup/{resourceId}/&delimiter=/")).AssertOkAsync();
        Assert.True(snapshotSets.GetProperty("common_prefixes").EnumerateArray().Count(p => p.GetString()!.EndsWith("F/", StringComparison.Ordinal)) == 1,
            $"the snapshot's one full set in its own repository: {snapshotSets}");
        var archived = await (await root.GetAsync($"/api/v1/s3/platform-rds-backups?prefix={resourceId}/archive/{resourceId}/")).AssertOkAsync();
        Assert.True(archived.GetProperty("objects").GetArrayLength() > 1, $"archived WAL in the bucket: {archived}");
        // The restorable window reaches past the point (the WAL holding the next rows archived within the archive timeout).
        await Eventually.TrueAsync(async () =>
            (instance = await (await root.GetAsync("/api/v1/rds/db-instances/orders")).AssertOkAsync()).TryGetProperty("latest_restorable_time", out var latest)
            && latest.ValueKind == JsonValueKind.String && latest.GetDateTime().ToUniversalTime() > pointInTime.AddSeconds(2),
            TimeSpan.FromSeconds(180), () => $"the restorable window did not pass {pointInTime:O}: {instance}", TimeSpan.FromSeconds(2));
        output.WriteLine($"backup set {sets[0]}; restorable {instance.GetProperty("earliest_restorable_time")} .. {instance.GetProperty("latest_restorable_time")}");

        // Restored to the point in time as a new instance: a second guest fills its empty volume from orders' repository
        // (with a credential that can only read it, through the management relay), replays the archived WAL up to the point,
        // promotes, takes its own settings and backs up into its own prefix; only then is it available.
        watch.Restart();
        var pitrId = (await (await root.PostJsonAsync("/api/v1/rds/db-instances/orders/restore-to-point-in-time", new
        {
            target_db_instance_identifier = "orders-pitr", restore_time = pointInTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            publicly_accessible = true, vpc_security_group_ids = new[] { group },
        })).AssertOkAsync()).GetProperty("dbi_resource_id").GetString()!;
        string? restoredGuest = null;
        await Eventually.TrueAsync(async () => (restoredGuest = (await cloud.OwnedDomainsAsync()).Keys.SingleOrDefault(k => k != guest)) is not null, TimeSpan.FromSeconds(90),
            $"no guest was defined for the restored instance; agent log:\n{cloud.Agent.Output}");
        cloud.Remember(restoredGuest!);
        JsonElement restored = default;
        await Eventually.TrueAsync(async () =>
        {
            restored = await (await root.GetAsync("/api/v1/rds/db-instances/orders-pitr")).AssertOkAsync();
            return restored.GetProperty("db_instance_status").GetString() is "available" or "failed";
        }, TimeSpan.FromSeconds(300), $"the restored instance did not turn available: {restored}\nconsole:\n{cloud.ConsoleText(restoredGuest!, 0)}\nagent log:\n{cloud.Agent.Output}");
        Assert.True(restored.GetProperty("db_instance_status").GetString() == "available", $"{restored}\nconsole:\n{cloud.ConsoleText(restoredGuest!, 0)}");
        output.WriteLine($"point-in-time restore to available {watch.Elapsed.TotalSeconds:0.0} s");
        var restoredConsole = cloud.ConsoleText(restoredGuest!, 0);
        Assert.Contains($"PLATFORM-DB-RESTORED {resourceId}", restoredConsole, StringComparison.Ordinal);
        Assert.DoesNotContain("PLATFORM-DB-INITDB", restoredConsole[restoredConsole.IndexOf("PLATFORM-DB-RESTORED", StringComparison.Ordinal)..], StringComparison.Ordinal);
        var ownBackups = await (await root.GetAsync($"/api/v1/s3/platform-rds-backups?prefix={pitrId}/backup/{pitrId}/&delimiter=/")).AssertOkAsync();
        Assert.True(ownBackups.GetProperty("common_prefixes").EnumerateArray().Any(p => p.GetString()!.EndsWith("F/", StringComparison.Ordinal)),
            $"the restored instance's first full backup in its own prefix: {ownBackups}");
        // The source's repository was only read: still its one set.
        Assert.Single((await (await root.GetAsync($"/api/v1/s3/platform-rds-backups?prefix={resourceId}/backup/{resourceId}/&delimiter=/")).AssertOkAsync())
            .GetProperty("common_prefixes").EnumerateArray(), p => p.GetString()!.EndsWith("F/", StringComparison.Ordinal));
        // Exactly the rows written before the point, read through the restored instance's own public address; the source has all.
        var restoredAddress = restored.GetProperty("endpoint").GetProperty("public_address").GetString()!;
        await Eventually.TrueAsync(async () => (answer = await PsqlAsync(restoredAddress, Password, "SELECT count(*), min(id), max(id) FROM orders", connectTimeoutSeconds: 5)).ExitCode == 0,
            TimeSpan.FromSeconds(90), () => $"psql never reached the restored instance: {answer.Output}", TimeSpan.FromSeconds(1));
        Assert.Equal("100|1|100", answer.Output.Trim());
        Assert.Equal("200", (await PsqlAsync(publicAddress, Password, "SELECT count(*) FROM orders")).Output.Trim());
        await (await root.DeleteAsync("/api/v1/rds/db-instances/orders-pitr?skip_final_snapshot=true")).AssertOkAsync();

        // The snapshot deleted: its set leaves its repository in the bucket (pgBackRest's layout, as the guest wrote it).
        Assert.Equal("deleting", (await (await root.DeleteAsync("/api/v1/rds/db-snapshots/first")).AssertOkAsync()).GetProperty("status").GetString());
        await Eventually.TrueAsync(async () => (await root.GetAsync("/api/v1/rds/db-snapshots/first")).StatusCode == System.Net.HttpStatusCode.NotFound,
            TimeSpan.FromSeconds(120), "the deleted snapshot stayed");
        snapshotSets = await (await root.GetAsync($"/api/v1/s3/platform-rds-backups?prefix={resourceId}/snapshots/backup/{resourceId}/")).AssertOkAsync();
        Assert.True(!snapshotSets.GetProperty("objects").EnumerateArray().Any(o => o.GetProperty("key").GetString()!.Contains("F/", StringComparison.Ordinal)
            || o.GetProperty("key").GetString()!.Contains("/backup.history/", StringComparison.Ordinal)), $"the deleted snapshot's set stayed: {snapshotSets}");

        await (await root.DeleteAsync("/api/v1/rds/db-instances/orders?skip_final_snapshot=true")).AssertOkAsync();
        await Eventually.TrueAsync(async () => (await cloud.OwnedDomainsAsync()).Count == 0 && PoolVolumes(cloud).Count == 0, TimeSpan.FromSeconds(120),
            $"the guest or its data volume stayed after the delete; agent log:\n{cloud.Agent.Output}");
    }

    /// <summary>
    /// The cloud both facts use: the API (the automated backup job looking every 10 s) and a HostAgent, the database image
    /// registered, a tenant VPC with a subnet group in two zones, an internet gateway, a security group letting the outside's
    /// gateway in on 5432, and the platform CA downloaded to ca.pem.
    /// </summary>
    private async Task<(RealCloud Cloud, string Group)> StartCloudAsync()
    {
        var cloud = await RealCloud.StartAsync(
            apiSettings: new Dictionary<string, string>
            {
                ["Platform__AvailabilityZones__0"] = "us-east-1a",
                ["Platform__AvailabilityZones__1"] = "us-east-1b",
                // The automated backup job looks every 10 s (every 5 minutes by default), so the instance's first backup, which
                // RDS takes as soon as an instance is up whatever its window, comes soon after it is available (every minute, the
                // test waited 30 s on average for the job's next look: it asks once per instance and day, however often it runs).
                ["Rds__BackupCron"] = "*/10 * * * * *",
                ["Network__PublicAddresses__Cidr"] = PoolPrefix + "0/24",
                ["Network__PublicAddresses__Gateway"] = Gateway,
            },
            agentSettings: new Dictionary<string, string> { ["Agent__Bridge"] = Bridge, ["Agent__Uplink__Interface"] = Uplink });
        try
        {
            var root = cloud.Root;
            output.WriteLine($"cloud up: {cloud.StartTimeline}");
            var image = TestImage.Build(TestImage.DatabaseImageDirectory, "db-image");
            await root.RegisterKernelImageAsync("platform-db-image", await File.ReadAllBytesAsync(image.Kernel), await File.ReadAllBytesAsync(image.Initrd),
                isPublic: false, commandLine: "console=ttyS0 quiet no_timer_check cryptomgr.notests");
            var network = await TenantNetwork.CreateAsync(root, "10.61");
            await (await root.PostJsonAsync("/api/v1/rds/db-subnet-groups", new
            {
                db_subnet_group_name = "orders-net", db_subnet_group_description = "two zones", subnet_ids = new[] { network.SubnetA, network.SubnetB },
            })).AssertOkAsync();
            // The VPC reaches the internet through its gateway; the instances' group lets the outside (the pool's gateway) in on 5432 only.
            var igw = (await (await root.PostJsonAsync("/api/v1/vpc/internet-gateways", new { })).AssertOkAsync()).GetProperty("internet_gateway_id").GetString()!;
            await (await root.PostJsonAsync($"/api/v1/vpc/internet-gateways/{igw}/attach", new { vpc_id = network.VpcId })).AssertOkAsync();
            var main = (await (await root.GetAsync($"/api/v1/vpc/route-tables?vpc_id={network.VpcId}")).AssertOkAsync()).GetProperty("route_tables")[0]
                .GetProperty("route_table_id").GetString()!;
            await (await root.PostJsonAsync($"/api/v1/vpc/route-tables/{main}/routes", new { destination_cidr_block = "0.0.0.0/0", gateway_id = igw })).AssertOkAsync();
            var group = (await (await root.PostJsonAsync("/api/v1/vpc/security-groups", new { group_name = "db", description = "psql from outside", vpc_id = network.VpcId }))
                .AssertOkAsync()).GetProperty("group_id").GetString()!;
            await (await root.PostJsonAsync($"/api/v1/vpc/security-groups/{group}/ingress-rules", new
            {
                rules = new[] { new { ip_protocol = "tcp", from_port = 5432, to_port = 5432, cidr_ip = Gateway + "/32" } },
            })).AssertOkAsync();
            await File.WriteAllTextAsync(Path.Combine(_work, "ca.pem"),
                await (await root.GetAsync("/api/v1/rds/certificates/platform-rds-ca-2026/bundle.pem")).Content.ReadAsStringAsync());

            return (cloud, group);
        }
        catch
        {
            await cloud.DisposeAsync();
            throw;
        }
    }

    /// <summary>Debian's psql from the outside namespace as the master user, the password in its environment, the server's certificate verified against the CA.</summary>
    private Task<(int ExitCode, string Output)> PsqlAsync(string address, string password, string sql, int connectTimeoutSeconds = 20) =>
        Shell.RunAsync("ip", "netns", "exec", Outside, "env", $"PGPASSWORD={password}", $"PGCONNECT_TIMEOUT={connectTimeoutSeconds}", "psql", "-X", "-A", "-t", "-q",
            $"host={address} port=5432 dbname=postgres user=app sslmode=verify-ca sslrootcert={Path.Combine(_work, "ca.pem")}", "-c", sql);

    /// <summary>The block volumes in the agent's pool (the data volume is the only one here).</summary>
    private static List<string> PoolVolumes(RealCloud cloud)
    {
        using var pool = cloud.Libvirt.FindStoragePool(cloud.PoolName);
        if (pool is null)
        {
            return [];
        }

        pool.Refresh();
        return pool.ListVolumeNames().Where(n => n.StartsWith("vol-", StringComparison.Ordinal)).ToList();
    }
}
