using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Platform.HostAgent.Images;
using Platform.HostAgent.Libvirt;
using Platform.HostAgent.Protocol;
using Platform.HostAgent.Reconciliation;
using Platform.HostAgent.Volumes;
using Platform.Tests.Common;

namespace Platform.HostAgent.Tests;

/// <summary>
/// A snapshot of a volume while the real test guest (qemu:///system) keeps writing to it. The guest writes a counter
/// to the volume's first and then its last 16 bytes, each write flushed, over and over; so at any one instant the first
/// holds the last's value or one more. A copy of the volume's file made while the guest writes reads the first bytes
/// long before the last ones and finds the last ahead of the first; the snapshot, taken at one instant (an overlay put
/// on top, the volume streamed, the overlay committed back), never does. The volume restored from it holds exactly
/// that instant; the guest goes on writing to its volume, which keeps what it wrote meanwhile, and no overlay is left.
/// </summary>
public sealed partial class LiveSnapshotTests : IDisposable
{
    private const long VolumeSize = 128L * 1024 * 1024;
    private const byte Filler = 0x5a;
    private readonly string _work = Directory.CreateTempSubdirectory("platform-live-snap-").FullName;
    private readonly string _poolName = $"platform-snap-{Guid.NewGuid():N}"[..24];
    private readonly string _instance = $"i-{RandomNumberGenerator.GetHexString(17, lowercase: true)}";
    private readonly LibvirtConnection _libvirt = LibvirtConnection.Open("qemu:///system");

    private string Pool => Path.Combine(_work, "pool");

    private string Console => File.Exists(Path.Combine(_work, $"{_instance}.log")) ? File.ReadAllText(Path.Combine(_work, $"{_instance}.log")) : "";

