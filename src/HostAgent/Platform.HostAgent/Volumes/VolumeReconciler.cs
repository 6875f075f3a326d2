using System.Text.RegularExpressions;
using System.Xml.Linq;
using Platform.HostAgent.Libvirt;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Volumes;

/// <summary>Where snapshot bytes go to and come from: the API (<see cref="AgentApi.Snapshots"/>).</summary>
public interface ISnapshotTransfer
{
    Task UploadSnapshotAsync(string snapshotId, Stream content, long length, CancellationToken cancellationToken);

    Task<(Stream Content, long Length)> DownloadSnapshotAsync(string snapshotId, CancellationToken cancellationToken);
}

public sealed class VolumeReconcilerOptions
{
    /// <summary>The storage pool volumes live in (the agent's own, beside its images).</summary>
    public string Pool { get; init; } = "platform";

    /// <summary>The pool's directory, when the agent has to define the pool.</summary>
    public required string PoolPath { get; init; }

    /// <summary>Where restore markers and snapshot spool files go.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>
    /// libvirt's test driver: it has no device hot-plug and no volume streams, so attachments change the
    /// persistent definition only, and snapshots cannot be taken.
    /// </summary>
    public bool Simulated { get; init; }
}

/// <summary>
/// Converges the server's block volumes to the desired state, after the instances are converged. A volume is a qcow2
/// volume of the agent's pool named by its id (libvirt names are resource ids: a restarted agent finds it and makes
/// no second one), created at its first attachment, empty or restored from a snapshot (virStorageVolUpload);
/// plugged into its instance live and in the persistent definition, its serial <c>vol…</c> as EC2's Nitro shows it;
/// unplugged elsewhere; snapshots are streamed from it (virStorageVolDownload) to the API, from a disk-only overlay's
/// instant when a running guest uses it; grown to a larger desired size (live through QEMU when a running guest has it);
/// removed when deleted.
/// Every step looks before it acts, so applying the same state again changes nothing.
/// </summary>
public sealed partial class VolumeReconciler(LibvirtConnection libvirt, VolumeReconcilerOptions options, ISnapshotTransfer transfer)
{
    private readonly HashSet<string> _uploaded = new(StringComparer.Ordinal);
    private LibvirtStoragePool? _pool;

    /// <summary>A volume that could not be converged, and why (the others were still applied).</summary>
    public sealed record VolumeFault(string VolumeId, string Message);

    public async Task<IReadOnlyList<VolumeFault>> ApplyAsync(IReadOnlyList<DesiredVolume> desired, CancellationToken cancellationToken)
    {
        var faults = new List<VolumeFault>();
        if (!options.Simulated)
        {
            await MergeLeftOverlaysAsync(faults);
        }

        foreach (var volume in desired)
        {
            try
            {
                await ConvergeAsync(volume, cancellationToken);
            }
            catch (Exception e) when (e is LibvirtException or IOException or InvalidOperationException or InvalidDataException or HttpRequestException)
            {
                faults.Add(new VolumeFault(volume.VolumeId, e.Message));
            }
        }

        return faults;
    }

    /// <summary>
    /// The libvirt secrets of the encrypted volumes bound here, defined where missing (they are ephemeral: gone after a
    /// libvirtd restart). Called before the instances are converged, since starting a guest whose definition has an
    /// encrypted disk needs its secret. Simulated servers (libvirt's test driver) have no secrets.
    /// </summary>
    public IReadOnlyList<VolumeFault> EnsureSecrets(IReadOnlyList<DesiredVolume> desired)
    {
        var faults = new List<VolumeFault>();
        if (options.Simulated)
        {
            return faults;
        }

        foreach (var volume in desired.Where(v => v.Present && v.EncryptionKey is not null))
        {
            try
            {
                EnsureSecret(volume);
            }
            catch (Exception e) when (e is LibvirtException or IOException or FormatException)
            {
                faults.Add(new VolumeFault(volume.VolumeId, $"defining the secret of its encryption: {e.Message}"));
            }
        }

        return faults;
    }

