using System.Net;
using System.Text;
using System.Xml.Linq;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.Compute;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Protocol;
using Platform.Modules.Storage.Contracts;

namespace Platform.Api.Tests.Volumes;

/// <summary>
/// Encrypted EBS volumes through the API, with real agents on simulated servers (libvirt's test driver keeps volume and
/// disk XML, so the LUKS encryption and its secret show there; it has no secrets, no streams: the real server's side is
/// in the real-guest tests): <c>encrypted</c>, the account's encryption by default, snapshots and restores that keep the
/// key, and the key only ever in clear in the desired state of the volume's own server.
/// </summary>
public sealed class VolumeEncryptionTests : IAsyncLifetime, IDisposable
{
    private const string Volumes = "/api/v1/ec2/volumes";
    private const string ByDefault = "/api/v1/ec2/ebs-encryption-by-default";

    private readonly PlatformApp _app = new(settings: new Dictionary<string, string?>
    {
        ["Platform:AvailabilityZones:0"] = "us-east-1a",
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
    public async Task Given_encryption_by_default_Then_the_accounts_new_volumes_are_encrypted_and_another_accounts_are_not()
    {
        var tenant = await _app.SignedClient(_app.RootCredentials).CreateAccountAsync("encryption-tenant");
        using var other = _app.SignedClient(tenant);
        Assert.False(await DefaultAsync(_root));
        Assert.False(await EncryptedAsync(await CreateAsync(_root, new { availability_zone = "us-east-1a", size = 1 })));
        Assert.True(await EncryptedAsync(await CreateAsync(_root, new { availability_zone = "us-east-1a", size = 1, encrypted = true })));

        var enabled = await (await _root.PostAsync($"{ByDefault}/enable", null)).AssertOkAsync();
        Assert.True(enabled.GetProperty("ebs_encryption_by_default").GetBoolean());
        Assert.True(await DefaultAsync(_root));
        Assert.True(await EncryptedAsync(await CreateAsync(_root, new { availability_zone = "us-east-1a", size = 1 })));
        // As on EC2: with encryption by default on, a new volume is encrypted whatever the call says.
        Assert.True(await EncryptedAsync(await CreateAsync(_root, new { availability_zone = "us-east-1a", size = 1, encrypted = false })));

        Assert.False(await DefaultAsync(other));
        Assert.False(await EncryptedAsync(await CreateAsync(other, new { availability_zone = "us-east-1a", size = 1 }), other));

        Assert.False((await (await _root.PostAsync($"{ByDefault}/disable", null)).AssertOkAsync()).GetProperty("ebs_encryption_by_default").GetBoolean());
        Assert.False(await DefaultAsync(_root));
        Assert.False(await EncryptedAsync(await CreateAsync(_root, new { availability_zone = "us-east-1a", size = 1 })));

        // Bad input changes nothing: a string where the boolean belongs.
        var before = await VolumeCountAsync(_root);
        await (await _root.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", size = 1, encrypted = "yes" })).AssertErrorAsync(HttpStatusCode.BadRequest, "SerializationException");
        Assert.Equal(before, await VolumeCountAsync(_root));
    }

    [Fact]
    public async Task Given_a_user_without_the_encryption_actions_Then_reading_and_changing_the_default_are_denied()
    {
        using var iam = _app.SignedClient(_app.RootCredentials);
        var reader = await iam.CreateUserWithKeyAsync("encryption-reader", _app.RootCredentials.AccountId);
        await iam.AttachAsync("encryption-reader", await iam.CreatePolicyAsync("ReadDefaultOnly",
            IamSetup.Document(new { Effect = "Allow", Action = new[] { "ec2:GetEbsEncryptionByDefault" }, Resource = "*" })));
        using var client = _app.SignedClient(reader);
        await Eventually.TrueAsync(async () => (await client.GetAsync(ByDefault)).IsSuccessStatusCode, TimeSpan.FromSeconds(90), "the policy never applied");
        await (await client.PostAsync($"{ByDefault}/enable", null)).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        Assert.False(await DefaultAsync(_root));
    }

    [Fact]
    public async Task Given_an_encrypted_volume_attached_on_a_server_Then_it_is_LUKS_under_its_secret_there_and_its_key_is_in_that_servers_desired_state_only()
    {
        var host = await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        var image = await _root.RegisterKernelImageAsync("encryption-image", [1, 2, 3], [4, 5, 6], isPublic: true);
        var instance = (await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = image })).GetProperty("instance_id").GetString()!;
        var encrypted = await CreateAsync(_root, new { availability_zone = "us-east-1a", size = 1, encrypted = true });
        var clear = await CreateAsync(_root, new { availability_zone = "us-east-1a", size = 1 });

        // A snapshot of the encrypted volume before its first attachment (so complete at once) and a volume from it.
        var snapshot = await (await _root.PostJsonAsync("/api/v1/ec2/snapshots", new { volume_id = encrypted })).AssertOkAsync();
        Assert.True(snapshot.GetProperty("encrypted").GetBoolean());
        var snapshotId = snapshot.GetProperty("snapshot_id").GetString()!;
        await (await _root.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", snapshot_id = snapshotId, encrypted = false }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");
        var restored = await CreateAsync(_root, new { availability_zone = "us-east-1a", snapshot_id = snapshotId });
        Assert.True(await EncryptedAsync(restored));
        var clearSnapshot = (await (await _root.PostJsonAsync("/api/v1/ec2/snapshots", new { volume_id = clear })).AssertOkAsync());
        Assert.False(clearSnapshot.GetProperty("encrypted").GetBoolean());
        await (await _root.PostJsonAsync(Volumes, new { availability_zone = "us-east-1a", snapshot_id = clearSnapshot.GetProperty("snapshot_id").GetString(), encrypted = true }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");

        await _root.WaitForStateAsync(instance, "running");
        foreach (var (volume, device) in new[] { (encrypted, "/dev/sdf"), (clear, "/dev/sdg"), (restored, "/dev/sdh") })
        {
            await (await _root.PostJsonAsync($"{Volumes}/{volume}/attach", new { instance_id = instance, device })).AssertOkAsync();
        }

        await Eventually.TrueAsync(() => Task.FromResult(host.VolumeNames().Count == 3), TimeSpan.FromSeconds(90), "the server never made the volumes");

        // On the server: the encrypted volumes are qcow2 with LUKS under the secret named by their id, and so are their disks.
        Assert.Equal(BlockVolumes.SecretUuid(encrypted), PoolVolumeSecret(host, encrypted));
        Assert.Equal(BlockVolumes.SecretUuid(restored), PoolVolumeSecret(host, restored));
        Assert.Null(PoolVolumeSecret(host, clear));
        await Eventually.TrueAsync(() => Task.FromResult(DiskSecrets(host, instance).Count == 3), TimeSpan.FromSeconds(90), "the disks were never plugged in");
        var disks = DiskSecrets(host, instance);
        Assert.Equal(BlockVolumes.SecretUuid(encrypted), disks["vdf"]);
        Assert.Null(disks["vdg"]);
        Assert.Equal(BlockVolumes.SecretUuid(restored), disks["vdh"]);

        // The desired state of the volumes' server carries each encrypted volume's key, the restored one the snapshot's.
        IReadOnlyList<HostVolume> bound;
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            bound = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new DescribeHostVolumes(host.HostId!));
        }

        var keys = bound.ToDictionary(v => v.VolumeId, v => v.EncryptionKey, StringComparer.Ordinal);
        Assert.Null(keys[clear]);
        var key = keys[encrypted]!;
        Assert.Equal(32, Convert.FromBase64String(key).Length);
        Assert.Equal(key, keys[restored]);
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            Assert.Empty(await scope.ServiceProvider.GetRequiredService<ISender>().Send(new DescribeHostVolumes("host-elsewhere")));
        }

        // The database holds it only sealed by the master key: neither the base64 nor the raw bytes are in the file.
        var database = await File.ReadAllBytesAsync(_app.DatabasePath);
        Assert.False(Contains(database, Encoding.ASCII.GetBytes(key)), "the key in clear (base64) in the database");
        Assert.False(Contains(database, Convert.FromBase64String(key)), "the key in clear (bytes) in the database");
    }

