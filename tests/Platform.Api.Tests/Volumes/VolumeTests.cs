using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using Platform.Api.Tests.Compute;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Volumes;

/// <summary>
/// EBS volumes through the API with real agents on simulated servers (libvirt's test driver, which keeps pools and
/// volumes but has no hot-plug and no volume streams: there an attachment changes the domain's persistent definition).
/// </summary>
public sealed class VolumeTests : IAsyncLifetime, IDisposable
{
    private const string Volumes = "/api/v1/ec2/volumes";

    private readonly PlatformApp _app = new(settings: new Dictionary<string, string?>
    {
        ["Platform:AvailabilityZones:0"] = "us-east-1a",
        ["Platform:AvailabilityZones:1"] = "us-east-1b",
    });

    private HttpClient _root = null!;
    private SimulatedFleet _fleet = null!;
    private string _imageId = null!;

    public async Task InitializeAsync()
    {
        _root = _app.SignedClient(_app.RootCredentials);
        _fleet = new SimulatedFleet(_app, _root);
        _imageId = await _root.RegisterKernelImageAsync("volume-image", [1, 2, 3], [4, 5, 6], isPublic: true);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _app.DisposeAsync();
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Given_bad_inputs_Then_each_gets_its_AWS_code_and_nothing_changes()
    {
        async Task Refused(Task<HttpResponseMessage> call, string code) => await (await call).AssertErrorAsync(HttpStatusCode.BadRequest, code);

        await Refused(_root.PostJsonAsync(Volumes, new { size = 1 }), "MissingParameter");
        await Refused(_root.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a" }), "MissingParameter");
        await Refused(_root.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", size = 0 }), "InvalidParameterValue");
        await Refused(_root.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", size = 16385 }), "InvalidParameterValue");
        await Refused(_root.PostJsonAsync(Volumes, new { availability_zone = "mars-1a", size = 1 }), "InvalidParameterValue");
        await Refused(_root.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", size = 1, volume_type = "warp" }), "InvalidParameterValue");
        await Refused(_root.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", snapshot_id = "snap-x" }), "InvalidSnapshotID.Malformed");
        await Refused(_root.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", snapshot_id = "snap-0123456789abcdef0" }), "InvalidSnapshot.NotFound");
        await Refused(_root.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", size = 1, client_token = new string('t', 65) }), "InvalidParameterValue");
        await Refused(_root.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", size = 1, speed = "fast" }), "UnknownParameter");
        await Refused(_root.GetAsync($"{Volumes}/vol-0123456789abcdef0"), "InvalidVolume.NotFound");
        await Refused(_root.GetAsync($"{Volumes}/disk-1"), "InvalidVolumeID.Malformed");
        await Refused(_root.GetAsync("/api/v1/ec2/snapshots/snap-0123456789abcdef0"), "InvalidSnapshot.NotFound");
        Assert.Empty(await VolumeIdsAsync(_root));

        var volume = await (await _root.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", size = 2, client_token = "once" })).AssertOkAsync();
        var id = volume.GetProperty("volume_id").GetString()!;
        Assert.Matches("^vol-[0-9a-f]{17}$", id);
        Assert.Equal(("available", 2, "gp3"), (volume.GetProperty("state").GetString(), volume.GetProperty("size").GetInt32(), volume.GetProperty("volume_type").GetString()));
        // The same token: the same volume; with other parameters: a mismatch.
        var again = await (await _root.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", size = 2, client_token = "once" })).AssertOkAsync();
        Assert.Equal(id, again.GetProperty("volume_id").GetString());
        await Refused(_root.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", size = 3, client_token = "once" }), "IdempotentParameterMismatch");

        await Refused(_root.PostJsonAsync($"{Volumes}/{id}/attach", new { device = "/dev/sdf" }), "MissingParameter");
        await Refused(_root.PostJsonAsync($"{Volumes}/{id}/attach", new { instance_id = "i-0123456789abcdef0", device = "/dev/sda1" }), "InvalidParameterValue");
        await Refused(_root.PostJsonAsync($"{Volumes}/{id}/attach", new { instance_id = "server-1", device = "/dev/sdf" }), "InvalidInstanceID.Malformed");
        await Refused(_root.PostJsonAsync($"{Volumes}/{id}/attach", new { instance_id = "i-0123456789abcdef0", device = "/dev/sdf" }), "InvalidInstanceID.NotFound");
        await Refused(_root.PostAsync($"{Volumes}/{id}/detach", null), "IncorrectState");
        await Refused(_root.PostJsonAsync("/api/v1/ec2/snapshots", new { volume_id = "vol-0123456789abcdef0" }), "InvalidVolume.NotFound");
        await Refused(_root.PostJsonAsync("/api/v1/ec2/snapshots", new { }), "MissingParameter");

        var unchanged = await (await _root.GetAsync($"{Volumes}/{id}")).AssertOkAsync();
        Assert.Equal("available", unchanged.GetProperty("state").GetString());
        Assert.Empty(unchanged.GetProperty("attachments").EnumerateArray());
        Assert.Equal([id], await VolumeIdsAsync(_root));
        Assert.Empty((await (await _root.GetAsync("/api/v1/ec2/snapshots")).AssertOkAsync()).GetProperty("snapshots").EnumerateArray());

        // Never attached, so nowhere to remove it from: deleted at once.
        Assert.Equal(HttpStatusCode.NoContent, (await _root.DeleteAsync($"{Volumes}/{id}")).StatusCode);
        await Refused(_root.GetAsync($"{Volumes}/{id}"), "InvalidVolume.NotFound");
        await Refused(_root.DeleteAsync($"{Volumes}/{id}"), "InvalidVolume.NotFound");
        Assert.Empty(await VolumeIdsAsync(_root));
    }

    [Fact]
    public async Task Given_two_accounts_Then_neither_sees_nor_touches_the_others_volumes_snapshots_or_instances()
    {
        var host = await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        var tenant = await _app.SignedClient(_app.RootCredentials).CreateAccountAsync("volume-tenant");
        using var other = _app.SignedClient(tenant);
        var instance = (await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = _imageId })).GetProperty("instance_id").GetString()!;
        var volume = await CreateAsync(_root, "us-east-1a", 1);
        var snapshot = (await (await _root.PostJsonAsync("/api/v1/ec2/snapshots", new { volume_id = volume })).AssertOkAsync()).GetProperty("snapshot_id").GetString()!;

        Assert.Empty(await VolumeIdsAsync(other));
        Assert.Empty((await (await other.GetAsync("/api/v1/ec2/snapshots")).AssertOkAsync()).GetProperty("snapshots").EnumerateArray());
        await (await other.GetAsync($"{Volumes}/{volume}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVolume.NotFound");
        await (await other.DeleteAsync($"{Volumes}/{volume}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVolume.NotFound");
        await (await other.PostJsonAsync($"{Volumes}/{volume}/attach", new { instance_id = instance, device = "/dev/sdf" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVolume.NotFound");
        await (await other.PostJsonAsync("/api/v1/ec2/snapshots", new { volume_id = volume })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVolume.NotFound");
        await (await other.GetAsync($"/api/v1/ec2/snapshots/{snapshot}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSnapshot.NotFound");
        await (await other.DeleteAsync($"/api/v1/ec2/snapshots/{snapshot}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSnapshot.NotFound");
        await (await other.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", snapshot_id = snapshot }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSnapshot.NotFound");
        // Its own volume onto the first account's instance: no such instance, for it.
        var own = await CreateAsync(other, "us-east-1a", 1);
        await _root.WaitForStateAsync(instance, "running");
        var refused = await (await other.PostJsonAsync($"{Volumes}/{own}/attach", new { instance_id = instance, device = "/dev/sdf" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidInstanceID.NotFound");
        Assert.DoesNotContain(_app.RootCredentials.AccountId, refused.GetProperty("message").GetString(), StringComparison.Ordinal);

        Assert.Equal([volume], await VolumeIdsAsync(_root));
        Assert.Equal("available", await VolumeStateAsync(volume));
        Assert.Empty(host.VolumeNames());
    }

    [Fact]
    public async Task Given_a_volume_When_attached_detached_and_deleted_Then_it_goes_through_EBS_states_and_the_server_holds_its_bytes_meanwhile()
    {
        var host = await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        var otherZone = await _fleet.AddHostAsync("us-east-1b", cpus: 4, memoryMiB: 4096);
        var instance = (await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = _imageId, availability_zone = "us-east-1a" })).GetProperty("instance_id").GetString()!;
        var elsewhere = (await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = _imageId, availability_zone = "us-east-1b" })).GetProperty("instance_id").GetString()!;
        var volume = await CreateAsync(_root, "us-east-1a", 1);
        await _root.WaitForStateAsync(instance, "running");
        await _root.WaitForStateAsync(elsewhere, "running");

        await (await _root.PostJsonAsync($"{Volumes}/{volume}/attach", new { instance_id = elsewhere, device = "/dev/sdf" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVolume.ZoneMismatch");
        var attach = await (await _root.PostJsonAsync($"{Volumes}/{volume}/attach", new { instance_id = instance, device = "/dev/sdf" })).AssertOkAsync();
        Assert.Equal(("attaching", instance, "/dev/sdf"),
            (attach.GetProperty("state").GetString(), attach.GetProperty("instance_id").GetString(), attach.GetProperty("device").GetString()));
        await WaitForAttachmentAsync(volume, "attached");
        var described = await (await _root.GetAsync($"{Volumes}/{volume}")).AssertOkAsync();
        Assert.Equal("in-use", described.GetProperty("state").GetString());
        var attachment = described.GetProperty("attachments")[0];
        Assert.Equal((instance, "/dev/sdf", "attached"), (attachment.GetProperty("instance_id").GetString(),
            attachment.GetProperty("device").GetString(), attachment.GetProperty("state").GetString()));

        // On the server: one pool volume named by the id, plugged into the instance with the Nitro-style serial.
        Assert.Equal([volume], host.VolumeNames());
        Assert.Empty(otherZone.VolumeNames());
        var disk = Assert.Single(host.VolumeDisks(instance));
        Assert.Equal(("vdf", volume.Replace("-", "", StringComparison.Ordinal)), disk);

        var second = await CreateAsync(_root, "us-east-1a", 1);
        await (await _root.PostJsonAsync($"{Volumes}/{second}/attach", new { instance_id = instance, device = "/dev/sdf" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await _root.PostJsonAsync($"{Volumes}/{volume}/attach", new { instance_id = instance, device = "/dev/sdg" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "VolumeInUse");
        await (await _root.DeleteAsync($"{Volumes}/{volume}")).AssertErrorAsync(HttpStatusCode.BadRequest, "VolumeInUse");
        await (await _root.PostJsonAsync($"{Volumes}/{volume}/detach", new { instance_id = elsewhere }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidAttachment.NotFound");

        // The volume's bytes are on this server now: an instance on another server of the zone cannot have it.
        var neighbour = await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        var onNeighbour = await LaunchOnAsync(neighbour.HostId!, "us-east-1a");

        var detach = await (await _root.PostJsonAsync($"{Volumes}/{volume}/detach", new { instance_id = instance })).AssertOkAsync();
        Assert.Equal("detaching", detach.GetProperty("state").GetString());
        await Eventually.TrueAsync(async () => await VolumeStateAsync(volume) == "available", TimeSpan.FromSeconds(90), "the volume never became available");
        Assert.Empty(host.VolumeDisks(instance));
        Assert.Equal([volume], host.VolumeNames());
        if (onNeighbour is not null)
        {
            var refused = await (await _root.PostJsonAsync($"{Volumes}/{volume}/attach", new { instance_id = onNeighbour, device = "/dev/sdf" }))
                .AssertErrorAsync(HttpStatusCode.BadRequest, "UnsupportedOperation");
            Assert.Contains("server", refused.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await _root.DeleteAsync($"{Volumes}/{volume}")).StatusCode);
        Assert.Equal("deleting", await VolumeStateAsync(volume));
        await Eventually.TrueAsync(async () => (await _root.GetAsync($"{Volumes}/{volume}")).StatusCode == HttpStatusCode.BadRequest,
            TimeSpan.FromSeconds(90), "the volume was never deleted");
        Assert.Empty(host.VolumeNames());
        Assert.Equal([second], await VolumeIdsAsync(_root));
    }

    [Fact]
    public async Task Given_an_agent_that_dies_mid_attach_after_creating_the_pool_volume_Then_after_its_restart_there_is_exactly_one_pool_volume_plugged_in_once()
    {
        var host = await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        var instance = (await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = _imageId })).GetProperty("instance_id").GetString()!;
        await _root.WaitForStateAsync(instance, "running");
        var volume = await CreateAsync(_root, "us-east-1a", 1);

        await host.StopAgentAsync();
        await (await _root.PostJsonAsync($"{Volumes}/{volume}/attach", new { instance_id = instance, device = "/dev/sdh" })).AssertOkAsync();
        // Where the crash left it: the pool volume made, not plugged in yet.
        host.CreatePoolVolume(volume);
        Assert.Equal("attaching", await AttachmentStateAsync(volume));
        host.Start();

        await WaitForAttachmentAsync(volume, "attached");
        Assert.Equal([volume], host.VolumeNames());
        Assert.Equal(("vdh", volume.Replace("-", "", StringComparison.Ordinal)), Assert.Single(host.VolumeDisks(instance)));

        // Restarting again changes nothing: the agent finds the volume and the disk by name and path.
        await host.StopAgentAsync();
        host.Start();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal([volume], host.VolumeNames());
        Assert.Single(host.VolumeDisks(instance));

        // The instance ends: the volume is available again, still on its server.
        await (await _root.PostAsync($"/api/v1/ec2/instances/{instance}/terminate", null)).AssertOkAsync();
        await _root.WaitForStateAsync(instance, "terminated");
        await Eventually.TrueAsync(async () => await VolumeStateAsync(volume) == "available", TimeSpan.FromSeconds(90),
            "the volume of a terminated instance never became available");
        Assert.Equal([volume], host.VolumeNames());
    }

    [Fact]
    public async Task Given_a_volume_never_attached_When_snapshotted_Then_the_snapshot_completes_at_once_and_a_volume_made_from_it_has_its_size()
    {
        var volume = await CreateAsync(_root, "us-east-1b", 3);
        var snapshot = await (await _root.PostJsonAsync("/api/v1/ec2/snapshots", new { volume_id = volume, description = "empty" })).AssertOkAsync();
        var snapshotId = snapshot.GetProperty("snapshot_id").GetString()!;
        Assert.Matches("^snap-[0-9a-f]{17}$", snapshotId);
        Assert.Equal(("completed", 3, volume, "100%"), (snapshot.GetProperty("state").GetString(), snapshot.GetProperty("volume_size").GetInt32(),
            snapshot.GetProperty("volume_id").GetString(), snapshot.GetProperty("progress").GetString()));

        await (await _root.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", snapshot_id = snapshotId, size = 4 }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        var restored = await (await _root.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", snapshot_id = snapshotId })).AssertOkAsync();
        Assert.Equal((3, snapshotId), (restored.GetProperty("size").GetInt32(), restored.GetProperty("snapshot_id").GetString()));

        // A volume still waiting to restore from it keeps the snapshot.
        await (await _root.DeleteAsync($"/api/v1/ec2/snapshots/{snapshotId}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSnapshot.InUse");
        Assert.Equal(HttpStatusCode.NoContent, (await _root.DeleteAsync($"{Volumes}/{restored.GetProperty("volume_id").GetString()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _root.DeleteAsync($"/api/v1/ec2/snapshots/{snapshotId}")).StatusCode);
        await (await _root.GetAsync($"/api/v1/ec2/snapshots/{snapshotId}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSnapshot.NotFound");
    }

    [Fact]
    public async Task Given_a_user_allowed_only_to_describe_volumes_Then_creating_deleting_and_snapshotting_are_denied_and_change_nothing()
    {
        using var iam = _app.SignedClient(_app.RootCredentials);
        var reader = await iam.CreateUserWithKeyAsync("volume-reader", _app.RootCredentials.AccountId);
        await iam.AttachAsync("volume-reader", await iam.CreatePolicyAsync("VolumesReadOnly",
            IamSetup.Document(new { Effect = "Allow", Action = new[] { "ec2:DescribeVolumes", "ec2:DescribeSnapshots" }, Resource = "*" })));
        using var client = _app.SignedClient(reader);
        var volume = await CreateAsync(_root, "us-east-1a", 1);

        await Eventually.TrueAsync(async () => (await client.GetAsync(Volumes)).IsSuccessStatusCode, TimeSpan.FromSeconds(90), "the policy never applied");
        Assert.Equal([volume], await VolumeIdsAsync(client));
        await (await client.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", size = 1 })).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        await (await client.DeleteAsync($"{Volumes}/{volume}")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        await (await client.PostJsonAsync("/api/v1/ec2/snapshots", new { volume_id = volume })).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        Assert.Equal([volume], await VolumeIdsAsync(_root));
        Assert.Empty((await (await _root.GetAsync("/api/v1/ec2/snapshots")).AssertOkAsync()).GetProperty("snapshots").EnumerateArray());
    }

    private async Task<string?> LaunchOnAsync(string hostId, string zone)
    {
        // The scheduler picks the server; launch until one lands on the wanted one (the others stay, harmlessly).
        for (var i = 0; i < 4; i++)
        {
            var launched = await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = _imageId, availability_zone = zone });
            if (launched.GetProperty("instance").GetProperty("host_id").GetString() == hostId)
            {
                var id = launched.GetProperty("instance_id").GetString()!;
                await _root.WaitForStateAsync(id, "running");
                return id;
            }
        }

        return null;
    }

    private static async Task<string> CreateAsync(HttpClient client, string zone, int size) =>
        (await (await client.PostJsonAsync(Volumes, new { availability_zone = zone, size })).AssertOkAsync()).GetProperty("volume_id").GetString()!;

    private static async Task<IReadOnlyList<string>> VolumeIdsAsync(HttpClient client) =>
        (await (await client.GetAsync(Volumes)).AssertOkAsync()).GetProperty("volumes").EnumerateArray()
            .Select(v => v.GetProperty("volume_id").GetString()!).ToList();

    private async Task<string> VolumeStateAsync(string volumeId) =>
        (await (await _root.GetAsync($"{Volumes}/{volumeId}")).AssertOkAsync()).GetProperty("state").GetString()!;

    private async Task<string?> AttachmentStateAsync(string volumeId)
    {
        var attachments = (await (await _root.GetAsync($"{Volumes}/{volumeId}")).AssertOkAsync()).GetProperty("attachments");
        return attachments.GetArrayLength() == 0 ? null : attachments[0].GetProperty("state").GetString();
    }

    private async Task WaitForAttachmentAsync(string volumeId, string state) =>
        await Eventually.TrueAsync(async () => await AttachmentStateAsync(volumeId) == state, TimeSpan.FromSeconds(90),
            $"the attachment of {volumeId} never became {state}");
}

/// <summary>A simulated server's block volumes, as libvirt holds them.</summary>
public static class SimulatedVolumes
{
    public const string Pool = "platform";

    public static IReadOnlyList<string> VolumeNames(this SimulatedHost host)
    {
        using var pool = host.Libvirt.FindStoragePool(Pool);
        if (pool is null)
        {
            return [];
        }

        pool.Refresh();
        return pool.ListVolumeNames().Where(n => n.StartsWith("vol-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
    }

    public static void CreatePoolVolume(this SimulatedHost host, string volumeId)
    {
        using var pool = host.Libvirt.FindStoragePool(Pool) ?? throw new InvalidOperationException("The agent has not made its pool yet.");
        pool.CreateVolume($"<volume><name>{volumeId}</name><capacity unit='bytes'>1073741824</capacity><target><format type='qcow2'/></target></volume>").Dispose();
    }

    /// <summary>The instance's disks from the pool (target device, serial), from its persistent definition.</summary>
    public static IReadOnlyList<(string Target, string? Serial)> VolumeDisks(this SimulatedHost host, string instanceId)
    {
        using var domain = host.Libvirt.FindDomain(instanceId) ?? throw new InvalidOperationException($"No domain {instanceId}.");
        return XDocument.Parse(domain.GetInactiveXml()).Root!.Element("devices")!.Elements("disk")
            .Where(d => d.Element("source")?.Attribute("file")?.Value.Contains("/vol-", StringComparison.Ordinal) == true)
            .Select(d => (d.Element("target")!.Attribute("dev")!.Value, d.Element("serial")?.Value)).ToList();
    }
}
