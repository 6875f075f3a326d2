using System.Xml.Linq;

namespace Platform.HostAgent.Libvirt.Tests;

/// <summary>
/// Our bindings against libvirt's own simulated hypervisor (test:///default): real libvirt, no daemon.
/// Each connection to test:///default starts from the same fresh state, so tests do not share domains.
/// </summary>
public sealed class TestHostTests
{
    private const string TestHost = "test:///default";

    private static DomainDefinition Domain(string name) => new()
    {
        Type = "test",
        Name = name,
        MemoryMiB = 128,
        VirtualCpus = 1,
        Metadata = new Dictionary<string, string> { ["account"] = "123456789012" },
    };

    [Fact]
    public void Given_the_test_host_Then_it_reports_its_capacity()
    {
        using var connection = LibvirtConnection.Open(TestHost);
        var node = connection.GetNodeInfo();
        Assert.True(node.Cpus > 0);
        Assert.True(node.MemoryKiB > 0);
        Assert.False(string.IsNullOrEmpty(connection.Hostname));
        Assert.True(connection.LibraryVersion >= 9_000_000, $"libvirt {connection.LibraryVersion}");
    }

    [Fact]
    public void Given_a_definition_Then_the_domain_is_defined_started_stopped_and_undefined()
    {
        using var connection = LibvirtConnection.Open(TestHost);
        using (var domain = connection.DefineDomain(Domain("i-0123456789abcdef0").ToXml()))
        {
            Assert.Equal("i-0123456789abcdef0", domain.Name);
            Assert.False(domain.IsActive);
            Assert.Equal(DomainState.ShutOff, domain.GetInfo().State);

            domain.Start();
            var info = domain.GetInfo();
            Assert.Equal(DomainState.Running, info.State);
            Assert.Equal(128UL * 1024, info.MaxMemoryKiB);
            Assert.Equal(1, info.VirtualCpus);

            var xml = XDocument.Parse(domain.GetXml());
            XNamespace platform = DomainDefinition.MetadataNamespace;
            Assert.Equal("123456789012", xml.Descendants(platform + "account").Single().Value);

            domain.Destroy();
            Assert.Equal(DomainState.ShutOff, domain.GetInfo().State);
            domain.Undefine();
        }

        Assert.Null(connection.FindDomain("i-0123456789abcdef0"));
    }

    [Fact]
    public void Given_a_domain_shut_off_in_different_ways_Then_its_state_tells_why()
    {
        using var connection = LibvirtConnection.Open(TestHost);
        using var domain = connection.DefineDomain(Domain("i-0123456789abcdef1").ToXml());
        try
        {
            domain.Start();
            Assert.Equal(new DomainStateReason(DomainState.Running, 1), domain.GetState());
            Assert.Null(domain.GetState().ShutOff);

            domain.Shutdown();
            Assert.Equal(ShutOffReason.Shutdown, domain.GetState().ShutOff);

            domain.Start();
            domain.Destroy();
            Assert.Equal(ShutOffReason.Destroyed, domain.GetState().ShutOff);
        }
        finally
        {
            domain.Undefine();
        }
    }

    [Fact]
    public void Given_an_existing_domain_Then_it_is_found_by_name_and_listed()
    {
        using var connection = LibvirtConnection.Open(TestHost);
        using var defined = connection.DefineDomain(Domain("i-00000000000000001").ToXml());
        using var found = connection.FindDomain("i-00000000000000001");
        Assert.NotNull(found);
        Assert.Equal(defined.Uuid, found!.Uuid);
        var names = connection.ListDomains().Select(d => { using (d) { return d.Name; } }).ToList();
        Assert.Contains("i-00000000000000001", names);
        Assert.Contains("test", names);
    }

    [Fact]
    public void Given_bad_input_Then_libvirt_errors_arrive_as_typed_exceptions()
    {
        using var connection = LibvirtConnection.Open(TestHost);
        var malformed = Assert.Throws<LibvirtException>(() => connection.DefineDomain("<domain type='test'><name>x</name>"));
        Assert.True(malformed.Is(LibvirtErrorCode.XmlError) || malformed.Is(LibvirtErrorCode.XmlDetail), $"code {malformed.Code}: {malformed.Message}");

        using var domain = connection.DefineDomain(Domain("i-00000000000000002").ToXml());
        domain.Start();
        var twice = Assert.Throws<LibvirtException>(domain.Start);
        // The QEMU driver says OperationInvalid, the test driver InternalError; both name the domain.
        Assert.True(twice.Is(LibvirtErrorCode.OperationInvalid) || twice.Is(LibvirtErrorCode.InternalError), $"code {twice.Code}: {twice.Message}");
        Assert.Contains("already running", twice.Message, StringComparison.Ordinal);
        domain.Destroy();

        Assert.Throws<LibvirtException>(() => LibvirtConnection.Open("nosuchdriver:///x"));
    }

    [Fact]
    public void Given_a_closed_connection_Then_objects_still_held_keep_it_alive()
    {
        var connection = LibvirtConnection.Open(TestHost);
        using var domain = connection.FindDomain("test")!;
        connection.Dispose();
        Assert.Equal("test", domain.Name);
        Assert.Equal(DomainState.Running, domain.GetInfo().State);
    }

    [Fact]
    public void Given_a_storage_pool_Then_volumes_are_created_cloned_found_and_deleted()
    {
        using var connection = LibvirtConnection.Open(TestHost);
        using var pool = connection.FindStoragePool("default-pool");
        Assert.NotNull(pool);
        Assert.Null(connection.FindStoragePool("no-such-pool"));

        const string volumeXml = "<volume><name>vol-0123456789abcdef0</name><capacity unit='GiB'>1</capacity></volume>";
        using (var volume = pool!.CreateVolume(volumeXml))
        {
            Assert.EndsWith("vol-0123456789abcdef0", volume.Path, StringComparison.Ordinal);
            Assert.Equal(1UL << 30, volume.GetInfo().CapacityBytes);
            using var clone = pool.CloneVolume("<volume><name>vol-clone</name><capacity unit='GiB'>1</capacity></volume>", volume);
            Assert.NotNull(pool.FindVolume("vol-clone"));
            volume.Delete();
        }

        Assert.Null(pool.FindVolume("vol-0123456789abcdef0"));
    }
}

public sealed class DomainEventTests
{
    [Fact]
    public async Task Given_a_subscription_Then_start_and_stop_arrive_as_events_without_polling()
    {
        using var connection = LibvirtConnection.Open("test:///default");
        var events = System.Threading.Channels.Channel.CreateUnbounded<DomainLifecycleEvent>();
        using (connection.SubscribeLifecycleEvents(events.Writer))
        {
            using var domain = connection.DefineDomain(new DomainDefinition { Type = "test", Name = "i-0000000000000000e", MemoryMiB = 64, VirtualCpus = 1 }.ToXml());
            domain.Start();
            domain.Destroy();

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var seen = new List<DomainLifecycleEvent>();
            while (!seen.Exists(e => e.Event == DomainLifecycle.Stopped))
            {
                seen.Add(await events.Reader.ReadAsync(timeout.Token));
            }

            Assert.Equal([DomainLifecycle.Defined, DomainLifecycle.Started, DomainLifecycle.Stopped], seen.Select(e => e.Event));
            Assert.All(seen, e => Assert.Equal("i-0000000000000000e", e.DomainName));
        }
    }
}
