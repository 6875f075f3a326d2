using System.Diagnostics;
using System.Text;
using Platform.Api.Tests.Compute;
using Platform.Api.Tests.TestEngine;
using Xunit.Abstractions;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Block volumes with nothing simulated: the API process, a HostAgent process on qemu:///system and a real QEMU guest.
/// A volume attached to the running guest appears in it as a virtio disk with the volume's serial; data put on the
/// volume (on the host, with qemu-io, while detached) is snapshotted through the API into the object store's blobs; a
/// volume made from the snapshot, attached to the same guest, shows the guest that data, and equals the source on the
/// host (qemu-img compare); grown (ModifyVolume) while attached, the guest's disk shows the new size without a reboot.
/// Detach and delete remove the disk and the pool volume.
/// </summary>
public sealed class VolumeEndToEndTests(ITestOutputHelper output)
{
    /// <summary>qemu-io's pattern 0x5a: what the guest finds in the first sector.</summary>
    private const string Marker = "ZZZZZZZZZZZZZZZZ";

    /// <summary>
    /// User data for the test image: for every disk with a volume serial, once, print its name, its serial and whether
    /// its first sector holds the marker. Straight to the console: the test image pipes user data's output through sed,
    /// which holds a few lines back in its buffer.
    /// </summary>
    private static string DiskReporter() => Convert.ToBase64String(Encoding.ASCII.GetBytes($$"""
        seen=" "
        while :; do
          for d in /sys/block/vd*; do
            n=${d##*/}
            s=$(cat $d/serial 2>/dev/null)
            case "$s" in vol*) ;; *) continue ;; esac
            z=$(cat $d/size)
            case "$seen" in *" $n:$s:$z "*) continue ;; esac
            m=empty
            dd if=/dev/$n bs=512 count=1 2>/dev/null | grep -q {{Marker}} && m=marker
            echo "PLATFORM-VOLUME-DISK $n $s $m $z" >/dev/console
            seen="$seen$n:$s:$z "
          done
          sleep 1
        done

        """.Replace("\r", "", StringComparison.Ordinal)));