    [Fact]
    public async Task Given_a_guest_writing_to_its_volume_When_the_volume_is_snapshotted_Then_the_restored_volume_holds_one_instant_and_the_guest_keeps_writing_to_its_volume()
    {
        var volume = $"vol-{RandomNumberGenerator.GetHexString(17, lowercase: true)}";
        var restored = $"vol-{RandomNumberGenerator.GetHexString(17, lowercase: true)}";
        var snapshot = $"snap-{RandomNumberGenerator.GetHexString(17, lowercase: true)}";
        var imageId = $"ami-{RandomNumberGenerator.GetHexString(17, lowercase: true)}";
        var image = TestImage.Build(TestImage.TestImageDirectory);
        Directory.CreateDirectory(Path.Combine(_work, "images", imageId));
        File.Copy(image.Kernel, Path.Combine(_work, "images", imageId, ImageParts.Kernel));
        File.Copy(image.Initrd, Path.Combine(_work, "images", imageId, ImageParts.Initrd));
        using var images = new PoolGuestImages(_libvirt, _poolName, Pool, Path.Combine(_work, "state"), new DirectoryImageSource(Path.Combine(_work, "images")));
        var guestImage = new GuestImage(imageId, ImageFormat.Kernel, PartDigests.Of(Path.Combine(_work, "images", imageId)));
        await images.EnsureAsync(guestImage, CancellationToken.None);
        using var instances = new HostReconciler(_libvirt, new ReconcilerOptions { Owner = $"host-{Guid.NewGuid():N}", DomainType = "qemu", ConsoleDirectory = _work }, images, new ManualClock());
        var snapshots = new FileSnapshots(Path.Combine(_work, "snapshots"));
        var volumes = new VolumeReconciler(_libvirt, new VolumeReconcilerOptions { Pool = _poolName, PoolPath = Pool, StateDirectory = Path.Combine(_work, "state") },
            snapshots);
        var guest = new DesiredInstance(_instance, 1, 128, DesiredPower.Stopped, guestImage, $"console=ttyS0 quiet no_timer_check cryptomgr.notests platform.marker={_instance}",
            UserData: Convert.ToBase64String(Encoding.ASCII.GetBytes(Writer(BlockVolumes.Serial(volume)))));
        var attached = new DesiredVolume(volume, VolumeSize, Attachment: new DesiredAttachment(_instance, "vdf", BlockVolumes.Serial(volume)));

        // The volume, made while the guest is defined and stopped, filled with a pattern (on the host, while no one uses it).
        Assert.Empty(instances.Apply(new HostDesiredState("host-1", 1, [guest])).Faults);
        Assert.Empty(await volumes.ApplyAsync([attached], CancellationToken.None));
        Run("qemu-io", "-f", "qcow2", "-c", $"write -P 0x{Filler:x2} 0 {VolumeSize}", VolumePath(volume));
        Assert.Empty(instances.Apply(new HostDesiredState("host-1", 2, [guest with { Power = DesiredPower.Running }])).Faults);
        await WaitForAsync(() => Written() >= 20, TimeSpan.FromMinutes(3), "the guest never wrote 20 times");

        var before = Written();
        Assert.Empty(await volumes.ApplyAsync([attached with { PendingSnapshots = [snapshot] }], CancellationToken.None));
        var after = Written();

        // The guest is back on its volume, in the running guest and in its definition, and no overlay is left.
        using (var domain = _libvirt.FindDomain(_instance)!)
        {
            Assert.Equal(VolumePath(volume), SourceOf(domain.GetXml(), "vdf"));
            Assert.Equal(VolumePath(volume), SourceOf(domain.GetInactiveXml(), "vdf"));
            Assert.Null(domain.GetBlockJob("vdf"));
        }

        Assert.DoesNotContain(Directory.GetFiles(Pool), f => f.Contains(".overlay-", StringComparison.Ordinal));
        await WaitForAsync(() => Written() > after + 5, TimeSpan.FromMinutes(1), "the guest stopped writing after the snapshot");

        // The volume restored from the snapshot holds one instant: the last slot the value of the first or one less,
        // between what the guest had written before the snapshot and after it; every other byte the pattern.
        Assert.Empty(await volumes.ApplyAsync(
        [
            attached,
            new DesiredVolume(restored, VolumeSize, RestoreFromSnapshotId: snapshot, Attachment: new DesiredAttachment(_instance, "vdg", BlockVolumes.Serial(restored))),
        ], CancellationToken.None));
        var (first, last, rest) = Read(VolumePath(restored));
        Assert.True(first == last || first == last + 1, $"not one instant: the first slot holds {first}, the last {last}");
        Assert.InRange(last, before, after + 1);
        Assert.True(rest, "the restored volume's other bytes are not the pattern");

        // An agent that died with a snapshot's overlay on (put on here through the same binding): the next agent merges it
        // back before anything else, and the guest, which went on writing to the overlay, is back on its volume.
        var leftOver = $"{VolumePath(volume)}.overlay-snap-{RandomNumberGenerator.GetHexString(17, lowercase: true)}";
        using (var domain = _libvirt.FindDomain(_instance)!)
        {
            domain.CreateDiskOnlySnapshot($"""
                <domainsnapshot><name>left</name><disks>
                <disk name='vdf' snapshot='external' type='file'><driver type='qcow2'/><source file='{leftOver}'/></disk>
                <disk name='vda' snapshot='no'/><disk name='vdg' snapshot='no'/>
                </disks></domainsnapshot>
                """);
            Assert.Equal(leftOver, SourceOf(domain.GetXml(), "vdf"));
        }

        var onOverlay = Written();
        await WaitForAsync(() => Written() > onOverlay + 5, TimeSpan.FromMinutes(1), "the guest did not write to the overlay");
        var restarted = new VolumeReconciler(_libvirt, new VolumeReconcilerOptions { Pool = _poolName, PoolPath = Pool, StateDirectory = Path.Combine(_work, "state") },
            snapshots);
        Assert.Empty(await restarted.ApplyAsync([attached, new DesiredVolume(restored, VolumeSize, Attachment: new DesiredAttachment(_instance, "vdg",
            BlockVolumes.Serial(restored)))], CancellationToken.None));
        using (var domain = _libvirt.FindDomain(_instance)!)
        {
            Assert.Equal(VolumePath(volume), SourceOf(domain.GetXml(), "vdf"));
            Assert.Equal(VolumePath(volume), SourceOf(domain.GetInactiveXml(), "vdf"));
        }

        Assert.False(File.Exists(leftOver));
        Assert.Equal(2, restarted.Observe().Count(v => v.AttachedInstanceId == _instance));

        // Stopped, the guest's own volume holds what it wrote on the overlays and after the merges.
        var written = Written();
        using (var domain = _libvirt.FindDomain(_instance)!)
        {
            domain.Destroy();
        }

        var (finalFirst, _, finalRest) = Read(VolumePath(volume));
        Assert.True(finalFirst >= written && finalFirst > first, $"the volume holds {finalFirst}; the guest had written {written}, the snapshot {first}");
        Assert.True(finalRest);
    }