    /// <summary>The volumes in the pool and the instance each is plugged into, without changing anything.</summary>
    public IReadOnlyList<VolumeReport> Observe()
    {
        var pool = Pool();
        var attachments = Attachments();
        var reports = new List<VolumeReport>();
        foreach (var name in pool.ListVolumeNames().Where(n => VolumeName().IsMatch(n)).Order(StringComparer.Ordinal))
        {
            using var volume = pool.FindVolume(name);
            if (volume is null)
            {
                continue;
            }

            var path = volume.Path;
            var plugged = attachments.FirstOrDefault(a => a.SourcePath == path);
            reports.Add(new VolumeReport(name, plugged?.InstanceId, plugged?.TargetDevice, (long)volume.GetInfo().CapacityBytes));
        }

        return reports;
    }

    private async Task ConvergeAsync(DesiredVolume desired, CancellationToken cancellationToken)
    {
        var pool = Pool();
        using var existing = pool.FindVolume(desired.VolumeId);
        if (!desired.Present)
        {
            if (existing is not null)
            {
                var path = existing.Path;
                foreach (var plugged in Attachments().Where(a => a.SourcePath == path))
                {
                    Unplug(plugged);
                }

                existing.Delete();
            }

            // (File.Delete fails when the markers' directory was never made: no volume here was ever restored.)
            if (File.Exists(RestoreMarker(desired.VolumeId)))
            {
                File.Delete(RestoreMarker(desired.VolumeId));
            }

            ForgetSecret(desired.VolumeId);
            return;
        }

        if (desired.EncryptionKey is not null && !options.Simulated)
        {
            EnsureSecret(desired);
        }

        var volume = existing;
        if (volume is null && desired.Attachment is not null)
        {
            volume = await CreateAsync(pool, desired, cancellationToken);
        }
        else if (volume is not null && File.Exists(RestoreMarker(desired.VolumeId)))
        {
            // A restore a crash cut short: the bytes are incomplete, and nothing has used them yet. Start over.
            volume.Delete();
            volume.Dispose();
            volume = await CreateAsync(pool, desired, cancellationToken);
        }

        if (volume is null)
        {
            return;
        }

        using (volume == existing ? null : volume)
        {
            var path = volume.Path;
            foreach (var plugged in Attachments().Where(a => a.SourcePath == path && a.InstanceId != desired.Attachment?.InstanceId))
            {
                Unplug(plugged);
            }

            if (desired.Attachment is { } attachment)
            {
                Plug(attachment, path, SecretOf(desired));
            }

            if (volume.GetInfo().CapacityBytes < (ulong)desired.SizeBytes)
            {
                Grow(pool, volume, desired, path);
            }

            foreach (var snapshotId in desired.PendingSnapshots ?? [])
            {
                if (!_uploaded.Contains(snapshotId))
                {
                    await UploadSnapshotAsync(volume, snapshotId, SecretOf(desired), cancellationToken);
                    _uploaded.Add(snapshotId);
                }
            }
        }
    }

    /// <summary>
    /// Grows the pool volume to the desired size (EBS's ModifyVolume). While a running guest has it plugged in, QEMU has the
    /// file open and locked, so qemu-img (virStorageVolResize) may not write it: QEMU grows it itself (virDomainBlockResize)
    /// and the guest's disk announces the new capacity at once. Otherwise libvirt grows the file; a stopped guest sees the
    /// new size at its next start. Never shrinks: a smaller desired size is left alone.
    /// </summary>
    private void Grow(LibvirtStoragePool pool, LibvirtStorageVolume volume, DesiredVolume desired, string path)
    {
        if (options.Simulated)
        {
            // libvirt's test driver cannot resize (virStorageVolResize is not supported there) and its volumes hold no
            // bytes: the volume is made again at the new size under the same name and path, which is what a grow leaves.
            volume.Delete();
            pool.CreateVolume(LibvirtVolumeXml.Qcow2(desired.VolumeId, desired.SizeBytes)).Dispose();
            return;
        }

        if (LiveAttachments().FirstOrDefault(a => a.SourcePath == path) is { } plugged)
        {
            using var domain = libvirt.FindDomain(plugged.InstanceId)
                ?? throw new InvalidOperationException($"Instance {plugged.InstanceId} has no domain on this server.");
            if (LiveSource(domain, plugged.TargetDevice) != path)
            {
                // A snapshot's overlay is on top: growing now would grow the overlay; the next round, after the merge, grows the volume.
                throw new InvalidOperationException($"Disk {plugged.TargetDevice} of {plugged.InstanceId} is not on {path} yet; it grows after the snapshot's merge.");
            }

            domain.BlockResize(plugged.TargetDevice, (ulong)desired.SizeBytes);
            return;
        }

        volume.Resize((ulong)desired.SizeBytes);
    }

