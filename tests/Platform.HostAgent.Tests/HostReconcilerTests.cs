using System.Xml.Linq;
using Platform.HostAgent.Images;
using Platform.HostAgent.Libvirt;
using Platform.HostAgent.Protocol;
using Platform.HostAgent.Reconciliation;

namespace Platform.HostAgent.Tests;

/// <summary>The reconciler on libvirt's simulated hosts: each test gets its own host, described by its own XML.</summary>
public sealed class HostReconcilerTests : IDisposable
{
    private static readonly GuestImage Image = new("ami-00000000000000001", ImageFormat.Kernel);
    private readonly string _hostFile = Path.Combine(Path.GetTempPath(), $"platform-host-{Guid.NewGuid():N}.xml");
    private readonly LibvirtConnection _libvirt;
    private readonly ManualClock _clock = new();
    private readonly List<HostReconciler> _reconcilers = [];

    public HostReconcilerTests()
    {
        File.WriteAllText(_hostFile, """
            <node>
              <cpu><mhz>2400</mhz><model>simulated</model><active>16</active><max>16</max><nodes>1</nodes><sockets>2</sockets><cores>4</cores><threads>2</threads></cpu>
              <memory>67108864</memory>
            </node>
            """);
        _libvirt = LibvirtConnection.Open($"test://{_hostFile}");
    }

    /// <summary>A new reconciler, as a (re)started agent makes one; disposed with the test.</summary>
    private HostReconciler Reconciler(TimeSpan? stopDeadline = null)
    {
        var reconciler = new HostReconciler(_libvirt, new ReconcilerOptions { Owner = "host-1", DomainType = "test", StopDeadline = stopDeadline ?? TimeSpan.FromSeconds(30) },
            new SimulatedGuestImages(), _clock);
        _reconcilers.Add(reconciler);
        return reconciler;
    }

    private static DesiredInstance Instance(string id, DesiredPower power = DesiredPower.Running) => new(id, 2, 1024, power, Image, "console=ttyS0");

    private static HostDesiredState State(long version, params DesiredInstance[] instances) => new("host-1", version, instances);

    [Fact]
    public void Given_new_instances_Then_they_are_defined_and_started_and_reported_with_the_host_capacity()
    {
        var report = Reconciler().Apply(State(1, Instance("i-00000000000000001"), Instance("i-00000000000000002", DesiredPower.Stopped)));

        Assert.Equal(1, report.AppliedVersion);
        Assert.Empty(report.Faults);
        Assert.Equal(new HostCapacity(16, 65536, RunningDomains: 1), report.Capacity);
        Assert.Equal([new InstanceReport("i-00000000000000001", ObservedPower.Running), new InstanceReport("i-00000000000000002", ObservedPower.Stopped)], report.Instances);
    }

    [Fact]
    public void Given_an_instance_with_a_database_Then_its_domain_has_the_management_channel_and_an_ordinary_one_has_none()
    {
        var channels = Path.Combine(Path.GetTempPath(), $"platform-channels-{Guid.NewGuid():N}");
        var reconciler = new HostReconciler(_libvirt, new ReconcilerOptions { Owner = "host-1", DomainType = "test", ChannelDirectory = channels }, new SimulatedGuestImages(), _clock);
        _reconcilers.Add(reconciler);
        var database = new DesiredDatabase("orders", "db-A", "postgres", "15", "app", "password", 5432, "vol-1", new Dictionary<string, string>(), 1, new DatabaseTls("C", "K", "A"));
        try
        {
            Assert.Empty(reconciler.Apply(State(1, Instance("i-00000000000000001") with { Database = database }, Instance("i-00000000000000002"))).Faults);

            using var withDatabase = _libvirt.FindDomain("i-00000000000000001")!;
            var channel = Assert.Single(XDocument.Parse(withDatabase.GetXml()).Descendants("channel"));
            Assert.Equal("unix", channel.Attribute("type")?.Value);
            Assert.Equal(Path.Combine(channels, "i-00000000000000001.db.sock"), channel.Element("source")?.Attribute("path")?.Value);
            Assert.Equal("org.platform.database.0", channel.Element("target")?.Attribute("name")?.Value);
            Assert.True(Directory.Exists(channels));
            using var ordinary = _libvirt.FindDomain("i-00000000000000002")!;
            Assert.Empty(XDocument.Parse(ordinary.GetXml()).Descendants("channel"));
        }
        finally
        {
            Directory.Delete(channels, recursive: true);
        }
    }

