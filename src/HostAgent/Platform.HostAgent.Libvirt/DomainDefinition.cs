using System.Globalization;
using System.Xml.Linq;

namespace Platform.HostAgent.Libvirt;

/// <summary>
/// A domain described as data; <see cref="ToXml"/> writes libvirt's domain XML from it (as nova's
/// config.py does: object to XML, no policy). The agent never concatenates XML strings.
/// </summary>
public sealed record DomainDefinition
{
    /// <summary><c>qemu</c> (TCG), <c>kvm</c>, or <c>test</c> for libvirt's simulated hosts.</summary>
    public string Type { get; init; } = "qemu";

    public required string Name { get; init; }

    public Guid? Uuid { get; init; }

    public required int MemoryMiB { get; init; }

    public required int VirtualCpus { get; init; }

    /// <summary>Boot a kernel directly (test images); null boots from the first disk.</summary>
    public DirectKernelBoot? Kernel { get; init; }

    public IReadOnlyList<DiskDefinition> Disks { get; init; } = [];

    public IReadOnlyList<InterfaceDefinition> Interfaces { get; init; } = [];

    /// <summary>The guest's serial console written to this file on the host.</summary>
    public string? SerialLogPath { get; init; }

    /// <summary>virtio-serial ports whose host side is a unix socket (as qemu-guest-agent's channel): a path to the guest that is no network.</summary>
    public IReadOnlyList<ChannelDefinition> Channels { get; init; } = [];

    /// <summary>Free-form metadata under the platform's namespace (instance id, account), kept by libvirt.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    public const string MetadataNamespace = "https://platform.local/libvirt/1";

    public string ToXml()
    {
        var devices = new XElement("devices");
        foreach (var disk in Disks)
        {
            devices.Add(disk.ToXml());
        }

        foreach (var nic in Interfaces)
        {
            devices.Add(nic.ToXml());
        }

        if (SerialLogPath is not null)
        {
            devices.Add(new XElement("serial", new XAttribute("type", "file"),
                new XElement("source", new XAttribute("path", SerialLogPath)),
                new XElement("target", new XAttribute("port", 0))));
            devices.Add(new XElement("console", new XAttribute("type", "file"),
                new XElement("source", new XAttribute("path", SerialLogPath)),
                new XElement("target", new XAttribute("type", "serial"), new XAttribute("port", 0))));
        }

        foreach (var channel in Channels)
        {
            devices.Add(channel.ToXml());
        }

        var os = new XElement("os", new XElement("type", new XAttribute("arch", "x86_64"), "hvm"));
        if (Kernel is { } kernel)
        {
            os.Add(new XElement("kernel", kernel.KernelPath));
            if (kernel.InitrdPath is not null)
            {
                os.Add(new XElement("initrd", kernel.InitrdPath));
            }

            os.Add(new XElement("cmdline", kernel.CommandLine));
        }
        else
        {
            os.Add(new XElement("boot", new XAttribute("dev", "hd")));
        }

        XNamespace platform = MetadataNamespace;
        var domain = new XElement("domain", new XAttribute("type", Type),
            new XElement("name", Name),
            Uuid is { } uuid ? new XElement("uuid", uuid.ToString("D")) : null,
            Metadata.Count == 0 ? null : new XElement("metadata",
                new XElement(platform + "instance", new XAttribute(XNamespace.Xmlns + "platform", MetadataNamespace),
                    Metadata.Select(m => new XElement(platform + m.Key, m.Value)))),
            new XElement("memory", new XAttribute("unit", "MiB"), MemoryMiB.ToString(CultureInfo.InvariantCulture)),
            new XElement("vcpu", VirtualCpus.ToString(CultureInfo.InvariantCulture)),
            os,
            // Without ACPI, QEMU guests can neither hot-plug PCI devices nor honour a shutdown request.
            new XElement("features", new XElement("acpi"), new XElement("apic")),
            new XElement("on_poweroff", "destroy"),
            new XElement("on_reboot", "restart"),
            new XElement("on_crash", "destroy"),
            devices);
        return domain.ToString();
    }

    /// <summary>
    /// A defined domain's XML (<see cref="LibvirtDomain.GetInactiveXml"/>) with another size: its vCPUs, and its memory as both the
    /// maximum and the current allocation, everything else (UUID, disks attached since, metadata) as it was. Null when it has that
    /// size already, so a caller redefines only what changed.
    /// </summary>
    public static string? Resized(string definedXml, int virtualCpus, int memoryMiB)
    {
        var document = XDocument.Parse(definedXml);
        var domain = document.Root ?? throw new InvalidDataException("The domain XML has no root element.");
        var memoryKiB = memoryMiB * 1024L;
        var vcpu = domain.Element("vcpu");
        var cpusNow = vcpu is null ? (int?)null : int.Parse(vcpu.Value.Trim(), CultureInfo.InvariantCulture);
        // A domain whose running vCPUs are fewer than its maximum (vcpu/@current) has not the asked size either.
        if (cpusNow == virtualCpus && vcpu!.Attribute("current") is null
            && KiB(domain.Element("memory")) == memoryKiB && (domain.Element("currentMemory") is not { } current || KiB(current) == memoryKiB))
        {
            return null;
        }

        // A guest NUMA layout or CPU topology of the old size would contradict the new one; the platform defines neither.
        if (domain.Element("cpu") is { } cpu && (cpu.Element("topology") is not null || cpu.Element("numa") is not null))
        {
            throw new InvalidDataException("The domain has a CPU topology or NUMA cells: it cannot be resized by its vCPUs and memory alone.");
        }

        SetOrAdd(domain, "vcpu", virtualCpus.ToString(CultureInfo.InvariantCulture)).Attribute("current")?.Remove();
        foreach (var name in (string[])["memory", "currentMemory"])
        {
            var element = SetOrAdd(domain, name, memoryKiB.ToString(CultureInfo.InvariantCulture));
            element.SetAttributeValue("unit", "KiB");
        }

        return document.ToString();
    }

