using System.Net;
using System.Text.Json;
using Platform.Api.Tests.Compute;
using Platform.Api.Tests.Ec2Query;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Volumes;

/// <summary>
/// EBS's elastic volumes (ModifyVolume, size only) through the native API with real agents on simulated servers: the
/// rules and errors, another account's view, the modification's states while the volume's server is away and after it
/// grew the pool volume (libvirt's test driver cannot resize: its agent makes the byte-less volume again at the new size).
/// </summary>
public sealed class VolumeModificationTests : IAsyncLifetime, IDisposable
{
    private const string Volumes = "/api/v1/ec2/volumes";
    private const string Modifications = "/api/v1/ec2/volume-modifications";

    private readonly PlatformApp _app = new(settings: new Dictionary<string, string?>
    {
        ["Platform:AvailabilityZones:0"] = "us-east-1a",
        ["Storage:VolumeStorageQuotaGiB"] = "40",
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
    public async Task Given_bad_modifications_Then_each_gets_its_AWS_code_and_the_volume_keeps_its_size()
    {
        var volume = await CreateAsync(_root, 10);
        async Task Refused(object body, string code, string? id = null) =>
            await (await _root.PostJsonAsync($"{Volumes}/{id ?? volume}/modify", body)).AssertErrorAsync(HttpStatusCode.BadRequest, code);

        await Refused(new { size = 5 }, "InvalidParameterValue");
        await Refused(new { size = 10 }, "InvalidParameterValue");
        await Refused(new { }, "MissingParameter");
        await Refused(new { size = 16385 }, "InvalidParameterValue");
        await Refused(new { size = 0 }, "InvalidParameterValue");
        await Refused(new { size = 12, volume_type = "io2" }, "InvalidParameterValue");
        await Refused(new { size = 12, volume_type = "warp" }, "InvalidParameterValue");
        await Refused(new { size = 12, iops = 3000 }, "UnknownParameter");
        await Refused(new { size = 12 }, "InvalidVolume.NotFound", "vol-0123456789abcdef0");
        await Refused(new { size = 12 }, "InvalidVolumeID.Malformed", "disk-1");
        // The account's EBS storage quota (40 GiB here): 10 GiB in use, growing to 41 would make it 41.
        var quota = await (await _root.PostJsonAsync($"{Volumes}/{volume}/modify", new { size = 41 })).AssertErrorAsync(HttpStatusCode.BadRequest, "VolumeLimitExceeded");
        Assert.Contains("40 GiB", quota.GetProperty("message").GetString(), StringComparison.Ordinal);
        await (await _root.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", size = 31 })).AssertErrorAsync(HttpStatusCode.BadRequest, "VolumeLimitExceeded");

        Assert.Equal(10, await SizeAsync(volume));
        Assert.Empty(await ModificationsAsync(_root));
        await (await _root.GetAsync($"{Modifications}?volume_id=vol-0123456789abcdef0")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVolume.NotFound");

        // Up to the quota exactly is allowed.
        var grown = await (await _root.PostJsonAsync($"{Volumes}/{volume}/modify", new { size = 40, volume_type = "gp3" })).AssertOkAsync();
        Assert.Equal(("completed", 10, 40, 100), (grown.GetProperty("modification_state").GetString(), grown.GetProperty("original_size").GetInt32(),
            grown.GetProperty("target_size").GetInt32(), grown.GetProperty("progress").GetInt32()));
    }

    [Fact]
    public async Task Given_a_volume_never_attached_When_grown_Then_the_modification_completes_at_once_and_its_first_attachment_makes_it_at_the_new_size()
    {
        var host = await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        var imageId = await _root.RegisterKernelImageAsync("grow-image", [1, 2, 3], [4, 5, 6]);
        var volume = await CreateAsync(_root, 1);
        var modification = await (await _root.PostJsonAsync($"{Volumes}/{volume}/modify", new { size = 3 })).AssertOkAsync();
        Assert.Equal(("completed", 100), (modification.GetProperty("modification_state").GetString(), modification.GetProperty("progress").GetInt32()));
        Assert.Equal(3, await SizeAsync(volume));
        var listed = Assert.Single(await ModificationsAsync(_root));
        Assert.Equal((volume, 1, 3, "gp3", "gp3"), (listed.GetProperty("volume_id").GetString(), listed.GetProperty("original_size").GetInt32(),
            listed.GetProperty("target_size").GetInt32(), listed.GetProperty("original_volume_type").GetString(), listed.GetProperty("target_volume_type").GetString()));
        Assert.True(listed.TryGetProperty("end_time", out var ended) && ended.ValueKind == JsonValueKind.String);

        var instance = (await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = imageId })).GetProperty("instance_id").GetString()!;
        await _root.WaitForStateAsync(instance, "running");
        await (await _root.PostJsonAsync($"{Volumes}/{volume}/attach", new { instance_id = instance, device = "/dev/sdf" })).AssertOkAsync();
        await Eventually.TrueAsync(() => Task.FromResult(host.VolumeNames().Contains(volume)), TimeSpan.FromSeconds(90), "the volume was never made on its server");
        Assert.Equal(3L << 30, host.VolumeCapacity(volume));
    }

    [Fact]
    public async Task Given_an_attached_volume_When_grown_Then_it_is_modifying_until_its_server_grew_it_one_modification_at_a_time_and_another_account_sees_none()
    {
        var host = await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        var imageId = await _root.RegisterKernelImageAsync("grow-image", [1, 2, 3], [4, 5, 6]);
        var instance = (await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = imageId })).GetProperty("instance_id").GetString()!;
        await _root.WaitForStateAsync(instance, "running");
        var volume = await CreateAsync(_root, 2);
        await (await _root.PostJsonAsync($"{Volumes}/{volume}/attach", new { instance_id = instance, device = "/dev/sdf" })).AssertOkAsync();
        await Eventually.TrueAsync(async () => await AttachmentStateAsync(volume) == "attached", TimeSpan.FromSeconds(90), "the volume was never attached");
        Assert.Equal(2L << 30, host.VolumeCapacity(volume));

        // The server is away: the modification waits for it.
        await host.StopAgentAsync();
        var modification = await (await _root.PostJsonAsync($"{Volumes}/{volume}/modify", new { size = 5 })).AssertOkAsync();
        Assert.Equal(("modifying", 2, 5, 0), (modification.GetProperty("modification_state").GetString(), modification.GetProperty("original_size").GetInt32(),
            modification.GetProperty("target_size").GetInt32(), modification.GetProperty("progress").GetInt32()));
        Assert.Equal(5, await SizeAsync(volume));
        await (await _root.PostJsonAsync($"{Volumes}/{volume}/modify", new { size = 6 })).AssertErrorAsync(HttpStatusCode.BadRequest, "IncorrectModificationState");
        var pending = Assert.Single(await ModificationsAsync(_root));
        Assert.Equal(("modifying", 5), (pending.GetProperty("modification_state").GetString(), pending.GetProperty("target_size").GetInt32()));
        Assert.Equal(2L << 30, host.VolumeCapacity(volume));

        // Another account neither sees nor changes it, nor learns of it.
        var tenant = await _app.SignedClient(_app.RootCredentials).CreateAccountAsync("grow-tenant");
        using var other = _app.SignedClient(tenant);
        Assert.Empty(await ModificationsAsync(other));
        await (await other.PostJsonAsync($"{Volumes}/{volume}/modify", new { size = 8 })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVolume.NotFound");
        await (await other.GetAsync($"{Modifications}?volume_id={volume}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVolume.NotFound");

        host.Start();
        await Eventually.TrueAsync(async () => (await ModificationsAsync(_root))[0].GetProperty("modification_state").GetString() == "completed",
            TimeSpan.FromSeconds(90), "the modification never completed");
        Assert.Equal(5L << 30, host.VolumeCapacity(volume));
        var done = Assert.Single(await ModificationsAsync(_root));
        Assert.Equal(100, done.GetProperty("progress").GetInt32());
        Assert.Equal("attached", await AttachmentStateAsync(volume));
        Assert.Equal(("vdf", volume.Replace("-", "", StringComparison.Ordinal)), Assert.Single(host.VolumeDisks(instance)));

        // Done: the next one may start.
        var next = await (await _root.PostJsonAsync($"{Volumes}/{volume}/modify", new { size = 6 })).AssertOkAsync();
        Assert.Equal(5, next.GetProperty("original_size").GetInt32());
        await Eventually.TrueAsync(() => Task.FromResult(host.VolumeCapacity(volume) == 6L << 30), TimeSpan.FromSeconds(90), "the volume never grew to 6 GiB");
    }

    [Fact]
    public async Task Given_a_user_allowed_only_to_describe_Then_modifying_is_denied_and_changes_nothing()
    {
        using var iam = _app.SignedClient(_app.RootCredentials);
        var reader = await iam.CreateUserWithKeyAsync("grow-reader", _app.RootCredentials.AccountId);
        await iam.AttachAsync("grow-reader", await iam.CreatePolicyAsync("VolumesReadOnly",
            IamSetup.Document(new { Effect = "Allow", Action = new[] { "ec2:DescribeVolumes", "ec2:DescribeVolumesModifications" }, Resource = "*" })));
        using var client = _app.SignedClient(reader);
        var volume = await CreateAsync(_root, 1);
        await Eventually.TrueAsync(async () => (await client.GetAsync(Modifications)).IsSuccessStatusCode, TimeSpan.FromSeconds(90), "the policy never applied");
        await (await client.PostJsonAsync($"{Volumes}/{volume}/modify", new { size = 2 })).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        Assert.Equal(1, await SizeAsync(volume));
        Assert.Empty(await ModificationsAsync(_root));
    }

    private static async Task<string> CreateAsync(HttpClient client, int size) =>
        (await (await client.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", size })).AssertOkAsync()).GetProperty("volume_id").GetString()!;

    private async Task<int> SizeAsync(string volumeId) =>
        (await (await _root.GetAsync($"{Volumes}/{volumeId}")).AssertOkAsync()).GetProperty("size").GetInt32();

    private static async Task<IReadOnlyList<JsonElement>> ModificationsAsync(HttpClient client) =>
        [.. (await (await client.GetAsync(Modifications)).AssertOkAsync()).GetProperty("volumes_modifications").EnumerateArray()];

    private async Task<string?> AttachmentStateAsync(string volumeId)
    {
        var attachments = (await (await _root.GetAsync($"{Volumes}/{volumeId}")).AssertOkAsync()).GetProperty("attachments");
        return attachments.GetArrayLength() == 0 ? null : attachments[0].GetProperty("state").GetString();
    }
}

/// <summary>
/// <c>aws ec2 modify-volume</c> and <c>describe-volumes-modifications</c> with Debian's awscli 2 against the API's own
/// process and a simulated server: the CLI's shapes (VolumeModification, OriginalSize/TargetSize, Progress) and AWS's errors.
/// </summary>
public sealed class VolumeModificationCliTests : IAsyncLifetime
{
    private Ec2Cloud _cloud = null!;

    public async Task InitializeAsync() => _cloud = await Ec2Cloud.StartAsync();

    public async Task DisposeAsync() => await _cloud.DisposeAsync();

    [Fact]
    public async Task Given_awscli_When_it_grows_an_attached_volume_Then_it_reads_the_modification_as_AWS_shapes_it_until_completed()
    {
        var root = _cloud.Api.RootCredentials();
        Task<JsonElement> Ec2(params string[] arguments) => _cloud.JsonAsync(AwsCli.Debian, root, ["ec2", .. arguments]);
        Task<string> Fails(string code, params string[] arguments) => _cloud.FailsAsync(AwsCli.Debian, root, code, "ModifyVolume", ["ec2", .. arguments]);

        var instanceId = (await _cloud.Native.LaunchAsync(new { instance_type = "t3.nano", image_id = _cloud.ImageId })).GetProperty("instance_id").GetString()!;
        await _cloud.Native.WaitForStateAsync(instanceId, "running");
        var volumeId = (await Ec2("create-volume", "--availability-zone", Ec2Cloud.Zone, "--size", "2")).GetProperty("VolumeId").GetString()!;
        await Ec2("attach-volume", "--volume-id", volumeId, "--instance-id", instanceId, "--device", "/dev/sdf");
        await Ec2("wait", "volume-in-use", "--volume-ids", volumeId);

        await Fails("InvalidParameterValue", "modify-volume", "--volume-id", volumeId, "--size", "1");
        await Fails("InvalidVolume.NotFound", "modify-volume", "--volume-id", "vol-0123456789abcdef0", "--size", "3");
        await Fails("InvalidParameterValue", "modify-volume", "--volume-id", volumeId, "--size", "3", "--iops", "4000");

        var modification = (await Ec2("modify-volume", "--volume-id", volumeId, "--size", "4")).GetProperty("VolumeModification");
        Assert.Equal((volumeId, 2, 4, "gp3"), (modification.GetProperty("VolumeId").GetString(), modification.GetProperty("OriginalSize").GetInt32(),
            modification.GetProperty("TargetSize").GetInt32(), modification.GetProperty("TargetVolumeType").GetString()));
        Assert.Contains(modification.GetProperty("ModificationState").GetString(), new[] { "modifying", "completed" });

        await Eventually.TrueAsync(async () =>
        {
            var described = await Ec2("describe-volumes-modifications", "--volume-ids", volumeId, "--filters", "Name=modification-state,Values=completed");
            return described.GetProperty("VolumesModifications").GetArrayLength() == 1;
        }, TimeSpan.FromSeconds(90), "the modification never completed");
        var done = Assert.Single((await Ec2("describe-volumes-modifications")).GetProperty("VolumesModifications").EnumerateArray());
        Assert.Equal((100, 4), (done.GetProperty("Progress").GetInt32(), done.GetProperty("TargetSize").GetInt32()));
        Assert.True(done.TryGetProperty("EndTime", out _));
        Assert.Equal(4, (await Ec2("describe-volumes", "--volume-ids", volumeId)).GetProperty("Volumes")[0].GetProperty("Size").GetInt32());
        Assert.Empty((await Ec2("describe-volumes-modifications", "--filters", "Name=modification-state,Values=modifying"))
            .GetProperty("VolumesModifications").EnumerateArray());
    }
}

/// <summary>A simulated server's pool volume, as libvirt holds it.</summary>
internal static class SimulatedVolumeCapacity
{
    public static long? VolumeCapacity(this SimulatedHost host, string volumeId)
    {
        using var pool = host.Libvirt.FindStoragePool(SimulatedVolumes.Pool);
        pool?.Refresh();
        using var volume = pool?.FindVolume(volumeId);
        return volume is null ? null : (long)volume.GetInfo().CapacityBytes;
    }
}