    [Fact]
    public void Given_the_same_state_twice_Then_the_second_apply_changes_nothing()
    {
        var reconciler = Reconciler();
        var state = State(1, Instance("i-00000000000000001"));
        reconciler.Apply(state);
        Guid uuid;
        using (var domain = _libvirt.FindDomain("i-00000000000000001")!)
        {
            uuid = domain.Uuid;
        }

        var again = reconciler.Apply(state with { Version = 2 });
        Assert.Empty(again.Faults);
        Assert.Single(again.Instances);
        using var same = _libvirt.FindDomain("i-00000000000000001")!;
        Assert.Equal(uuid, same.Uuid);

        // A new agent (after a restart) finds the domain by its name instead of making a second one.
        var restarted = Reconciler().Apply(state with { Version = 3 });
        Assert.Single(restarted.Instances);
        Assert.Equal(1, _libvirt.ListDomains().Count(d => { using (d) { return d.Name == "i-00000000000000001"; } }));
    }

    [Fact]
    public void Given_an_instance_no_longer_desired_Then_it_is_removed_and_foreign_domains_are_left_alone()
    {
        var reconciler = Reconciler();
        reconciler.Apply(State(1, Instance("i-00000000000000001"), Instance("i-00000000000000002")));
        using (_libvirt.DefineDomain(new DomainDefinition { Type = "test", Name = "operator-vm", MemoryMiB = 64, VirtualCpus = 1 }.ToXml()))
        {
        }

        var report = reconciler.Apply(State(2, Instance("i-00000000000000002")));
        Assert.Equal(["i-00000000000000002"], report.Instances.Select(i => i.InstanceId));
        Assert.Null(_libvirt.FindDomain("i-00000000000000001"));
        Assert.NotNull(_libvirt.FindDomain("operator-vm"));
    }

    [Fact]
    public void Given_a_stop_Then_the_guest_is_asked_first_and_powered_off_after_the_deadline()
    {
        var reconciler = Reconciler(stopDeadline: TimeSpan.FromSeconds(30));
        reconciler.Apply(State(1, Instance("i-00000000000000001")));

        var stopping = reconciler.Apply(State(2, Instance("i-00000000000000001", DesiredPower.Stopped)));
        Assert.Empty(stopping.Faults);
        // libvirt's simulated guests honour the ACPI request at once; a guest that ignores it (hung, or booted with
        // platform.acpi=ignore) is covered by the deadline: after it, the next apply powers the guest off.
        _clock.Advance(TimeSpan.FromSeconds(31));
        var stopped = reconciler.Apply(State(3, Instance("i-00000000000000001", DesiredPower.Stopped)));
        Assert.Equal(ObservedPower.Stopped, Assert.Single(stopped.Instances).Power);

        // The API's start raises the start count.
        var started = reconciler.Apply(State(4, Instance("i-00000000000000001") with { StartCount = 1 }));
        Assert.Equal(ObservedPower.Running, Assert.Single(started.Instances).Power);
    }