    /// <summary>The guest's user data: find the volume by its serial, then write the counter to its first and last 16 bytes, each flushed.</summary>
    private static string Writer(string serial) => $$"""
        dev=""
        while [ -z "$dev" ]; do
          for d in /sys/block/vd*; do [ "$(cat $d/serial 2>/dev/null)" = "{{serial}}" ] && dev=/dev/${d##*/}; done
          sleep 0.2
        done
        last=$(( $(cat /sys/block/${dev#/dev/}/size) * 512 / 16 - 1 ))
        i=0
        while :; do
          i=$((i+1))
          n=$(printf '%016d' $i)
          printf "$n" | dd of=$dev bs=16 count=1 seek=0 conv=notrunc,fsync 2>/dev/null
          printf "$n" | dd of=$dev bs=16 count=1 seek=$last conv=notrunc,fsync 2>/dev/null
          echo "PLATFORM-WRITER $i" >/dev/console
        done

        """.Replace("\r", "", StringComparison.Ordinal);

    /// <summary>The highest count the guest reported written (both slots).</summary>
    private int Written() => WriterLine().Matches(Console).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();

    /// <summary>A volume's two counter slots and whether every other byte is the pattern, read from a raw copy of it.</summary>
    private (long First, long Last, bool Pattern) Read(string qcow2)
    {
        var raw = Path.Combine(_work, $"{Path.GetFileName(qcow2)}.raw");
        Run("qemu-img", "convert", "-U", "-f", "qcow2", "-O", "raw", qcow2, raw);
        var bytes = File.ReadAllBytes(raw);
        File.Delete(raw);
        Assert.Equal(VolumeSize, bytes.LongLength);
        var first = long.Parse(Encoding.ASCII.GetString(bytes, 0, 16), CultureInfo.InvariantCulture);
        var last = long.Parse(Encoding.ASCII.GetString(bytes, bytes.Length - 16, 16), CultureInfo.InvariantCulture);
        var rest = bytes.AsSpan(16, bytes.Length - 32).IndexOfAnyExcept(Filler) < 0;
        return (first, last, rest);
    }

    private string VolumePath(string volumeId) => Path.Combine(Pool, volumeId);

    private static string? SourceOf(string domainXml, string target) =>
        XDocument.Parse(domainXml).Root!.Element("devices")!.Elements("disk")
            .Where(d => d.Element("target")?.Attribute("dev")?.Value == target).Select(d => d.Element("source")?.Attribute("file")?.Value).SingleOrDefault();

    private async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what}; console:\n{Console}");
            await Task.Delay(200);
        }
    }

    private static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed: {output}");
    }

    [GeneratedRegex("PLATFORM-WRITER ([0-9]+)")]
    private static partial Regex WriterLine();

    public void Dispose()
    {
        LibvirtCleanup.RemoveDomain(_libvirt, _instance);
        LibvirtCleanup.RemovePool(_libvirt, _poolName);
        _libvirt.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    /// <summary>The API's side of the transfer, as files: a snapshot of 128 MiB is not held in memory.</summary>
    private sealed class FileSnapshots(string directory) : ISnapshotTransfer
    {
        public async Task UploadSnapshotAsync(string snapshotId, Stream content, long length, CancellationToken cancellationToken)
        {
            Directory.CreateDirectory(directory);
            await using var file = File.Create(Path.Combine(directory, snapshotId));
            await content.CopyToAsync(file, cancellationToken);
            Assert.Equal(length, file.Length);
        }

        public Task<(Stream Content, long Length)> DownloadSnapshotAsync(string snapshotId, CancellationToken cancellationToken)
        {
            var file = File.OpenRead(Path.Combine(directory, snapshotId));
            return Task.FromResult<(Stream, long)>((file, file.Length));
        }
    }
}
