using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Platform.Api.Tests.Compute;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Protocol;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Security;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// An encrypted volume with nothing simulated: the API process, a HostAgent process on qemu:///system and a real QEMU
/// guest. The guest writes a marker to the encrypted volume and reads it back after a detach and an attach; on the
/// server the volume's file is a LUKS qcow2 without the marker, the key is in libvirt's memory only (a private,
/// ephemeral secret: no file under /etc/libvirt/secrets, none of the agent's or the pool's files hold it); a snapshot
/// taken while the guest runs (through an encrypted overlay) is ciphertext in the API's blob store, and a volume restored
/// from it shows the guest the marker.
/// </summary>
public sealed class EncryptedVolumeEndToEndTests
{
    /// <summary>
    /// User data: for every disk with a volume serial that appears, read its first sector; print <c>marker</c> when it
    /// holds the marker, else write the marker there and print <c>wrote</c>. A disk that goes and comes back is looked at again.
    /// </summary>
    private static string MarkerWriter(string marker) => Convert.ToBase64String(Encoding.ASCII.GetBytes($$"""
        seen=" "
        while :; do
          now=" "
          for d in /sys/block/vd*; do
            n=${d##*/}
            s=$(cat $d/serial 2>/dev/null)
            case "$s" in vol*) ;; *) continue ;; esac
            now="$now$n:$s "
            case "$seen" in *" $n:$s "*) continue ;; esac
            if dd if=/dev/$n bs=512 count=1 2>/dev/null | grep -q {{marker}}; then
              m=marker
            else
              printf '%s' {{marker}} | dd of=/dev/$n bs=512 count=1 conv=fsync 2>/dev/null; sync
              m=wrote
            fi
            echo "PLATFORM-VOLUME-DISK $n $s $m" >/dev/console
          done
          seen="$now"
          sleep 1
        done

        """.Replace("\r", "", StringComparison.Ordinal)));