    [Fact]
    public async Task Given_a_real_guest_When_a_volume_is_attached_snapshotted_and_restored_Then_the_guest_sees_the_disk_and_the_restored_bytes()
    {
        await using var cloud = await RealCloud.StartAsync(networking: false);
        output.WriteLine($"cloud up: {cloud.StartTimeline}");
        var root = cloud.Root;
        var zone = (await root.HostsAsync())[0].GetProperty("availability_zone").GetString()!;
        var first = await CreateVolumeAsync(root, new { availability_zone = zone, size = 1 });
        var firstSerial = first.Replace("-", "", StringComparison.Ordinal);
        var instance = await cloud.LaunchAsync(new { instance_type = "t2.nano", image_id = cloud.ImageId, user_data = DiskReporter() });
        await root.WaitForStateAsync(instance, "running", TimeSpan.FromSeconds(180));
        await cloud.ConsoleShowsAsync(instance, $"PLATFORM-GUEST-READY {instance}", TimeSpan.FromSeconds(180));

        await (await root.PostJsonAsync($"/api/v1/ec2/volumes/{first}/attach", new { instance_id = instance, device = "/dev/sdf" })).AssertOkAsync();
        await WaitForAsync(root, first, v => v.GetProperty("attachments").GetArrayLength() == 1
            && v.GetProperty("attachments")[0].GetProperty("state").GetString() == "attached", "attached");
        // The guest sees a new virtio disk whose serial is the volume's id, as on EC2's Nitro instances: a new volume is empty.
        await cloud.ConsoleShowsAsync(instance, $" {firstSerial} empty", TimeSpan.FromSeconds(180));
        Assert.Equal([first], PoolVolumes(cloud));
        var firstDevice = System.Text.RegularExpressions.Regex.Match(cloud.ConsoleText(instance, 0), $"PLATFORM-VOLUME-DISK (vd[a-z]+) {firstSerial} ").Groups[1].Value;
        Assert.NotEmpty(firstDevice);

        var mark = cloud.ConsoleText(instance, 0).Length;
        await (await root.PostJsonAsync($"/api/v1/ec2/volumes/{first}/detach", new { })).AssertOkAsync();
        await WaitForAsync(root, first, v => v.GetProperty("state").GetString() == "available", "available");
        await cloud.ConsoleShowsAsync(instance, $"PLATFORM-GUEST-DISK-GONE {firstDevice}", TimeSpan.FromSeconds(180), from: mark);
        var firstPath = PoolPath(cloud, first);
        Run("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 4k", firstPath);

        var snapshot = (await (await root.PostJsonAsync("/api/v1/ec2/snapshots", new { volume_id = first, description = "e2e" })).AssertOkAsync())
            .GetProperty("snapshot_id").GetString()!;
        await Eventually.TrueAsync(async () => (await (await root.GetAsync($"/api/v1/ec2/snapshots/{snapshot}")).AssertOkAsync())
            .GetProperty("state").GetString() == "completed", TimeSpan.FromSeconds(120), $"the snapshot never completed; agent log:\n{cloud.Agent.Output}");

        var second = await CreateVolumeAsync(root, new { availability_zone = zone, snapshot_id = snapshot });
        var secondSerial = second.Replace("-", "", StringComparison.Ordinal);
        await (await root.PostJsonAsync($"/api/v1/ec2/volumes/{second}/attach", new { instance_id = instance, device = "/dev/sdg" })).AssertOkAsync();
        await WaitForAsync(root, second, v => v.GetProperty("state").GetString() == "in-use"
            && v.GetProperty("attachments")[0].GetProperty("state").GetString() == "attached", "attached");
        // The restored volume holds the snapshot's bytes: the guest finds the marker, and on the host it equals its source.
        await cloud.ConsoleShowsAsync(instance, $" {secondSerial} marker", TimeSpan.FromSeconds(180));
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), PoolVolumes(cloud));
        Assert.Contains("identical", Run("qemu-img", "compare", "-U", "-f", "qcow2", "-F", "qcow2", firstPath, PoolPath(cloud, second)),
            StringComparison.Ordinal);

        // Grown while the guest runs (ModifyVolume): QEMU grows it, and the guest's disk has 2 GiB (in 512-byte sectors) without a reboot.
        var modification = await (await root.PostJsonAsync($"/api/v1/ec2/volumes/{second}/modify", new { size = 2 })).AssertOkAsync();
        Assert.Equal((1, 2), (modification.GetProperty("original_size").GetInt32(), modification.GetProperty("target_size").GetInt32()));
        await Eventually.TrueAsync(async () => (await (await root.GetAsync($"/api/v1/ec2/volume-modifications?volume_id={second}")).AssertOkAsync())
            .GetProperty("volumes_modifications")[0].GetProperty("modification_state").GetString() == "completed", TimeSpan.FromSeconds(120),
            $"the modification never completed; agent log:\n{cloud.Agent.Output}");
        await cloud.ConsoleShowsAsync(instance, $" {secondSerial} marker {(2L << 30) / 512}", TimeSpan.FromSeconds(180));

        Assert.Equal(204, (int)(await root.DeleteAsync($"/api/v1/ec2/volumes/{first}")).StatusCode);
        await Eventually.TrueAsync(async () => (int)(await root.GetAsync($"/api/v1/ec2/volumes/{first}")).StatusCode == 400, TimeSpan.FromSeconds(120),
            "the volume was never deleted");
        Assert.Equal([second], PoolVolumes(cloud));

        // The instance ends: its volume is available again and can be deleted with its bytes.
        await (await root.PostAsync($"/api/v1/ec2/instances/{instance}/terminate", null)).AssertOkAsync();
        await root.WaitForStateAsync(instance, "terminated", TimeSpan.FromSeconds(180));
        await WaitForAsync(root, second, v => v.GetProperty("state").GetString() == "available", "available");
        Assert.Equal(204, (int)(await root.DeleteAsync($"/api/v1/ec2/volumes/{second}")).StatusCode);
        await Eventually.TrueAsync(() => Task.FromResult(PoolVolumes(cloud).Count == 0), TimeSpan.FromSeconds(120), "the pool volume stayed");
        Assert.Equal(204, (int)(await root.DeleteAsync($"/api/v1/ec2/snapshots/{snapshot}")).StatusCode);
    }

    private static async Task<string> CreateVolumeAsync(HttpClient root, object request) =>
        (await (await root.PostJsonAsync("/api/v1/ec2/volumes", request)).AssertOkAsync()).GetProperty("volume_id").GetString()!;

    private static async Task WaitForAsync(HttpClient root, string volumeId, Func<System.Text.Json.JsonElement, bool> condition, string what) =>
        await Eventually.TrueAsync(async () => condition(await (await root.GetAsync($"/api/v1/ec2/volumes/{volumeId}")).AssertOkAsync()),
            TimeSpan.FromSeconds(120), $"{volumeId} never became {what}");

    private static List<string> PoolVolumes(RealCloud cloud)
    {
        using var pool = cloud.Libvirt.FindStoragePool(cloud.PoolName)!;
        pool.Refresh();
        return pool.ListVolumeNames().Where(n => n.StartsWith("vol-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
    }

    private static string PoolPath(RealCloud cloud, string volumeId)
    {
        using var pool = cloud.Libvirt.FindStoragePool(cloud.PoolName)!;
        using var volume = pool.FindVolume(volumeId)!;
        return volume.Path;
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
