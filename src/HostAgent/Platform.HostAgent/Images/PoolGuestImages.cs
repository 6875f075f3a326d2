using System.Buffers.Binary;
using System.Globalization;
using System.Xml.Linq;
using Platform.HostAgent.Libvirt;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Images;

/// <summary>
/// Images and instance disks as volumes of one libvirt directory pool. An image part is fetched once
/// into volume <c>&lt;image&gt;-&lt;part&gt;</c>, and counts as present only when its completion marker exists
/// in the agent's state directory, so an agent killed mid-download fetches it again instead of booting
/// from half an image. qcow2 instances get a copy-on-write volume <c>&lt;instance&gt;-root</c> on the image.
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
        _pool = libvirt.FindStoragePool(poolName) ?? DefinePool(libvirt, poolName, poolPath);
        if (!_pool.IsActive)
        {
            _pool.Start();
        }

        _pool.Refresh();
    }

    private static LibvirtStoragePool DefinePool(LibvirtConnection libvirt, string name, string path)
    {
        var xml = new XElement("pool", new XAttribute("type", "dir"), new XElement("name", name),
            new XElement("target", new XElement("path", path)));
        var pool = libvirt.DefineStoragePool(xml.ToString());
        pool.Build();
        return pool;
    }

    public async Task EnsureAsync(GuestImage image, CancellationToken cancellationToken)
    {
        foreach (var part in ImageParts.Of(image.Format))
        {
            var name = VolumeName(image.ImageId, part);
            var marker = Path.Combine(_markers, name + ".complete");
            using var existing = _pool.FindVolume(name);
            if (existing is not null && File.Exists(marker))
            {
                continue;
            }

            existing?.Delete();
            using var download = await _source.OpenAsync(image.ImageId, part, cancellationToken);
            var volume = _pool.CreateVolume(new XElement("volume", new XElement("name", name),
                new XElement("capacity", new XAttribute("unit", "bytes"), download.Length.ToString(CultureInfo.InvariantCulture)),
                new XElement("target", new XElement("format", new XAttribute("type", "raw")))).ToString());
            using (volume)
            {
                try
                {
                    // libvirt streams block; the upload runs off the caller's thread.
                    await Task.Run(() => volume.Upload(download.Content, (ulong)download.Length), cancellationToken);
                }
                catch
                {
                    volume.Delete();
                    throw;
                }

                var virtualSize = part == ImageParts.Disk ? Qcow2VirtualSize(volume.Path) : download.Length;
                await File.WriteAllTextAsync(marker, virtualSize.ToString(CultureInfo.InvariantCulture), cancellationToken);
            }
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
        var virtualSize = File.ReadAllText(Path.Combine(_markers, VolumeName(image.ImageId, ImageParts.Disk) + ".complete")).Trim();
        using var root = _pool.CreateVolume(new XElement("volume", new XElement("name", rootName),
            new XElement("capacity", new XAttribute("unit", "bytes"), virtualSize),
            new XElement("target", new XElement("format", new XAttribute("type", "qcow2"))),
            new XElement("backingStore", new XElement("path", basePath), new XElement("format", new XAttribute("type", "qcow2")))).ToString());
        return new GuestBootFiles(null, null, root.Path);
    }

    public void DeleteInstanceDisks(string instanceId)
    {
        using var root = _pool.FindVolume($"{instanceId}-root");
        root?.Delete();
    }

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

    /// <summary>A qcow2 file's virtual size: a big-endian 64-bit number at byte 24 of its header.</summary>
    private static long Qcow2VirtualSize(string path)
    {
        Span<byte> header = stackalloc byte[32];
        using var file = File.OpenRead(path);
        file.ReadExactly(header);
        if (BinaryPrimitives.ReadUInt32BigEndian(header) != 0x514649FB)
        {
            throw new InvalidDataException($"{path} is not a qcow2 image.");
        }

        return (long)BinaryPrimitives.ReadUInt64BigEndian(header[24..]);
    }
}