    private static XElement SetOrAdd(XElement domain, string name, string value)
    {
        var element = domain.Element(name);
        if (element is null)
        {
            element = new XElement(name);
            domain.Element("name")!.AddAfterSelf(element);
        }

        element.Value = value;
        return element;
    }

    private static long? KiB(XElement? memory)
    {
        if (memory is null || !long.TryParse(memory.Value.Trim(), CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        return (memory.Attribute("unit")?.Value ?? "KiB") switch
        {
            "b" or "bytes" => value / 1024,
            "KB" => value * 1000 / 1024,
            "k" or "KiB" => value,
            "MB" => value * 1000 * 1000 / 1024,
            "M" or "MiB" => value * 1024,
            "G" or "GiB" => value * 1024 * 1024,
            _ => null,
        };
    }
}

public sealed record DirectKernelBoot(string KernelPath, string? InitrdPath, string CommandLine);

/// <summary>A disk backed by a file (usually a storage volume's path).</summary>
public sealed record DiskDefinition(string SourcePath, string TargetDevice, string Format = "qcow2", bool ReadOnly = false)
{
    /// <summary>The disk as a device document, for hot-plugging with <see cref="LibvirtDomain.AttachDevice"/>.</summary>
    public string ToDeviceXml() => ToXml().ToString();

    internal XElement ToXml() => new("disk", new XAttribute("type", "file"), new XAttribute("device", "disk"),
        new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", Format)),
        new XElement("source", new XAttribute("file", SourcePath)),
        new XElement("target", new XAttribute("dev", TargetDevice), new XAttribute("bus", "virtio")),
        ReadOnly ? new XElement("readonly") : null);
}

/// <summary>A NIC on an Open vSwitch bridge, optionally in an access VLAN (a VPC's local tag).</summary>
/// <param name="InterfaceId">The virtualport's interfaceid (a UUID): libvirt writes it to the switch port's
/// external_ids:iface-id, by which the agent finds the port and gives it its flows.</param>
/// <param name="TargetDevice">The tap device's name, stable across restarts.</param>
/// <remarks>
/// On Open vSwitch the NIC offers the guest no checksum offload (virtio's host csum, and with it the segmentation
/// offloads that need it): the userspace datapath reads the tap without virtio headers, so a segment the guest
/// left for the host to checksum reached the switch with a partial checksum and its connection tracking dropped
/// it as invalid (a guest's SSH server answered SYNs with SYN-ACKs that never left the bridge).
/// </remarks>
public sealed record InterfaceDefinition(string Bridge, string MacAddress, int? VlanTag = null, bool OpenVSwitch = true,
    string? InterfaceId = null, string? TargetDevice = null)
{
    internal XElement ToXml() => new("interface", new XAttribute("type", "bridge"),
        new XElement("source", new XAttribute("bridge", Bridge)),
        OpenVSwitch ? new XElement("virtualport", new XAttribute("type", "openvswitch"),
            InterfaceId is null ? null : new XElement("parameters", new XAttribute("interfaceid", InterfaceId))) : null,
        VlanTag is { } tag ? new XElement("vlan", new XElement("tag", new XAttribute("id", tag))) : null,
        TargetDevice is null ? null : new XElement("target", new XAttribute("dev", TargetDevice)),
        new XElement("mac", new XAttribute("address", MacAddress)),
        new XElement("model", new XAttribute("type", "virtio")),
        OpenVSwitch ? new XElement("driver", new XElement("host", new XAttribute("csum", "off"), new XAttribute("gso", "off"),
            new XAttribute("tso4", "off"), new XAttribute("tso6", "off"), new XAttribute("ecn", "off"), new XAttribute("ufo", "off"))) : null);
}

/// <summary>
/// A virtio-serial port the guest sees as <c>/dev/virtio-ports/NAME</c>; QEMU listens on <paramref name="SocketPath"/> on the host
/// (libvirt's <c>mode='bind'</c>) and takes one client at a time, a new one once the last has gone.
/// </summary>
public sealed record ChannelDefinition(string SocketPath, string Name)
{
    internal XElement ToXml() => new("channel", new XAttribute("type", "unix"),
        new XElement("source", new XAttribute("mode", "bind"), new XAttribute("path", SocketPath)),
        new XElement("target", new XAttribute("type", "virtio"), new XAttribute("name", Name)));
}