    [Fact]
    public void Given_a_new_size_for_a_stopped_instance_Then_its_domain_is_redefined_with_it_keeping_its_identity_and_a_running_one_keeps_its_size()
    {
        var reconciler = Reconciler();
        var instance = Instance("i-00000000000000001");
        reconciler.Apply(State(1, instance));
        Guid uuid;
        using (var domain = _libvirt.FindDomain("i-00000000000000001")!)
        {
            uuid = domain.Uuid;
            // A disk attached since the launch (a volume; the simulated driver has no attach, so written into the definition) is part
            // of the definition the resize must keep.
            var definition = XDocument.Parse(domain.GetInactiveXml());
            definition.Root!.Element("devices")!.Add(XElement.Parse(new DiskDefinition("/var/lib/platform/vol-1.qcow2", "vdc").ToDeviceXml()));
            _libvirt.DefineDomain(definition.ToString()).Dispose();
        }

        // While it runs, a new size waits: the guest is not redefined under itself.
        Assert.Empty(reconciler.Apply(State(2, instance with { VirtualCpus = 1, MemoryMib = 2048 })).Faults);
        using (var domain = _libvirt.FindDomain("i-00000000000000001")!)
        {
            Assert.Equal((2, 1024UL * 1024), Size(domain.GetInfo()));
        }

        reconciler.Apply(State(3, instance with { Power = DesiredPower.Stopped }));
        _clock.Advance(TimeSpan.FromSeconds(31));
        reconciler.Apply(State(4, instance with { Power = DesiredPower.Stopped }));

        // Stopped, with t2.small's size: redefined over its definition, still shut off.
        var resized = instance with { Power = DesiredPower.Stopped, VirtualCpus = 1, MemoryMib = 2048 };
        var report = reconciler.Apply(State(5, resized));
        Assert.Empty(report.Faults);
        Assert.Equal(ObservedPower.Stopped, Assert.Single(report.Instances).Power);
        using (var domain = _libvirt.FindDomain("i-00000000000000001")!)
        {
            Assert.False(domain.IsActive);
            Assert.Equal(uuid, domain.Uuid);
            Assert.Equal((1, 2048UL * 1024), Size(domain.GetInfo()));
            var definition = XDocument.Parse(domain.GetInactiveXml()).Root!;
            Assert.Equal("2097152", definition.Element("currentMemory")?.Value);
            Assert.Contains(definition.Descendants("disk"), d => d.Element("target")?.Attribute("dev")?.Value == "vdc");
            Assert.Equal("host-1", definition.Element("metadata")?.Elements().Single().Elements().Single(e => e.Name.LocalName == "host").Value);
        }

        // The start boots it with the new size; the same state again redefines nothing.
        var started = reconciler.Apply(State(6, resized with { Power = DesiredPower.Running, StartCount = 1 }));
        Assert.Equal(ObservedPower.Running, Assert.Single(started.Instances).Power);
        using (var domain = _libvirt.FindDomain("i-00000000000000001")!)
        {
            Assert.Equal((1, 2048UL * 1024), Size(domain.GetInfo()));
            Assert.Equal(uuid, domain.Uuid);
            Assert.Null(DomainDefinition.Resized(domain.GetInactiveXml(), 1, 2048));
        }

        static (int VirtualCpus, ulong MemoryKiB) Size(DomainInfo info) => (info.VirtualCpus, info.MaxMemoryKiB);
    }

    [Fact]
    public void Given_a_guest_that_powers_itself_off_Then_it_stays_off_until_a_start_request_also_across_an_agent_restart()
    {
        var running = Instance("i-00000000000000001");
        var first = Reconciler();
        first.Apply(State(1, running));
        using (var domain = _libvirt.FindDomain("i-00000000000000001")!)
        {
            // What the guest's own poweroff looks like to libvirt: shut off with the reason "shutdown".
            domain.Shutdown();
        }

        // A look between rounds reports it as it is.
        Assert.Equal(ObservedPower.Stopped, Assert.Single(first.Observe()).Power);

        // Still desired running (the API has not heard yet), but it is not started again: it is reported stopped.
        var reconciler = Reconciler();
        Assert.Equal(ObservedPower.Stopped, Assert.Single(reconciler.Apply(State(2, running)).Instances).Power);
        Assert.Equal(ObservedPower.Stopped, Assert.Single(Reconciler().Apply(State(2, running)).Instances).Power);

        // The API's stop record, then a start: the raised count starts it.
        reconciler.Apply(State(3, running with { Power = DesiredPower.Stopped }));
        Assert.Equal(ObservedPower.Running, Assert.Single(reconciler.Apply(State(4, running with { StartCount = 1 })).Instances).Power);

        // Powered off from outside the guest (destroyed by an operator) is not the guest's doing: it is started again.
        using (var domain = _libvirt.FindDomain("i-00000000000000001")!)
        {
            domain.Destroy();
        }

        // A look before the next round (a report already under way when it was destroyed) leaves it out rather than call it
        // stopped, which the API would take for the guest's own poweroff and stop the instance for good.
        Assert.Empty(reconciler.Observe());
        Assert.Equal(ObservedPower.Running, Assert.Single(reconciler.Apply(State(5, running with { StartCount = 1 })).Instances).Power);
    }

    [Fact]
    public void Given_one_instance_libvirt_refuses_Then_it_is_reported_and_the_others_applied()
    {
        var report = Reconciler().Apply(State(1, new DesiredInstance("i-0000000000000000b", 2, 0, DesiredPower.Running, Image, "console=ttyS0"), Instance("i-00000000000000001")));
        var fault = Assert.Single(report.Faults);
        Assert.Equal("i-0000000000000000b", fault.InstanceId);
        Assert.Contains(report.Instances, i => i.InstanceId == "i-00000000000000001" && i.Power == ObservedPower.Running);
    }

