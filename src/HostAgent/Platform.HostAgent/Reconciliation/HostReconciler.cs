using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Platform.HostAgent.Databases;
using Platform.HostAgent.Images;
using Platform.HostAgent.Libvirt;
using Platform.HostAgent.OpenVSwitch;
using Platform.HostAgent.Protocol;
using Platform.HostAgent.Usage;

namespace Platform.HostAgent.Reconciliation;

public sealed class ReconcilerOptions
{
    /// <summary>
    /// The host id this agent serves. Domains it defines carry it in their metadata, and it manages only
    /// those: another agent on the same libvirt (another cloud, a test) and operators' own domains are left alone.
    /// </summary>
    public required string Owner { get; init; }

    /// <summary>libvirt domain type: <c>qemu</c> (TCG), <c>kvm</c>, or <c>test</c> on simulated hosts.</summary>
    public string DomainType { get; init; } = "qemu";

    /// <summary>Where each guest's serial console is written, one file per instance.</summary>
    public string? ConsoleDirectory { get; init; }

    /// <summary>
    /// Where the host ends of database guests' management channels are (one unix socket per instance with
    /// <see cref="DesiredInstance.Database"/>); null: no channel (simulated hosts).
    /// </summary>
    public string? ChannelDirectory { get; init; }

    /// <summary>How long a guest gets to shut down after the ACPI request before it is powered off.</summary>
    public TimeSpan StopDeadline { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The Open vSwitch integration bridge guest NICs join; null: guests get no NIC (simulated hosts, no switch).</summary>
    public string? Bridge { get; init; }

    /// <summary>
    /// How many instances are converged at once: a batch of launches starts its guests side by side instead of one
    /// QEMU start after another (as nova's max_concurrent_builds). Each instance is still converged by one thread.
    /// </summary>
    public int Parallelism { get; init; } = 4;
}

/// <summary>
/// Converges one host's libvirt to a desired state. Idempotent: applying the same state twice changes
/// nothing the second time. It manages only domains named like instances (<c>i-</c> and 17 hex digits),
/// so other domains on the host are left alone. A fault on one instance is reported and the rest applied.
/// </summary>
public sealed partial class HostReconciler(LibvirtConnection libvirt, ReconcilerOptions options, IGuestImages images, TimeProvider clock) : IDisposable
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _stopsRequested = new(StringComparer.Ordinal);

    /// <summary>Whether a domain (by UUID) is ours, read once from its metadata.</summary>
    private readonly ConcurrentDictionary<Guid, bool> _owned = [];

    /// <summary>Instances whose guest was asked to reboot and has not been seen going down yet (the request itself is in the domain's metadata).</summary>
    private readonly ConcurrentDictionary<string, bool> _rebootsAsked = new(StringComparer.Ordinal);

    private readonly GuestResets _resets = new(libvirt);

    /// <summary>The instances of the last desired state applied, by id: what a look between rounds judges a shut-off guest by.</summary>
    private IReadOnlyDictionary<string, DesiredInstance> _wanted = new Dictionary<string, DesiredInstance>(StringComparer.Ordinal);

    private readonly InstanceUsageSampler _usage = new(libvirt, clock);

    /// <summary>Whether a guest is between an ACPI request (shutdown or reboot) and its deadline: the caller should apply again soon.</summary>
    public bool StopsPending => !_stopsRequested.IsEmpty || !_rebootsAsked.IsEmpty;

    public void Dispose() => _resets.Dispose();

