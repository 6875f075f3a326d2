using System.Globalization;
using System.Xml.Linq;
using Platform.HostAgent.Libvirt;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Images;

/// <summary>
/// Images and instance disks as volumes of one libvirt directory pool. An image part is fetched once
/// into volume <c>&lt;image&gt;-&lt;part&gt;</c>, and counts as present only when its completion marker exists
/// in the agent's state directory, so an agent killed mid-download fetches it again instead of booting
/// from half an image; a part whose bytes do not match the SHA-256 the API recorded is never used. qcow2 instances get
/// a copy-on-write volume <c>&lt;instance&gt;-root</c> whose header names the image as its qcow2 backing file.
/// </summary>
public sealed class PoolGuestImages : IGuestImages, IDisposable
{
    private readonly LibvirtStoragePool _pool;
    private readonly string _markers;
    private readonly IImageSource _source;

    public PoolGuestImages(LibvirtConnection libvirt, string poolName, string poolPath, string stateDirectory, IImageSource source)
    {
        _source = source;
        _markers = Path.Combine(stateDirectory, "images");
        Directory.CreateDirectory(_markers);
        _pool = OpenPool(libvirt, poolName, Path.GetFullPath(poolPath));
        if (!_pool.IsActive)
        {
            _pool.Start();
        }

        _pool.Refresh();
    }

    /// <summary>
    /// The pool by its name, defined at <paramref name="path"/> if it does not exist. A pool of that name kept
    /// from an earlier run whose directory is gone holds nothing and is defined again at the path; one whose
    /// directory still exists elsewhere may hold another agent's disks and is refused. One at the path whose directory was
    /// removed while libvirtd kept it active is stopped and built again.
    /// </summary>
    private static LibvirtStoragePool OpenPool(LibvirtConnection libvirt, string name, string path)
    {
        var pool = libvirt.FindStoragePool(name);
        if (pool is null)
        {
            return DefinePool(libvirt, name, path);
        }

        var current = XDocument.Parse(pool.GetXml()).Root?.Element("target")?.Element("path")?.Value;
        if (current is null || string.Equals(Path.GetFullPath(current), path, StringComparison.Ordinal))
        {
            if (!Directory.Exists(path))
            {
                // Removed under a pool libvirtd still holds active (a wiped state directory): libvirt builds only an
                // inactive pool, and a directory pool's stop leaves files alone (there are none left to keep).
                if (pool.IsActive)
                {
                    pool.Stop();
                }

                pool.Build();
            }

            return pool;
        }

        if (Directory.Exists(current))
        {
            pool.Dispose();
            throw new InvalidOperationException(
                $"The libvirt storage pool '{name}' exists at {current}, not at {path} where this agent keeps its disks. " +
                "Set Agent__StoragePool to another name, or Agent__StoragePoolPath to that directory.");
        }

        if (pool.IsActive)
        {
            pool.Stop();
        }

        pool.Undefine();
        pool.Dispose();
        return DefinePool(libvirt, name, path);
    }

    private static LibvirtStoragePool DefinePool(LibvirtConnection libvirt, string name, string path)
    {
        var xml = new XElement("pool", new XAttribute("type", "dir"), new XElement("name", name),
            new XElement("target", new XElement("path", path)));
        var pool = libvirt.DefineStoragePool(xml.ToString());
        pool.Build();
        return pool;
    }

    public bool IsPresent(GuestImage image) => ImageParts.Of(image.Format).All(part =>
    {
        var name = VolumeName(image.ImageId, part);
        using var volume = _pool.FindVolume(name);
        return volume is not null && File.Exists(MarkerOf(name));
    });

    /// <summary>
    /// Fetches the parts not yet here. Each one's bytes are hashed on their way into the pool and must match the SHA-256
    /// the API recorded. A kernel or initrd is a raw volume holding those bytes. A disk arrives in a raw staging volume
    /// (<c>&lt;image&gt;-disk.download</c>, which libvirt writes verbatim), is checked by qemu-img to be a standalone
    /// qcow2 image (no backing file, no external data file), and is then rewritten by libvirt into the image's own
    /// qcow2 volume (<c>qemu-img convert</c>, through virStorageVolCreateXMLFrom): what guests boot from is a qcow2 file
    /// libvirt made, declared qcow2, and the overlays name it as their qcow2 backing file.
    /// </summary>
    public async Task EnsureAsync(GuestImage image, CancellationToken cancellationToken)
    {
        foreach (var part in ImageParts.Of(image.Format))
        {
            var name = VolumeName(image.ImageId, part);
            var marker = MarkerOf(name);
            using (var existing = _pool.FindVolume(name))
            {
                if (existing is not null && File.Exists(marker))
                {
                    continue;
                }

                existing?.Delete();
            }

            _ = ImageDigests.Expected(image, part);
            var staging = part == ImageParts.Disk ? name + StagingSuffix : name;
            using (var leftover = part == ImageParts.Disk ? _pool.FindVolume(staging) : null)
            {
                leftover?.Delete();
            }

            using var download = await _source.OpenAsync(image.ImageId, part, cancellationToken);
            using var hashing = new HashingStream(download.Content);
            using var volume = _pool.CreateVolume(new XElement("volume", new XElement("name", staging),
                new XElement("capacity", new XAttribute("unit", "bytes"), download.Length.ToString(CultureInfo.InvariantCulture)),
                new XElement("target", new XElement("format", new XAttribute("type", "raw")))).ToString());
            try
            {
                // libvirt streams block; the upload runs off the caller's thread.
                await Task.Run(() => volume.Upload(hashing, (ulong)download.Length), cancellationToken);
                ImageDigests.Verify(image, part, hashing);
                long size = download.Length;
                if (part == ImageParts.Disk)
                {
                    size = await Qcow2Inspection.EnsureStandaloneAsync(volume.Path, cancellationToken);
                    using var disk = await Task.Run(() => _pool.CloneVolume(new XElement("volume", new XElement("name", name),
                        new XElement("capacity", new XAttribute("unit", "bytes"), size.ToString(CultureInfo.InvariantCulture)),
                        new XElement("target", new XElement("format", new XAttribute("type", "qcow2")))).ToString(), volume), cancellationToken);
                    volume.Delete();
                }

                await File.WriteAllTextAsync(marker, size.ToString(CultureInfo.InvariantCulture), cancellationToken);
            }
            catch
            {
                DeleteQuietly(staging);
                DeleteQuietly(name);
                throw;
            }
        }
    }

