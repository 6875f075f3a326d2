using System.Xml.Linq;

namespace Platform.HostAgent.Libvirt.Tests;

public sealed class DomainDefinitionTests
{
    [Fact]
    public void Given_a_kernel_boot_guest_Then_the_xml_has_acpi_disks_nics_and_a_serial_log()
    {
        var definition = new DomainDefinition
        {
            Name = "i-0123456789abcdef0",
            Uuid = Guid.Parse("6f1c2a7e-1e9b-4c7d-9a57-0f6f8d1f2a3b"),
            MemoryMiB = 256,
            VirtualCpus = 2,
            Kernel = new DirectKernelBoot("/var/lib/platform/images/vmlinuz", "/var/lib/platform/images/initrd", "console=ttyS0 platform.marker=ok"),
            Disks = [new DiskDefinition("/var/lib/libvirt/images/vol-1.qcow2", "vda")],
            Interfaces = [new InterfaceDefinition("br-int", "52:54:00:12:34:56", VlanTag: 101)],
            SerialLogPath = "/var/log/platform/i-0123456789abcdef0.log",
        };

        var xml = XElement.Parse(definition.ToXml());
        Assert.Equal("qemu", xml.Attribute("type")!.Value);
        Assert.Equal("i-0123456789abcdef0", xml.Element("name")!.Value);
        Assert.Equal("6f1c2a7e-1e9b-4c7d-9a57-0f6f8d1f2a3b", xml.Element("uuid")!.Value);
        Assert.Equal("256", xml.Element("memory")!.Value);
        Assert.NotNull(xml.Element("features")!.Element("acpi"));
        Assert.Equal("console=ttyS0 platform.marker=ok", xml.Element("os")!.Element("cmdline")!.Value);
        var disk = xml.Element("devices")!.Element("disk")!;
        Assert.Equal("/var/lib/libvirt/images/vol-1.qcow2", disk.Element("source")!.Attribute("file")!.Value);
        var nic = xml.Element("devices")!.Element("interface")!;
        Assert.Equal("openvswitch", nic.Element("virtualport")!.Attribute("type")!.Value);
        Assert.Equal("101", nic.Element("vlan")!.Element("tag")!.Attribute("id")!.Value);
        // No checksum offload to the host on the userspace switch (RealSshTests: TCP to a guest fails with it).
        Assert.Equal("off", nic.Element("driver")!.Element("host")!.Attribute("csum")!.Value);
        Assert.Equal("/var/log/platform/i-0123456789abcdef0.log", xml.Element("devices")!.Element("serial")!.Element("source")!.Attribute("path")!.Value);
    }

    [Fact]
    public void Given_values_with_markup_Then_they_are_escaped_not_injected()
    {
        var definition = new DomainDefinition { Name = "i-1</name><evil/>", MemoryMiB = 64, VirtualCpus = 1 };
        var xml = XElement.Parse(definition.ToXml());
        Assert.Equal("i-1</name><evil/>", xml.Element("name")!.Value);
        Assert.Empty(xml.Descendants("evil"));
    }
}