    [Fact]
    public async Task Given_an_encrypted_volume_on_a_real_guest_Then_the_guest_reads_its_marker_back_and_the_server_holds_neither_marker_nor_key_in_clear()
    {
        var marker = $"PLATFORM-LUKS-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        await using var cloud = await RealCloud.StartAsync(networking: false);
        var root = cloud.Root;
        var zone = (await root.HostsAsync())[0].GetProperty("availability_zone").GetString()!;
        var volume = await CreateVolumeAsync(root, new { availability_zone = zone, size = 1, encrypted = true });
        var serial = BlockVolumes.Serial(volume);
        var instance = await cloud.LaunchAsync(new { instance_type = "t2.nano", image_id = cloud.ImageId, user_data = MarkerWriter(marker) });
        await root.WaitForStateAsync(instance, "running", TimeSpan.FromSeconds(180));
        await cloud.ConsoleShowsAsync(instance, $"PLATFORM-GUEST-READY {instance}", TimeSpan.FromSeconds(180));

        await AttachAsync(root, volume, instance, "/dev/sdf");
        await cloud.ConsoleShowsAsync(instance, $" {serial} wrote", TimeSpan.FromSeconds(180));
        var device = System.Text.RegularExpressions.Regex.Match(cloud.ConsoleText(instance, 0), $"PLATFORM-VOLUME-DISK (vd[a-z]+) {serial} ").Groups[1].Value;

        var mark = cloud.ConsoleText(instance, 0).Length;
        await (await root.PostJsonAsync($"/api/v1/ec2/volumes/{volume}/detach", new { })).AssertOkAsync();
        await WaitForAsync(root, volume, v => v.GetProperty("state").GetString() == "available", "available");
        await cloud.ConsoleShowsAsync(instance, $"PLATFORM-GUEST-DISK-GONE {device}", TimeSpan.FromSeconds(180), from: mark);

        // On the server: a LUKS qcow2 whose bytes do not hold the marker; the key nowhere on its disk.
        var path = PoolPath(cloud, volume);
        var info = Run("qemu-img", "info", "-U", path);
        Assert.Contains("encrypted: yes", info, StringComparison.Ordinal);
        Assert.False(FileContains(path, Encoding.ASCII.GetBytes(marker)), "the marker in clear in the volume's file");
        var key = VolumeKey(cloud, volume);
        AssertNowhere(cloud, key);
        using (var secret = cloud.Libvirt.FindSecret(BlockVolumes.SecretUuid(volume)))
        {
            Assert.NotNull(secret);
            Assert.Throws<Platform.HostAgent.Libvirt.LibvirtException>(secret.GetValue);
        }

        // Attached again: the guest reads the marker it wrote through the encryption.
        mark = cloud.ConsoleText(instance, 0).Length;
        await AttachAsync(root, volume, instance, "/dev/sdf");
        await cloud.ConsoleShowsAsync(instance, $" {serial} marker", TimeSpan.FromSeconds(180), from: mark);

        // A snapshot while the running guest uses it: the overlay meanwhile is encrypted as well, and the stored blob is ciphertext.
        var snapshot = await (await root.PostJsonAsync("/api/v1/ec2/snapshots", new { volume_id = volume })).AssertOkAsync();
        Assert.True(snapshot.GetProperty("encrypted").GetBoolean());
        var snapshotId = snapshot.GetProperty("snapshot_id").GetString()!;
        await Eventually.TrueAsync(async () => (await (await root.GetAsync($"/api/v1/ec2/snapshots/{snapshotId}")).AssertOkAsync())
            .GetProperty("state").GetString() == "completed", TimeSpan.FromSeconds(180), $"the snapshot never completed; agent log:\n{cloud.Agent.Output}");
        var size = (await (await root.GetAsync($"/api/v1/ec2/snapshots/{snapshotId}")).AssertOkAsync()).GetProperty("volume_size").GetInt32();
        Assert.Equal(1, size);
        var stored = Directory.EnumerateFiles(cloud.Api.DataDirectory, "*", SearchOption.AllDirectories)
            .Where(f => new FileInfo(f).Length > 1024 * 1024 && File.ReadAllBytes(f).AsSpan(0, 4).SequenceEqual(new byte[] { 0x51, 0x46, 0x49, 0xfb })).ToList();
        Assert.NotEmpty(stored);
        Assert.All(stored, blob => Assert.False(FileContains(blob, Encoding.ASCII.GetBytes(marker)), $"the marker in clear in the stored snapshot {blob}"));
        Assert.DoesNotContain(Directory.GetFiles(Path.GetDirectoryName(path)!), f => f.Contains(".overlay-", StringComparison.Ordinal));

        // Restored into a new volume (the snapshot's key): the guest finds the marker on it.
        var restored = await CreateVolumeAsync(root, new { availability_zone = zone, snapshot_id = snapshotId });
        mark = cloud.ConsoleText(instance, 0).Length;
        await AttachAsync(root, restored, instance, "/dev/sdg");
        await cloud.ConsoleShowsAsync(instance, $" {BlockVolumes.Serial(restored)} marker", TimeSpan.FromSeconds(180), from: mark);
        Assert.False(FileContains(PoolPath(cloud, restored), Encoding.ASCII.GetBytes(marker)), "the marker in clear in the restored volume's file");
        AssertNowhere(cloud, key);

        await (await root.PostAsync($"/api/v1/ec2/instances/{instance}/terminate", null)).AssertOkAsync();
        await root.WaitForStateAsync(instance, "terminated", TimeSpan.FromSeconds(180));
        foreach (var id in new[] { volume, restored })
        {
            await WaitForAsync(root, id, v => v.GetProperty("state").GetString() == "available", "available");
            Assert.Equal(204, (int)(await root.DeleteAsync($"/api/v1/ec2/volumes/{id}")).StatusCode);
        }

        // Deleted: the pool volumes and their secrets are gone.
        await Eventually.TrueAsync(() => Task.FromResult(PoolVolumes(cloud).Count == 0), TimeSpan.FromSeconds(120), "the pool volumes stayed");
        await Eventually.TrueAsync(() =>
        {
            using var first = cloud.Libvirt.FindSecret(BlockVolumes.SecretUuid(volume));
            using var second = cloud.Libvirt.FindSecret(BlockVolumes.SecretUuid(restored));
            return Task.FromResult(first is null && second is null);
        }, TimeSpan.FromSeconds(120), "the secrets stayed");
        Assert.Equal(204, (int)(await root.DeleteAsync($"/api/v1/ec2/snapshots/{snapshotId}")).StatusCode);
    }