    /// <param name="waitingImages">
    /// Images of the state that are not on this host yet, each with why it cannot be had (null while it is being fetched).
    /// An instance of such an image that has no domain yet waits (or fails, with the reason); one with a domain is
    /// converged, as its disks are here already.
    /// </param>
    public HostReport Apply(HostDesiredState desired, IReadOnlyDictionary<string, string?>? waitingImages = null)
    {
        var faults = new List<InstanceFault>();
        var wanted = desired.Instances.ToDictionary(i => i.InstanceId, StringComparer.Ordinal);
        Volatile.Write(ref _wanted, wanted);
        _resets.Collect();

        foreach (var domain in libvirt.ListDomains())
        {
            using (domain)
            {
                var name = domain.Name;
                if (!wanted.ContainsKey(name) && Vanishing(() => IsOurs(domain, name)))
                {
                    Guard(faults, name, () => Remove(domain));
                }
            }
        }

        Parallel.ForEach(desired.Instances, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism) },
            instance => Guard(faults, instance.InstanceId, () =>
            {
                if (waitingImages is not null && waitingImages.TryGetValue(instance.Image.ImageId, out var failure) && !IsDefined(instance.InstanceId))
                {
                    if (failure is not null)
                    {
                        throw new InvalidOperationException($"The image {instance.Image.ImageId} cannot be used on this server: {failure}");
                    }

                    return;
                }

                Converge(instance);
            }));

        var faulted = faults.Select(f => f.InstanceId).ToHashSet(StringComparer.Ordinal);
        var observed = Observe(faulted);
        return new HostReport(desired.HostId, desired.Version, Capacity(libvirt, images, observed), observed,
            [.. faults.OrderBy(f => f.InstanceId, StringComparer.Ordinal)]);
    }

    /// <summary>What runs here now, without changing anything: for heartbeats between desired states.</summary>
    public IReadOnlyList<InstanceReport> Observe() => Observe(new HashSet<string>(StringComparer.Ordinal));

    /// <summary>
    /// What runs here now. A guest that is off but not by itself while it should run (destroyed from outside, by an
    /// operator or a daemon's restart, since this round started it) is left out: the next round starts it again, and a
    /// "stopped" in the report would read to the API as the guest's own shutdown, which stops the instance for good. One
    /// the round could not start (<paramref name="faulted"/>) is reported as it is, beside its fault.
    /// </summary>
    private List<InstanceReport> Observe(HashSet<string> faulted)
    {
        var wanted = Volatile.Read(ref _wanted);
        var reports = new List<InstanceReport>();
        foreach (var domain in libvirt.ListDomains())
        {
            using (domain)
            {
                var name = domain.Name;
                if (Vanishing(() => IsOurs(domain, name) ? Report(domain, name) : null) is { } report)
                {
                    reports.Add(report);
                }
            }
        }

        return reports.OrderBy(r => r.InstanceId, StringComparer.Ordinal).ToList();

        InstanceReport? Report(LibvirtDomain domain, string name)
        {
            var state = domain.GetState();
            return state.State == DomainState.ShutOff && !faulted.Contains(name) && wanted.TryGetValue(name, out var instance)
                && instance.Power == DesiredPower.Running && !PoweredOffByItself(domain, instance)
                ? null
                : new InstanceReport(name, Power(state));
        }
    }

    public HostCapacity Capacity() => Capacity(libvirt, images, Observe());

    /// <summary>The report with each running instance's counters (CPU, memory, disks, NICs) read now: the heartbeat's usage.</summary>
    public HostReport WithUsage(HostReport report) => _usage.Attach(report);

    /// <summary>The server's size and free pool space, also before the agent has an identity (enrolment).</summary>
    public static HostCapacity Capacity(LibvirtConnection libvirt, IGuestImages images) => Capacity(libvirt, images, []);

    private static HostCapacity Capacity(LibvirtConnection libvirt, IGuestImages images, IReadOnlyList<InstanceReport> observed)
    {
        var node = libvirt.GetNodeInfo();
        var (disk, free) = images.Capacity();
        var running = observed.Count(i => i.Power == ObservedPower.Running);
        return new HostCapacity((int)node.Cpus, (long)(node.MemoryKiB / 1024), disk, free, running);
    }

    private void Converge(DesiredInstance instance)
    {
        using var domain = libvirt.FindDomain(instance.InstanceId) ?? libvirt.DefineDomain(Definition(instance).ToXml());
        if (!IsOurs(domain, instance.InstanceId))
        {
            throw new InvalidOperationException($"A domain named {instance.InstanceId} exists on this server but is not this agent's.");
        }

        var active = domain.IsActive;
        if (!active && DomainDefinition.Resized(domain.GetInactiveXml(), instance.VirtualCpus, instance.MemoryMib) is { } resized)
        {
            // EC2's change of a stopped instance's type: its definition takes the new size (over what it has, its disks attached
            // since included), which its next start boots with. A running guest keeps its size until it is stopped.
            libvirt.DefineDomain(resized).Dispose();
        }

        var reboots = RebootRecord.Read(domain);
        if (instance.Power == DesiredPower.Running)
        {
            _stopsRequested.TryRemove(instance.InstanceId, out _);
            if (!active)
            {
                if (PoweredOffByItself(domain, instance))
                {
                    // EC2: an instance whose OS shuts down stops. It is reported stopped (or crashed) and stays off until
                    // a start request raises the start count.
                    return;
                }

                domain.Start();
                // A fresh boot carries out every reboot asked until now.
                Settle(domain, reboots, instance.RebootCount);
                StartRecord.Write(domain, instance.StartCount);
            }
            else
            {
                Reboot(domain, instance, reboots);
            }

            return;
        }

        // A guest that stops boots afresh at its next start: reboots asked until now are moot.
        Settle(domain, reboots, instance.RebootCount);
        if (!active)
        {
            _stopsRequested.TryRemove(instance.InstanceId, out _);
            return;
        }

        // EC2's stop: ask the guest first, pull the plug once the deadline has passed.
        var now = clock.GetUtcNow();
        if (!_stopsRequested.TryGetValue(instance.InstanceId, out var requested))
        {
            _stopsRequested[instance.InstanceId] = now;
            domain.Shutdown();
        }
        else if (now - requested >= options.StopDeadline)
        {
            domain.Destroy();
            _stopsRequested.TryRemove(instance.InstanceId, out _);
        }
    }

    /// <summary>
    /// Whether the guest went down by itself (powered off, or crashed) after this agent started it for the current start
    /// count. A domain never started (just defined), one this agent stopped (destroyed, or the user's stop through ACPI
    /// before a new start) or one whose daemon lost its state (a restarted server) is not: those are started.
    /// </summary>
    private static bool PoweredOffByItself(LibvirtDomain domain, DesiredInstance instance) =>
        domain.GetState().ShutOff is ShutOffReason.Shutdown or ShutOffReason.Crashed
        && StartRecord.Read(domain) is { } started && started >= instance.StartCount;

    /// <summary>
    /// EC2's reboot: the guest is asked through the ACPI power button (it shuts down and libvirt starts it again);
    /// one that has not gone down by the stop deadline is reset. The reboot count carried out and a request under
    /// way live in the domain's metadata, so a restarted agent neither loses a reboot nor repeats one.
    /// </summary>
    private void Reboot(LibvirtDomain domain, DesiredInstance instance, RebootRecord reboots)
    {
        var name = instance.InstanceId;
        if (reboots.Done is not { } done)
        {
            // A domain from an agent that kept no count: what is asked now is its starting point.
            Settle(domain, reboots, instance.RebootCount);
            return;
        }

        var now = clock.GetUtcNow();
        if (reboots.Asked is not { } asked)
        {
            if (instance.RebootCount <= done)
            {
                return;
            }

            // Recorded before asking: an agent that dies in between still finishes this reboot (by reset, at the deadline).
            _resets.Forget(name);
            reboots.With(done, new RebootRequest(instance.RebootCount, now)).Write(domain);
            _rebootsAsked[name] = true;
            domain.Reboot(RebootMethod.AcpiPowerButton);
            return;
        }

        _rebootsAsked[name] = true;
        if (_resets.WentDown(name))
        {
            Complete(domain, reboots, asked.Count);
        }
        else if (now - asked.At >= options.StopDeadline)
        {
            // The guest ignored the button (a hung or minimal guest): press reset, as EC2's hard reboot does.
            domain.Reset();
            Complete(domain, reboots, asked.Count);
        }
    }

    private void Complete(LibvirtDomain domain, RebootRecord reboots, int count)
    {
        var name = domain.Name;
        reboots.With(count, null).Write(domain);
        _rebootsAsked.TryRemove(name, out _);
        _resets.Forget(name);
    }

    /// <summary>Records that the guest owes no reboot up to <paramref name="count"/> (it booted or stops), dropping a request under way.</summary>
    private void Settle(LibvirtDomain domain, RebootRecord reboots, int count)
    {
        _rebootsAsked.TryRemove(domain.Name, out _);
        if (reboots.Done != count || reboots.Asked is not null)
        {
            reboots.With(count, null).Write(domain);
        }
    }

    private bool IsDefined(string instanceId)
    {
        using var domain = libvirt.FindDomain(instanceId);
        return domain is not null;
    }

    private void Remove(LibvirtDomain domain)
    {
        if (domain.IsActive)
        {
            domain.Destroy();
        }

        var name = domain.Name;
        _stopsRequested.TryRemove(name, out _);
        _rebootsAsked.TryRemove(name, out _);
        _resets.Forget(name);
        domain.Undefine();
        images.DeleteInstanceDisks(name);
    }

    private DomainDefinition Definition(DesiredInstance instance)
    {
        var boot = images.Prepare(instance.InstanceId, instance.Image);
        if (instance.Database is not null && options.ChannelDirectory is not null)
        {
            // QEMU makes the socket when the guest starts; the directory must be there by then.
            Directory.CreateDirectory(options.ChannelDirectory);
        }

        return new DomainDefinition
        {
            Type = options.DomainType,
            Name = instance.InstanceId,
            MemoryMiB = instance.MemoryMib,
            VirtualCpus = instance.VirtualCpus,
            Kernel = boot.KernelPath is { } kernel ? new DirectKernelBoot(kernel, boot.InitrdPath, instance.CommandLine) : null,
            // The root disk (qcow2 images), then the config drive read-only: vda and vdb, or vda alone for kernel images.
            Disks = [.. boot.RootDiskPath is { } root ? [new DiskDefinition(root, "vda")] : Array.Empty<DiskDefinition>(),
                new DiskDefinition(images.PrepareConfigDrive(instance), boot.RootDiskPath is null ? "vda" : "vdb", Format: "raw", ReadOnly: true)],
            Interfaces = options.Bridge is not { } bridge ? [] : (instance.Interfaces ?? []).Select(nic => new InterfaceDefinition(bridge, nic.MacAddress,
                InterfaceId: GuestInterfaceId.For(nic.InterfaceId), TargetDevice: GuestInterfaceId.TapName(nic.InterfaceId))).ToList(),
            SerialLogPath = options.ConsoleDirectory is null ? null : Path.Combine(options.ConsoleDirectory, $"{instance.InstanceId}.log"),
            Channels = instance.Database is null || options.ChannelDirectory is null ? []
                : [new ChannelDefinition(DatabaseChannel.SocketPath(options.ChannelDirectory, instance.InstanceId), DatabaseChannel.PortName)],
            Metadata = new Dictionary<string, string>
            {
                [OwnerElement] = options.Owner,
                ["image"] = instance.Image.ImageId,
                // A new guest boots now: it owes none of the reboots asked before.
                [RebootRecord.DoneElement] = instance.RebootCount.ToString(CultureInfo.InvariantCulture),
                // Started at once for this count (a define and start cut off by a crash in between is started for it too).
                [StartRecord.Element] = instance.StartCount.ToString(CultureInfo.InvariantCulture),
            },
        };
    }

    private static ObservedPower Power(DomainStateReason state) => state.ShutOff == ShutOffReason.Crashed ? ObservedPower.Crashed : Power(state.State);

    private static ObservedPower Power(DomainState state) => state switch
    {
        DomainState.Running or DomainState.Blocked => ObservedPower.Running,
        DomainState.ShuttingDown => ObservedPower.Stopping,
        DomainState.Paused or DomainState.Suspended => ObservedPower.Paused,
        DomainState.Crashed => ObservedPower.Crashed,
        _ => ObservedPower.Stopped,
    };

    private static void Guard(List<InstanceFault> faults, string instanceId, Action work)
    {
        try
        {
            work();
        }
        catch (Exception e) when (e is LibvirtException or IOException or InvalidOperationException or InvalidDataException)
        {
            lock (faults)
            {
                faults.Add(new InstanceFault(instanceId, e.Message));
            }
        }
    }

    private const string OwnerElement = "host";

    /// <summary>
    /// A look at a listed domain, or the default when it was undefined between the listing and the look (the agent's
    /// own removal of a terminated instance, or anyone else's on a shared libvirt): a domain that is gone is not there.
    /// </summary>
    private static T? Vanishing<T>(Func<T> look)
    {
        try
        {
            return look();
        }
        catch (LibvirtException e) when (e.Is(LibvirtErrorCode.NoDomain))
        {
            return default;
        }
    }

    private bool IsOurs(LibvirtDomain domain, string name)
    {
        if (!InstanceName().IsMatch(name))
        {
            return false;
        }

        var uuid = domain.Uuid;
        if (!_owned.TryGetValue(uuid, out var ours))
        {
            XNamespace platform = DomainDefinition.MetadataNamespace;
            var owner = XDocument.Parse(domain.GetXml()).Root?.Element("metadata")?.Element(platform + "instance")?.Element(platform + OwnerElement)?.Value;
            _owned[uuid] = ours = owner == options.Owner;
        }

        return ours;
    }

    [GeneratedRegex("^i-[0-9a-f]{17}$")]
    private static partial Regex InstanceName();
}