    private const string StagingSuffix = ".download";

    private string MarkerOf(string volumeName) => Path.Combine(_markers, volumeName + ".complete");

    private void DeleteQuietly(string volumeName)
    {
        try
        {
            using var volume = _pool.FindVolume(volumeName);
            volume?.Delete();
        }
        catch (LibvirtException)
        {
            // Found again and deleted by the next attempt.
        }
    }

    public GuestBootFiles Prepare(string instanceId, GuestImage image)
    {
        if (image.Format == ImageFormat.Kernel)
        {
            return new GuestBootFiles(PartPath(image.ImageId, ImageParts.Kernel), PartPath(image.ImageId, ImageParts.Initrd), null);
        }

        var rootName = $"{instanceId}-root";
        using var existing = _pool.FindVolume(rootName);
        if (existing is not null)
        {
            return new GuestBootFiles(null, null, existing.Path);
        }

        var basePath = PartPath(image.ImageId, ImageParts.Disk);
        var virtualSize = File.ReadAllText(MarkerOf(VolumeName(image.ImageId, ImageParts.Disk))).Trim();
        using var root = _pool.CreateVolume(new XElement("volume", new XElement("name", rootName),
            new XElement("capacity", new XAttribute("unit", "bytes"), virtualSize),
            new XElement("target", new XElement("format", new XAttribute("type", "qcow2"))),
            new XElement("backingStore", new XElement("path", basePath), new XElement("format", new XAttribute("type", "qcow2")))).ToString());
        return new GuestBootFiles(null, null, root.Path);
    }

    /// <summary>
    /// Volume <c>&lt;instance&gt;-config</c>: the config drive's ISO image, uploaded into the pool once. Like an image
    /// part it counts only with its completion marker, so a drive cut off by a crash is made again.
    /// </summary>
    public string PrepareConfigDrive(DesiredInstance instance)
    {
        var name = ConfigVolumeName(instance.InstanceId);
        var marker = Path.Combine(_markers, name + ".complete");
        var existing = _pool.FindVolume(name);
        if (existing is not null && File.Exists(marker))
        {
            using (existing)
            {
                return existing.Path;
            }
        }

        existing?.Delete();
        existing?.Dispose();
        var iso = Path.Combine(_markers, name + ".iso");
        ConfigDrive.WriteIso(ConfigDrive.Files(instance), iso);
        try
        {
            using var source = File.OpenRead(iso);
            using var volume = _pool.CreateVolume(new XElement("volume", new XElement("name", name),
                new XElement("capacity", new XAttribute("unit", "bytes"), source.Length.ToString(CultureInfo.InvariantCulture)),
                new XElement("target", new XElement("format", new XAttribute("type", "raw")))).ToString());
            try
            {
                volume.Upload(source, (ulong)source.Length);
            }
            catch
            {
                volume.Delete();
                throw;
            }

            File.WriteAllText(marker, "");
            return volume.Path;
        }
        finally
        {
            File.Delete(iso);
        }
    }

    public void DeleteInstanceDisks(string instanceId)
    {
        using var root = _pool.FindVolume($"{instanceId}-root");
        root?.Delete();
        var config = ConfigVolumeName(instanceId);
        using var drive = _pool.FindVolume(config);
        drive?.Delete();
        File.Delete(Path.Combine(_markers, config + ".complete"));
    }

    private static string ConfigVolumeName(string instanceId) => $"{instanceId}-config";

    public (long Total, long Free) Capacity()
    {
        var info = _pool.GetInfo();
        return ((long)info.CapacityBytes, (long)info.AvailableBytes);
    }

    public void Dispose() => _pool.Dispose();

    private string PartPath(string imageId, string part)
    {
        using var volume = _pool.FindVolume(VolumeName(imageId, part))
            ?? throw new InvalidOperationException($"The image part {imageId}/{part} is not on this host yet.");
        return volume.Path;
    }

    private static string VolumeName(string imageId, string part) => $"{imageId}-{part}";
}
