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

    private HostReconciler Reconciler(TimeSpan? stopDeadline = null) =>
        new(_libvirt, new ReconcilerOptions { DomainType = "test", StopDeadline = stopDeadline ?? TimeSpan.FromSeconds(30) }, new SimulatedGuestImages(), _clock);

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
        // libvirt's simulated guests honour the ACPI request at once; a real busybox guest ignores it,
        // which the deadline covers: after it, the next apply powers the guest off.
        _clock.Advance(TimeSpan.FromSeconds(31));
        var stopped = reconciler.Apply(State(3, Instance("i-00000000000000001", DesiredPower.Stopped)));
        Assert.Equal(ObservedPower.Stopped, Assert.Single(stopped.Instances).Power);

        var started = reconciler.Apply(State(4, Instance("i-00000000000000001")));
        Assert.Equal(ObservedPower.Running, Assert.Single(started.Instances).Power);
    }

    [Fact]
    public void Given_one_instance_libvirt_refuses_Then_it_is_reported_and_the_others_applied()
    {
        var report = Reconciler().Apply(State(1, new DesiredInstance("i-0000000000000000b", 2, 0, DesiredPower.Running, Image, "console=ttyS0"), Instance("i-00000000000000001")));
        var fault = Assert.Single(report.Faults);
        Assert.Equal("i-0000000000000000b", fault.InstanceId);
        Assert.Contains(report.Instances, i => i.InstanceId == "i-00000000000000001" && i.Power == ObservedPower.Running);
    }

    public void Dispose()
    {
        _libvirt.Dispose();
        File.Delete(_hostFile);
    }
}