    private async Task<LibvirtStorageVolume> CreateAsync(LibvirtStoragePool pool, DesiredVolume desired, CancellationToken cancellationToken)
    {
        if (desired.RestoreFromSnapshotId is not { } snapshotId)
        {
            // An encrypted one: qemu-img makes the qcow2 with a LUKS header under the secret's passphrase.
            return pool.CreateVolume(LibvirtVolumeXml.Qcow2(desired.VolumeId, desired.SizeBytes, SecretOf(desired)));
        }

        // A plain definition: the snapshot's bytes replace the whole file, an encrypted snapshot's with its own LUKS header
        // (the same key: the volume's is the snapshot's), so no header is made here only to be overwritten.
        var xml = LibvirtVolumeXml.Qcow2(desired.VolumeId, desired.SizeBytes);
        var marker = RestoreMarker(desired.VolumeId);
        Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
        await File.WriteAllTextAsync(marker, snapshotId, cancellationToken);
        var volume = pool.CreateVolume(xml);
        try
        {
            var (content, length) = await transfer.DownloadSnapshotAsync(snapshotId, cancellationToken);
            await using (content)
            {
                // The snapshot is the source volume's qcow2 file as it was; libvirt streams block, so off the caller's thread.
                await Task.Run(() => volume.Upload(content, (ulong)length), cancellationToken);
            }
        }
        catch
        {
            volume.Delete();
            volume.Dispose();
            throw;
        }

        File.Delete(marker);
        return volume;
    }

    private async Task UploadSnapshotAsync(LibvirtStorageVolume volume, string snapshotId, Guid? secret, CancellationToken cancellationToken)
    {
        if (options.Simulated)
        {
            throw new InvalidOperationException("Simulated servers (libvirt's test driver) cannot stream volumes; snapshots need a real server.");
        }

        // Spooled to a file first: the API wants the length up front, and the volume's stream is blocking.
        var spool = Path.Combine(options.StateDirectory, "snapshots", snapshotId + ".part");
        Directory.CreateDirectory(Path.GetDirectoryName(spool)!);
        try
        {
            var path = volume.Path;
            var download = () => Task.Run(() =>
            {
                using var file = new FileStream(spool, FileMode.Create, FileAccess.Write);
                volume.Download(file);
            }, cancellationToken);
            if (LiveAttachments().FirstOrDefault(a => a.SourcePath == path) is not { } plugged)
            {
                // No guest writes to it: its file is the volume as it is.
                await download();
            }
            else
            {
                // A running guest writes to it. The snapshot's instant is the one an overlay is put on top (disk-only,
                // atomic, as OpenStack's assisted snapshots do): from then on the guest writes to the overlay and the volume's
                // file holds still, crash-consistent, while it is streamed; then the overlay is committed back and the
                // guest pivoted onto the volume again.
                using var domain = libvirt.FindDomain(plugged.InstanceId)
                    ?? throw new InvalidOperationException($"Instance {plugged.InstanceId} has no domain on this server.");
                if (LiveSource(domain, plugged.TargetDevice) != path)
                {
                    // An earlier snapshot's overlay is still on (its merge failed and is retried each round): not now.
                    throw new InvalidOperationException($"Disk {plugged.TargetDevice} of {plugged.InstanceId} is not on {path} yet.");
                }

                var overlay = OverlayPath(path, snapshotId);
                var targets = DisksOf(XDocument.Parse(domain.GetXml())).Select(d => d.Element("target")?.Attribute("dev")?.Value).OfType<string>();
                domain.CreateDiskOnlySnapshot(LibvirtVolumeXml.DiskOnlySnapshot(snapshotId, targets, plugged.TargetDevice, overlay, secret));
                try
                {
                    await download();
                }
                finally
                {
                    // Whatever became of the copy, the guest goes back onto its volume (not cancelled: a half-done merge is worse).
                    await MergeOverlayAsync(domain, plugged.TargetDevice, path, overlay);
                }
            }

            await using var read = new FileStream(spool, FileMode.Open, FileAccess.Read, FileShare.Read, 1024 * 1024, FileOptions.Asynchronous);
            await transfer.UploadSnapshotAsync(snapshotId, read, read.Length, cancellationToken);
        }
        finally
        {
            File.Delete(spool);
        }
    }