    private static Guid? PoolVolumeSecret(SimulatedHost host, string volumeId)
    {
        using var pool = host.Libvirt.FindStoragePool(SimulatedVolumes.Pool)!;
        using var volume = pool.FindVolume(volumeId)!;
        var encryption = XElement.Parse(volume.GetXml()).Element("target")?.Element("encryption");
        return encryption is null ? null : Assert.IsType<Guid>(SecretOf(encryption));
    }

    private static Dictionary<string, Guid?> DiskSecrets(SimulatedHost host, string instanceId)
    {
        using var domain = host.Libvirt.FindDomain(instanceId)!;
        return XDocument.Parse(domain.GetInactiveXml()).Root!.Element("devices")!.Elements("disk")
            .Where(d => d.Element("source")?.Attribute("file")?.Value.Contains("/vol-", StringComparison.Ordinal) == true)
            .ToDictionary(d => d.Element("target")!.Attribute("dev")!.Value,
                d => (d.Element("source")!.Element("encryption") ?? d.Element("encryption")) is { } encryption ? SecretOf(encryption) : null);
    }

    private static Guid? SecretOf(XElement encryption)
    {
        Assert.Equal("luks", encryption.Attribute("format")?.Value);
        return Guid.Parse(encryption.Element("secret")!.Attribute("uuid")!.Value);
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    private static async Task<bool> DefaultAsync(HttpClient client) =>
        (await (await client.GetAsync(ByDefault)).AssertOkAsync()).GetProperty("ebs_encryption_by_default").GetBoolean();

    private static async Task<string> CreateAsync(HttpClient client, object body) =>
        (await (await client.PostJsonAsync(Volumes, body)).AssertOkAsync()).GetProperty("volume_id").GetString()!;

    private async Task<bool> EncryptedAsync(string volumeId, HttpClient? client = null) =>
        (await (await (client ?? _root).GetAsync($"{Volumes}/{volumeId}")).AssertOkAsync()).GetProperty("encrypted").GetBoolean();

    private static async Task<int> VolumeCountAsync(HttpClient client) =>
        (await (await client.GetAsync(Volumes)).AssertOkAsync()).GetProperty("volumes").GetArrayLength();
}