    [Fact]
    public void Given_another_agents_instances_on_the_same_libvirt_Then_they_are_neither_reported_nor_removed_nor_taken_over()
    {
        using var other = new HostReconciler(_libvirt, new ReconcilerOptions { Owner = "host-2", DomainType = "test" }, new SimulatedGuestImages(), _clock);
        other.Apply(new HostDesiredState("host-2", 1, [Instance("i-0000000000000000c")]));

        var mine = Reconciler();
        var report = mine.Apply(State(1, Instance("i-00000000000000001")));
        Assert.Equal(["i-00000000000000001"], report.Instances.Select(i => i.InstanceId));
        Assert.NotNull(_libvirt.FindDomain("i-0000000000000000c"));

        var clash = mine.Apply(State(2, Instance("i-0000000000000000c")));
        Assert.Equal("i-0000000000000000c", Assert.Single(clash.Faults).InstanceId);
        Assert.Equal(["i-0000000000000000c"], other.Observe().Select(i => i.InstanceId));
    }

    [Fact]
    public void Given_a_reboot_Then_the_guest_is_asked_first_reset_after_the_deadline_and_the_count_kept_in_the_domain()
    {
        var reconciler = Reconciler();
        reconciler.Apply(State(1, Instance("i-00000000000000001")));
        Assert.Equal((0, null), Reboots("i-00000000000000001"));
        Assert.False(reconciler.StopsPending);

        var asked = reconciler.Apply(State(2, Instance("i-00000000000000001") with { RebootCount = 1 }));
        Assert.Empty(asked.Faults);
        // libvirt's simulated guests give no sign of going down, so the reboot waits for its deadline.
        Assert.Equal((0, 1), Reboots("i-00000000000000001"));
        Assert.True(reconciler.StopsPending);
        var askedAt = AskedAt("i-00000000000000001");

        _clock.Advance(TimeSpan.FromSeconds(10));
        reconciler.Apply(State(2, Instance("i-00000000000000001") with { RebootCount = 1 }));
        Assert.Equal((0, 1), Reboots("i-00000000000000001"));
        Assert.Equal(askedAt, AskedAt("i-00000000000000001"));

        _clock.Advance(TimeSpan.FromSeconds(21));
        var reset = reconciler.Apply(State(2, Instance("i-00000000000000001") with { RebootCount = 1 }));
        Assert.Empty(reset.Faults);
        Assert.Equal(ObservedPower.Running, Assert.Single(reset.Instances).Power);
        Assert.Equal((1, null), Reboots("i-00000000000000001"));
        Assert.False(reconciler.StopsPending);

        reconciler.Apply(State(3, Instance("i-00000000000000001") with { RebootCount = 1 }));
        Assert.Equal((1, null), Reboots("i-00000000000000001"));
    }

    [Fact]
    public void Given_agent_restarts_before_and_during_a_reboot_Then_it_is_asked_once_and_carried_out_once()
    {
        Reconciler().Apply(State(1, Instance("i-00000000000000001")));

        // The reboot is asked while the agent is down: the next agent finds the count in the domain and carries it out.
        var afterRestart = Reconciler();
        afterRestart.Apply(State(2, Instance("i-00000000000000001") with { RebootCount = 1 }));
        Assert.Equal((0, 1), Reboots("i-00000000000000001"));
        var askedAt = AskedAt("i-00000000000000001");

        // Restarted again mid-reboot: the request is not made a second time, and its deadline runs from the first.
        _clock.Advance(TimeSpan.FromSeconds(20));
        var midReboot = Reconciler();
        midReboot.Apply(State(2, Instance("i-00000000000000001") with { RebootCount = 1 }));
        Assert.Equal(askedAt, AskedAt("i-00000000000000001"));
        Assert.True(midReboot.StopsPending);
        _clock.Advance(TimeSpan.FromSeconds(11));
        midReboot.Apply(State(2, Instance("i-00000000000000001") with { RebootCount = 1 }));
        Assert.Equal((1, null), Reboots("i-00000000000000001"));

        var later = Reconciler();
        later.Apply(State(3, Instance("i-00000000000000001") with { RebootCount = 1 }));
        Assert.Equal((1, null), Reboots("i-00000000000000001"));
        Assert.False(later.StopsPending);
    }

