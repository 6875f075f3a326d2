using System.Globalization;
using System.Xml.Linq;

namespace Platform.HostAgent.Libvirt;

/// <summary>
/// libvirt's XML for block volumes, their disks and their snapshots, as data to XML (nova's config.py): the storage
/// volume, the disk device a guest sees, and the disk-only snapshot that puts an overlay on one disk. An encrypted
/// volume is a qcow2 with LUKS inside (QEMU's <c>encrypt.format=luks</c>), opened with the passphrase of the libvirt
/// secret named by its UUID; every one of these carries the same <c>&lt;encryption&gt;</c>.
/// </summary>
public static class LibvirtVolumeXml
{
    /// <summary>A qcow2 volume of the given size; with <paramref name="secret"/>, LUKS-encrypted under that secret's passphrase.</summary>
    public static string Qcow2(string name, long capacityBytes, Guid? secret = null)
    {
        var target = new XElement("target", new XElement("format", new XAttribute("type", "qcow2")));
        if (secret is { } uuid)
        {
            target.Add(Encryption(uuid));
        }

        return new XElement("volume", new XElement("name", name),
            new XElement("capacity", new XAttribute("unit", "bytes"), capacityBytes.ToString(CultureInfo.InvariantCulture)),
            target).ToString();
    }

    /// <summary>The disk device for a volume: qcow2 on virtio, its serial the EC2 form (the guest finds it in /sys/block/vd*/serial).</summary>
    public static XElement Disk(string path, string targetDevice, string serial, Guid? secret = null)
    {
        var source = new XElement("source", new XAttribute("file", path));
        if (secret is { } uuid)
        {
            source.Add(Encryption(uuid));
        }

        return new XElement("disk", new XAttribute("type", "file"), new XAttribute("device", "disk"),
            new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", "qcow2")),
            source,
            new XElement("target", new XAttribute("dev", targetDevice), new XAttribute("bus", "virtio")),
            new XElement("serial", serial));
    }

    /// <summary>
    /// The disk-only snapshot of one disk of a domain whose disks have the given targets: that disk gets the overlay
    /// (qcow2, its backing the volume; encrypted as the volume is, so the guest's writes meanwhile are not in clear);
    /// every other disk (the config drive, a root disk, other volumes) is left as it is.
    /// </summary>
    public static string DiskOnlySnapshot(string name, IEnumerable<string> targets, string targetDevice, string overlay, Guid? secret = null)
    {
        var disks = new XElement("disks");
        foreach (var target in targets)
        {
            if (target != targetDevice)
            {
                disks.Add(new XElement("disk", new XAttribute("name", target), new XAttribute("snapshot", "no")));
                continue;
            }

            var source = new XElement("source", new XAttribute("file", overlay));
            if (secret is { } uuid)
            {
                source.Add(Encryption(uuid));
            }

            disks.Add(new XElement("disk", new XAttribute("name", target), new XAttribute("snapshot", "external"), new XAttribute("type", "file"),
                new XElement("driver", new XAttribute("type", "qcow2")), source));
        }

        return new XElement("domainsnapshot", new XElement("name", name), disks).ToString();
    }

    private static XElement Encryption(Guid secret) => new("encryption", new XAttribute("format", "luks"),
        new XElement("secret", new XAttribute("type", "passphrase"), new XAttribute("uuid", secret.ToString("D"))));
}