    /// <summary>
    /// Commits the disk's overlay into the volume below it while the guest runs (an active block commit), pivots the disk
    /// back onto the volume once the commit has caught up, and removes the overlay. Picks up where an earlier attempt
    /// (or an agent that died) stopped: a commit already running is waited for, not started again.
    /// </summary>
    private static async Task MergeOverlayAsync(LibvirtDomain domain, string targetDevice, string volumePath, string overlay)
    {
        var deadline = DateTime.UtcNow + MergeDeadline;
        if (LiveSource(domain, targetDevice) == overlay)
        {
            if (domain.GetBlockJob(targetDevice) is null)
            {
                domain.CommitActiveLayer(targetDevice);
            }

            // Ready once the overlay is written back and the two stay in step (libvirt marks the disk's mirror ready).
            while (!MirrorReady(domain, targetDevice))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"The commit of {overlay} into {volumePath} was not ready within {MergeDeadline}.");
                }

                await Task.Delay(50);
            }

            domain.PivotBlockJob(targetDevice);
        }

        if (LiveSource(domain, targetDevice) != volumePath)
        {
            throw new InvalidOperationException($"Disk {targetDevice} of {domain.Name} is not back on {volumePath} after the commit.");
        }

        File.Delete(overlay);
    }

    /// <summary>
    /// Overlays an agent left behind when it stopped in the middle of a snapshot: merged back into their volumes, as the
    /// snapshot itself would have done. An overlay no definition names is only a file to remove; one that a stopped
    /// guest's definition still uses holds its latest writes and is merged when the guest runs again.
    /// </summary>
    private async Task MergeLeftOverlaysAsync(List<VolumeFault> faults)
    {
        var poolPath = PoolDirectory();
        var inUse = new HashSet<string>(StringComparer.Ordinal);
        foreach (var domain in libvirt.ListDomains())
        {
            using (domain)
            {
                if (!InstanceName().IsMatch(domain.Name))
                {
                    continue;
                }

                try
                {
                    var active = domain.IsActive;
                    foreach (var disk in DisksOf(XDocument.Parse(domain.GetInactiveXml())).Concat(active ? DisksOf(XDocument.Parse(domain.GetXml())) : []))
                    {
                        if (FileOf(disk) is { } source && Overlay().Match(Path.GetFileName(source)) is { Success: true } match
                            && Path.GetDirectoryName(source) == poolPath && inUse.Add(source) && active
                            && disk.Element("target")?.Attribute("dev")?.Value is { } target && LiveSource(domain, target) == source)
                        {
                            try
                            {
                                await MergeOverlayAsync(domain, target, Path.Combine(poolPath, match.Groups["volume"].Value), source);
                            }
                            catch (Exception e) when (e is LibvirtException or IOException or InvalidOperationException)
                            {
                                faults.Add(new VolumeFault(match.Groups["volume"].Value, $"merging the snapshot overlay {source}: {e.Message}"));
                            }
                        }
                    }
                }
                catch (LibvirtException e) when (e.Is(LibvirtErrorCode.NoDomain))
                {
                    // Undefined between the listing and the look (a terminated instance): it holds no overlay any more.
                }
            }
        }

        foreach (var file in Directory.Exists(poolPath) ? Directory.GetFiles(poolPath) : [])
        {
            if (Overlay().IsMatch(Path.GetFileName(file)) && !inUse.Contains(file))
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>The file the running guest's disk reads and writes now (an overlay while a snapshot is taken).</summary>
    private static string? LiveSource(LibvirtDomain domain, string targetDevice) =>
        DisksOf(XDocument.Parse(domain.GetXml())).Where(d => d.Element("target")?.Attribute("dev")?.Value == targetDevice).Select(FileOf).FirstOrDefault();

    private static bool MirrorReady(LibvirtDomain domain, string targetDevice) =>
        DisksOf(XDocument.Parse(domain.GetXml())).Any(d => d.Element("target")?.Attribute("dev")?.Value == targetDevice
            && d.Element("mirror")?.Attribute("ready")?.Value == "yes");

    /// <summary>Beside its volume, so on the same storage; named so that no other part of the agent takes it for a volume.</summary>
    private static string OverlayPath(string volumePath, string snapshotId) => $"{volumePath}.overlay-{snapshotId}";

    private static readonly TimeSpan MergeDeadline = TimeSpan.FromMinutes(10);

    private void Plug(DesiredAttachment attachment, string path, Guid? secret)
    {
        using var domain = libvirt.FindDomain(attachment.InstanceId)
            ?? throw new InvalidOperationException($"Instance {attachment.InstanceId} has no domain on this server yet.");
        var disk = LibvirtVolumeXml.Disk(path, attachment.TargetDevice, attachment.Serial, secret);
        var persistent = XDocument.Parse(domain.GetInactiveXml());
        var inConfig = DisksOf(persistent).Any(d => SourceOf(d) == path);
        if (options.Simulated)
        {
            // The test driver has no hot-plug: the disk goes into the persistent definition, as a stopped guest's would.
            if (!inConfig)
            {
                persistent.Root!.Element("devices")!.Add(disk);
                libvirt.DefineDomain(persistent.ToString()).Dispose();
            }

            return;
        }

        // Live and persistent, each only where it is missing (a crash or a failed hot-plug may have done one side).
        var active = domain.IsActive;
        var live = active && DisksOf(XDocument.Parse(domain.GetXml())).Any(d => SourceOf(d) == path);
        var scope = (active && !live ? DeviceScope.Live : 0) | (inConfig ? 0 : DeviceScope.Config);
        if (scope != 0)
        {
            domain.AttachDevice(disk.ToString(), scope);
        }
    }

    private void Unplug(Attachment plugged)
    {
        using var domain = libvirt.FindDomain(plugged.InstanceId);
        if (domain is null)
        {
            return;
        }

        var persistent = XDocument.Parse(domain.GetInactiveXml());
        var inConfig = DisksOf(persistent).Any(d => SourceOf(d) == plugged.SourcePath);
        if (options.Simulated)
        {
            if (inConfig)
            {
                DisksOf(persistent).Where(d => SourceOf(d) == plugged.SourcePath).Remove();
                libvirt.DefineDomain(persistent.ToString()).Dispose();
            }

            return;
        }

        // The guest is asked to release the disk and may take a moment; the next round sees it gone, or asks again.
        var live = domain.IsActive && DisksOf(XDocument.Parse(domain.GetXml())).Any(d => SourceOf(d) == plugged.SourcePath);
        var scope = (live ? DeviceScope.Live : 0) | (inConfig ? DeviceScope.Config : 0);
        if (scope != 0)
        {
            domain.DetachDevice(plugged.Disk.ToString(), scope);
        }
    }

    private static IEnumerable<XElement> DisksOf(XDocument domain) => domain.Root?.Element("devices")?.Elements("disk") ?? [];

    private sealed record Attachment(string InstanceId, string SourcePath, string TargetDevice, XElement Disk);

    /// <summary>
    /// The pool's volumes plugged into instance domains: live for a running guest (what the guest sees), and the
    /// persistent definition for a stopped one (and on simulated servers, which only change that).
    /// </summary>
    private List<Attachment> Attachments()
    {
        var poolPath = PoolDirectory();
        var found = new List<Attachment>();
        foreach (var domain in libvirt.ListDomains())
        {
            using (domain)
            {
                var name = domain.Name;
                if (!InstanceName().IsMatch(name))
                {
                    continue;
                }

                string xml;
                try
                {
                    xml = options.Simulated || !domain.IsActive ? domain.GetInactiveXml() : domain.GetXml();
                }
                catch (LibvirtException e) when (e.Is(LibvirtErrorCode.NoDomain))
                {
                    // Undefined between the listing and the look: it has no disks plugged any more.
                    continue;
                }

                foreach (var disk in DisksOf(XDocument.Parse(xml)))
                {
                    if (SourceOf(disk) is { } source && Path.GetDirectoryName(source) == poolPath && VolumeName().IsMatch(Path.GetFileName(source))
                        && disk.Element("target")?.Attribute("dev")?.Value is { } target)
                    {
                        found.Add(new Attachment(name, source, target, new XElement(disk)));
                    }
                }
            }
        }

        return found;
    }

    /// <summary>The pool's volumes plugged into running guests, as the guests see them now.</summary>
    private List<Attachment> LiveAttachments()
    {
        var found = new List<Attachment>();
        foreach (var attachment in Attachments())
        {
            using var domain = libvirt.FindDomain(attachment.InstanceId);
            if (domain is { IsActive: true } && DisksOf(XDocument.Parse(domain.GetXml())).Any(d => SourceOf(d) == attachment.SourcePath))
            {
                found.Add(attachment);
            }
        }

        return found;
    }

    /// <summary>
    /// A disk's file. A snapshot overlay counts as the volume it sits on (a guest stopped while a snapshot's overlay was
    /// on: its volume is still plugged in, and is not plugged in a second time).
    /// </summary>
    private static string? SourceOf(XElement disk) => FileOf(disk) is { } file && Overlay().Match(Path.GetFileName(file)) is { Success: true } overlay
        ? Path.Combine(Path.GetDirectoryName(file)!, overlay.Groups["volume"].Value)
        : FileOf(disk);

    private static string? FileOf(XElement disk) => disk.Element("source")?.Attribute("file")?.Value;

    private string PoolDirectory() =>
        XDocument.Parse(Pool().GetXml()).Root?.Element("target")?.Element("path")?.Value?.TrimEnd('/') ?? options.PoolPath.TrimEnd('/');

    private LibvirtStoragePool Pool()
    {
        if (_pool is not null)
        {
            return _pool;
        }

        var pool = libvirt.FindStoragePool(options.Pool);
        if (pool is null)
        {
            pool = libvirt.DefineStoragePool(new XElement("pool", new XAttribute("type", "dir"), new XElement("name", options.Pool),
                new XElement("target", new XElement("path", options.PoolPath))).ToString());
            pool.Build();
        }

        if (!pool.IsActive)
        {
            pool.Start();
        }

        pool.Refresh();
        return _pool = pool;
    }

    /// <summary>The UUID of the volume's libvirt secret, for an encrypted volume.</summary>
    private static Guid? SecretOf(DesiredVolume desired) => desired.EncryptionKey is null ? null : BlockVolumes.SecretUuid(desired.VolumeId);

    /// <summary>
    /// Defines the volume's secret (ephemeral, private) where libvirt lacks it, and sets its value: again too when found,
    /// since an agent that died between the two left a secret without one (a private secret cannot be asked whether it
    /// has a value). The passphrase goes from the desired state (in memory) to libvirtd (in memory) and nowhere else;
    /// this process's byte copy is cleared.
    /// </summary>
    private void EnsureSecret(DesiredVolume desired)
    {
        var uuid = BlockVolumes.SecretUuid(desired.VolumeId);
        var secret = libvirt.FindSecret(uuid);
        var defined = secret is null;
        secret ??= libvirt.DefineSecret(LibvirtSecret.VolumeSecretXml(uuid, Path.Combine(PoolDirectory(), desired.VolumeId), $"passphrase of {desired.VolumeId}"));
        using (secret)
        {
            var value = System.Text.Encoding.ASCII.GetBytes(desired.EncryptionKey!);
            try
            {
                secret.SetValue(value);
            }
            catch when (defined)
            {
                // A secret without its value would make qemu-img and QEMU fail later with a less clear error.
                secret.Undefine();
                throw;
            }
            finally
            {
                Array.Clear(value);
            }
        }
    }

    private void ForgetSecret(string volumeId)
    {
        if (options.Simulated)
        {
            return;
        }

        using var secret = libvirt.FindSecret(BlockVolumes.SecretUuid(volumeId));
        secret?.Undefine();
    }

    private string RestoreMarker(string volumeId) => Path.Combine(options.StateDirectory, "volumes", volumeId + ".restoring");

    [GeneratedRegex("^vol-[0-9a-f]{17}$")]
    private static partial Regex VolumeName();

    [GeneratedRegex("^i-[0-9a-f]{17}$")]
    private static partial Regex InstanceName();

    [GeneratedRegex("^(?<volume>vol-[0-9a-f]{17})\\.overlay-snap-[0-9a-f]{17}$")]
    private static partial Regex Overlay();
}