    [Fact]
    public void Given_reboots_asked_of_a_stopped_or_new_or_stopping_guest_Then_its_next_boot_carries_them_out()
    {
        var reconciler = Reconciler();
        // A new instance with reboots already asked (asked while pending): its first boot owes none.
        reconciler.Apply(State(1, Instance("i-00000000000000001") with { RebootCount = 2 }, Instance("i-00000000000000002", DesiredPower.Stopped)));
        Assert.Equal((2, null), Reboots("i-00000000000000001"));
        Assert.False(reconciler.StopsPending);

        // Asked, then stopped before the deadline: the stop drops the request.
        reconciler.Apply(State(2, Instance("i-00000000000000001") with { RebootCount = 3 }));
        Assert.Equal((2, 3), Reboots("i-00000000000000001"));
        reconciler.Apply(State(3, Instance("i-00000000000000001", DesiredPower.Stopped) with { RebootCount = 3 }));
        Assert.Equal((3, null), Reboots("i-00000000000000001"));

        // A stopped guest's count follows what is asked, and starting it reboots nothing.
        reconciler.Apply(State(4, Instance("i-00000000000000002", DesiredPower.Stopped) with { RebootCount = 1 }));
        Assert.Equal((1, null), Reboots("i-00000000000000002"));
        reconciler.Apply(State(5, Instance("i-00000000000000002") with { RebootCount = 1 }));
        Assert.Equal((1, null), Reboots("i-00000000000000002"));
        Assert.False(reconciler.StopsPending);
    }

    [Fact]
    public void Given_a_domain_from_an_agent_that_kept_no_reboot_count_Then_the_count_asked_now_is_taken_without_a_reboot()
    {
        var reconciler = Reconciler();
        reconciler.Apply(State(1, Instance("i-00000000000000001")));
        using (var domain = _libvirt.FindDomain("i-00000000000000001")!)
        {
            var element = XElement.Parse(domain.GetMetadata(DomainDefinition.MetadataNamespace)!);
            element.Element("reboots")!.Remove();
            domain.SetMetadata(DomainDefinition.MetadataNamespace, "platform", element.ToString());
        }

        Assert.Equal((null, null), Reboots("i-00000000000000001"));
        Reconciler().Apply(State(2, Instance("i-00000000000000001") with { RebootCount = 4 }));
        Assert.Equal((4, null), Reboots("i-00000000000000001"));
    }

    [Fact]
    public void Given_running_instances_Then_the_report_carries_their_counters_and_none_for_stopped_ones()
    {
        var reconciler = Reconciler();
        var report = reconciler.WithUsage(reconciler.Apply(State(1, Instance("i-00000000000000001"), Instance("i-00000000000000002", DesiredPower.Stopped))));

        var running = report.Instances.Single(i => i.InstanceId == "i-00000000000000001").Usage;
        Assert.NotNull(running);
        Assert.Equal(2, running.VirtualCpus);
        Assert.True(running.CpuTimeNanoseconds > 0);
        Assert.NotNull(running.DomainId);
        Assert.Equal(_clock.GetUtcNow(), running.SampledAt);
        // The simulated host counts the config drive's I/O; it has no NICs (no switch).
        var disk = Assert.Single(running.Disks!);
        Assert.Equal("vda", disk.Device);
        Assert.True(disk.ReadBytes > 0 && disk.WriteRequests > 0, disk.ToString());
        Assert.Empty(running.Interfaces!);
        Assert.Null(report.Instances.Single(i => i.InstanceId == "i-00000000000000002").Usage);
    }

    private (int? Done, int? Asked) Reboots(string instanceId)
    {
        var element = Metadata(instanceId);
        return ((int?)element.Element("reboots"), (int?)element.Element("reboot-asked")?.Attribute("count"));
    }

    private string? AskedAt(string instanceId) => (string?)Metadata(instanceId).Element("reboot-asked")?.Attribute("at");

    private XElement Metadata(string instanceId)
    {
        using var domain = _libvirt.FindDomain(instanceId)!;
        return XElement.Parse(domain.GetMetadata(DomainDefinition.MetadataNamespace)!);
    }

    public void Dispose()
    {
        foreach (var reconciler in _reconcilers)
        {
            reconciler.Dispose();
        }

        _libvirt.Dispose();
        File.Delete(_hostFile);
    }
}