    /// <summary>The volume's key as the API keeps it: sealed in its database, opened here with its master key (as the API does).</summary>
    private static string VolumeKey(RealCloud cloud, string volumeId)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(cloud.Api.DataDirectory, "platform.db")};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT wrapped_key FROM storage_volumes WHERE volume_id = $id";
        command.Parameters.AddWithValue("$id", volumeId);
        var wrapped = (string)command.ExecuteScalar()!;
        var protector = new AesGcmSecretProtector(Options.Create(new PlatformOptions { DataDirectory = cloud.Api.DataDirectory }));
        return protector.Unprotect(wrapped, $"ebs/volume/{volumeId}");
    }

    /// <summary>Neither the passphrase nor the key's bytes in any file of the agent's state, its pool, or libvirt's secrets directory.</summary>
    private static void AssertNowhere(RealCloud cloud, string key)
    {
        var needles = new[] { Encoding.ASCII.GetBytes(key), Convert.FromBase64String(key) };
        using var pool = cloud.Libvirt.FindStoragePool(cloud.PoolName)!;
        var poolPath = System.Xml.Linq.XElement.Parse(pool.GetXml()).Element("target")!.Element("path")!.Value;
        var places = new[] { cloud.AgentState, poolPath, "/etc/libvirt/secrets", "/run/libvirt/secrets" };
        foreach (var file in places.Where(Directory.Exists).SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories)))
        {
            Assert.False(needles.Any(n => FileContains(file, n)), $"the volume's key in clear in {file}");
        }
    }

    private static bool FileContains(string path, byte[] needle)
    {
        try
        {
            return File.ReadAllBytes(path).AsSpan().IndexOf(needle) >= 0;
        }
        catch (IOException)
        {
            // A file removed meanwhile (a console rotated, a spool file gone): it holds nothing now.
            return false;
        }
    }

    private static async Task AttachAsync(HttpClient root, string volumeId, string instanceId, string device)
    {
        await (await root.PostJsonAsync($"/api/v1/ec2/volumes/{volumeId}/attach", new { instance_id = instanceId, device })).AssertOkAsync();
        await WaitForAsync(root, volumeId, v => v.GetProperty("attachments").GetArrayLength() == 1
            && v.GetProperty("attachments")[0].GetProperty("state").GetString() == "attached", "attached");
    }

    private static async Task<string> CreateVolumeAsync(HttpClient root, object request) =>
        (await (await root.PostJsonAsync("/api/v1/ec2/volumes", request)).AssertOkAsync()).GetProperty("volume_id").GetString()!;

    private static async Task WaitForAsync(HttpClient root, string volumeId, Func<System.Text.Json.JsonElement, bool> condition, string what) =>
        await Eventually.TrueAsync(async () => condition(await (await root.GetAsync($"/api/v1/ec2/volumes/{volumeId}")).AssertOkAsync()),
            TimeSpan.FromSeconds(180), $"{volumeId} never became {what}");

    private static List<string> PoolVolumes(RealCloud cloud)
    {
        using var pool = cloud.Libvirt.FindStoragePool(cloud.PoolName)!;
        pool.Refresh();
        return pool.ListVolumeNames().Where(n => n.StartsWith("vol-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
    }

    private static string PoolPath(RealCloud cloud, string volumeId)
    {
        using var pool = cloud.Libvirt.FindStoragePool(cloud.PoolName)!;
        using var found = pool.FindVolume(volumeId)!;
        return found.Path;
    }

    private static string Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed: {output}");
        return output;
    }
}
