using System.Xml.Linq;

namespace Platform.HostAgent.Libvirt.Tests;

/// <summary>
/// Statistics, metadata and reboots through our bindings on libvirt's simulated hypervisor (test:///default). Its
/// running domain <c>test</c> has a disk <c>vda</c>, a NIC <c>testnet0</c> and a balloon; the simulated counters grow
/// with the wall clock.
/// </summary>
public sealed class DomainStatisticsTests
{
    private const string TestHost = "test:///default";

    [Fact]
    public void Given_the_running_test_domain_Then_memory_disk_and_nic_counters_arrive_typed_and_grow()
    {
        using var connection = LibvirtConnection.Open(TestHost);
        using var domain = connection.FindDomain("test")!;

        var memory = domain.GetMemoryStats();
        Assert.Equal(2097152UL, memory.ActualKiB);
        Assert.NotNull(memory.RssKiB);
        Assert.NotNull(memory.AvailableKiB);

        var disk = domain.GetBlockStats("vda");
        Assert.True(disk.ReadBytes > 0 && disk.WriteBytes > 0 && disk.ReadRequests > 0 && disk.WriteRequests > 0, disk.ToString());
        var nic = domain.GetInterfaceStats("testnet0");
        Assert.True(nic.RxBytes > 0 && nic.TxBytes > 0 && nic.RxPackets > 0 && nic.TxPackets > 0, nic.ToString());

        Thread.Sleep(20);
        var all = domain.GetStatistics();
        Assert.Equal(DomainState.Running, all.Info.State);
        Assert.True(all.Info.CpuTime > TimeSpan.Zero);
        var vda = Assert.Single(all.Disks);
        Assert.Equal("vda", vda.Target);
        Assert.True(vda.Stats.ReadBytes > disk.ReadBytes, $"{vda.Stats.ReadBytes} after {disk.ReadBytes}");
        var testnet = Assert.Single(all.Interfaces);
        Assert.Equal(("testnet0", "aa:bb:cc:dd:ee:ff"), (testnet.Device, testnet.MacAddress));
        Assert.True(testnet.Stats.RxBytes > nic.RxBytes, $"{testnet.Stats.RxBytes} after {nic.RxBytes}");
        Assert.Equal(memory.ActualKiB, all.Memory.ActualKiB);
    }

    [Fact]
    public void Given_devices_the_domain_does_not_have_Then_libvirt_refuses_with_a_typed_error()
    {
        using var connection = LibvirtConnection.Open(TestHost);
        using var domain = connection.FindDomain("test")!;

        var disk = Assert.Throws<LibvirtException>(() => domain.GetBlockStats("vdz"));
        Assert.True(disk.Is(LibvirtErrorCode.InvalidArgument), $"code {disk.Code}: {disk.Message}");
        Assert.Contains("virDomainBlockStats(vdz)", disk.Message, StringComparison.Ordinal);
        var nic = Assert.Throws<LibvirtException>(() => domain.GetInterfaceStats("vnet9"));
        Assert.True(nic.Is(LibvirtErrorCode.InvalidArgument), $"code {nic.Code}: {nic.Message}");

        using var stopped = connection.DefineDomain(new DomainDefinition { Type = "test", Name = "i-0000000000000005a", MemoryMiB = 64, VirtualCpus = 1 }.ToXml());
        Assert.Null(stopped.Id);
        Assert.Throws<LibvirtException>(() => stopped.GetBlockStats("vda"));
    }

    [Fact]
    public void Given_a_domain_Then_its_id_is_new_at_every_start_and_none_while_shut_off()
    {
        using var connection = LibvirtConnection.Open(TestHost);
        using var domain = connection.DefineDomain(new DomainDefinition { Type = "test", Name = "i-0000000000000005b", MemoryMiB = 64, VirtualCpus = 1 }.ToXml());
        Assert.Null(domain.Id);
        domain.Start();
        var first = domain.Id;
        Assert.NotNull(first);
        domain.Reboot(RebootMethod.AcpiPowerButton);
        Assert.Equal(first, domain.Id);
        domain.Destroy();
        Assert.Null(domain.Id);
        domain.Start();
        Assert.NotEqual(first, domain.Id);
        domain.Destroy();
        domain.Undefine();
    }

    [Fact]
    public void Given_platform_metadata_Then_it_is_read_replaced_kept_in_the_persistent_definition_and_absent_in_other_namespaces()
    {
        using var connection = LibvirtConnection.Open(TestHost);
        using var domain = connection.DefineDomain(new DomainDefinition
        {
            Type = "test",
            Name = "i-0000000000000005c",
            MemoryMiB = 64,
            VirtualCpus = 1,
            Metadata = new Dictionary<string, string> { ["host"] = "h-1", ["image"] = "ami-1" },
        }.ToXml());
        domain.Start();

        var element = XElement.Parse(domain.GetMetadata(DomainDefinition.MetadataNamespace)!);
        Assert.Equal("h-1", (string?)element.Element("host"));
        Assert.Null(domain.GetMetadata("https://example.com/not-ours"));

        element.SetElementValue("reboots", "3");
        domain.SetMetadata(DomainDefinition.MetadataNamespace, "platform", element.ToString());
        Assert.Equal("3", (string?)XElement.Parse(domain.GetMetadata(DomainDefinition.MetadataNamespace)!).Element("reboots"));

        // Written to the live domain and its definition, in the platform namespace beside what was there.
        domain.Destroy();
        XNamespace platform = DomainDefinition.MetadataNamespace;
        var persistent = XDocument.Parse(domain.GetInactiveXml()).Descendants(platform + "instance").Single();
        Assert.Equal(["h-1", "ami-1", "3"], persistent.Elements().Select(e => e.Value));
        Assert.All(persistent.Elements(), e => Assert.Equal(platform, e.Name.Namespace));
        domain.Undefine();
    }
}
