using System.Diagnostics;
using System.Security.Cryptography;
using System.Xml.Linq;
using Platform.HostAgent.Libvirt;
using Platform.HostAgent.Protocol;
using Platform.HostAgent.Volumes;

using Platform.Tests.Common;

namespace Platform.HostAgent.Tests;

/// <summary>
/// The agent's block volumes on libvirtd (qemu:///system) with a throwaway directory pool and a defined (not running)
/// domain: volumes made at first attachment, plugged into the persistent definition with their serial, bytes streamed
/// out for a snapshot (virStorageVolDownload) and into a new volume (virStorageVolUpload), a restarted agent that finds
/// everything again, deletion. The API side of the transfer is a dictionary here; the end-to-end test has the real one.
/// </summary>
public sealed class VolumeReconcilerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("platform-vol-pool-").FullName;
    private readonly string _state = Directory.CreateTempSubdirectory("platform-vol-state-").FullName;
    private readonly string _poolName = $"platform-voltest-{Guid.NewGuid():N}"[..30];
    private readonly string _instance = $"i-{RandomNumberGenerator.GetHexString(17, lowercase: true)}";
    private readonly LibvirtConnection _libvirt = LibvirtConnection.Open("qemu:///system");

    [Fact]
    public async Task Given_volumes_attached_snapshotted_restored_and_deleted_Then_the_pool_and_the_domain_follow_and_the_restored_bytes_are_the_snapshots()
    {
        _libvirt.DefineDomain($"""
            <domain type='qemu'><name>{_instance}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
            <os><type arch='x86_64'>hvm</type></os><features><acpi/><apic/></features><devices/></domain>
            """).Dispose();
        var snapshots = new MemorySnapshots();
        var a = $"vol-{RandomNumberGenerator.GetHexString(17, lowercase: true)}";
        var b = $"vol-{RandomNumberGenerator.GetHexString(17, lowercase: true)}";
        const long size = 64 * 1024 * 1024;

        var agent = NewReconciler(snapshots);
        Assert.Empty(await agent.ApplyAsync([new DesiredVolume(a, size, Attachment: new DesiredAttachment(_instance, "vdf", BlockVolumes.Serial(a)))], default));
        Assert.Equal([new VolumeReport(a, _instance, "vdf", size)], agent.Observe());
        Assert.Equal([("vdf", BlockVolumes.Serial(a))], Disks());
        Assert.Equal(20, BlockVolumes.Serial(a).Length);

        // Data written into the volume (as a guest would), then a snapshot of it.
        Run("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 1M 64k", Path.Combine(_directory, a));
        Assert.Empty(await agent.ApplyAsync([new DesiredVolume(a, size, Attachment: new DesiredAttachment(_instance, "vdf", BlockVolumes.Serial(a)),
            PendingSnapshots: ["snap-0123456789abcdef0"])], default));
        Assert.True(snapshots.Stored.ContainsKey("snap-0123456789abcdef0"));

        // A new volume from it, plugged in beside: the same bytes. A restarted agent (a new reconciler) does it.
        agent = NewReconciler(snapshots);
        DesiredVolume[] both =
        [
            new(a, size, Attachment: new DesiredAttachment(_instance, "vdf", BlockVolumes.Serial(a))),
            new(b, size, RestoreFromSnapshotId: "snap-0123456789abcdef0", Attachment: new DesiredAttachment(_instance, "vdg", BlockVolumes.Serial(b))),
        ];
        Assert.Empty(await agent.ApplyAsync(both, default));
        Assert.Contains("identical", Run("qemu-img", "compare", "-f", "qcow2", "-F", "qcow2", Path.Combine(_directory, a), Path.Combine(_directory, b)),
            StringComparison.Ordinal);
        Assert.Equal([("vdf", BlockVolumes.Serial(a)), ("vdg", BlockVolumes.Serial(b))], Disks());

        // Applying again, and again after a restart, changes nothing.
        Assert.Empty(await agent.ApplyAsync(both, default));
        agent = NewReconciler(snapshots);
        Assert.Empty(await agent.ApplyAsync(both, default));
        Assert.Equal(2, Disks().Count);
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), agent.Observe().Select(v => v.VolumeId));

        // Unplugged: still there, plugged nowhere. Then deleted.
        Assert.Empty(await agent.ApplyAsync([new DesiredVolume(a, size), new DesiredVolume(b, size, Present: false)], default));
        Assert.Equal([new VolumeReport(a, CapacityBytes: size)], agent.Observe());
        Assert.Empty(Disks());
        Assert.Empty(await agent.ApplyAsync([new DesiredVolume(a, size, Present: false)], default));
        Assert.Empty(agent.Observe());
    }

    [Fact]
    public async Task Given_a_volume_plugged_into_a_stopped_guest_When_its_desired_size_grows_Then_the_pool_volume_grows_keeping_its_bytes_and_never_shrinks()
    {
        _libvirt.DefineDomain($"""
            <domain type='qemu'><name>{_instance}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
            <os><type arch='x86_64'>hvm</type></os><features><acpi/><apic/></features><devices/></domain>
            """).Dispose();
        var volume = $"vol-{RandomNumberGenerator.GetHexString(17, lowercase: true)}";
        var attachment = new DesiredAttachment(_instance, "vdf", BlockVolumes.Serial(volume));
        const long size = 64 * 1024 * 1024, grown = 96 * 1024 * 1024;
        var agent = NewReconciler(new MemorySnapshots());
        Assert.Empty(await agent.ApplyAsync([new DesiredVolume(volume, size, Attachment: attachment)], default));
        Run("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 1M 64k", Path.Combine(_directory, volume));

        // virStorageVolResize: qemu-img grows the qcow2's virtual size; the guest (stopped here) sees it at its next start.
        Assert.Empty(await agent.ApplyAsync([new DesiredVolume(volume, grown, Attachment: attachment)], default));
        Assert.Equal([new VolumeReport(volume, _instance, "vdf", grown)], agent.Observe());
        Assert.Contains($"virtual size: 96 MiB ({grown} bytes)", Run("qemu-img", "info", "-U", Path.Combine(_directory, volume)), StringComparison.Ordinal);
        Assert.Contains("read 65536/65536", Run("qemu-io", "-f", "qcow2", "-c", "read -P 0x5a 1M 64k", Path.Combine(_directory, volume)), StringComparison.Ordinal);
        Assert.Equal([("vdf", BlockVolumes.Serial(volume))], Disks());

        // An older desired state (the size before) and a restarted agent leave it as it is: a volume never shrinks.
        agent = NewReconciler(new MemorySnapshots());
        Assert.Empty(await agent.ApplyAsync([new DesiredVolume(volume, size, Attachment: attachment)], default));
        Assert.Equal(grown, agent.Observe().Single().CapacityBytes);
        Assert.Empty(await agent.ApplyAsync([new DesiredVolume(volume, grown, Present: false)], default));
    }

    private VolumeReconciler NewReconciler(ISnapshotTransfer snapshots) =>
        new(_libvirt, new VolumeReconcilerOptions { Pool = _poolName, PoolPath = _directory, StateDirectory = _state }, snapshots);

    private List<(string Target, string? Serial)> Disks()
    {
        using var domain = _libvirt.FindDomain(_instance)!;
        return XDocument.Parse(domain.GetInactiveXml()).Root!.Element("devices")!.Elements("disk")
            .Select(d => (d.Element("target")!.Attribute("dev")!.Value, d.Element("serial")?.Value)).ToList();
    }

    private static string Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} failed: {output}");
        return output;
    }

    public void Dispose()
    {
        LibvirtCleanup.RemoveDomain(_libvirt, _instance);
        LibvirtCleanup.RemovePool(_libvirt, _poolName);
        _libvirt.Dispose();
        Directory.Delete(_directory, recursive: true);
        Directory.Delete(_state, recursive: true);
    }
}
