using System.Runtime.InteropServices;
using Platform.HostAgent.Libvirt.Interop;

namespace Platform.HostAgent.Libvirt;

/// <summary>libvirt's virDomainState.</summary>
public enum DomainState
{
    NoState = 0,
    Running = 1,
    Blocked = 2,
    Paused = 3,
    ShuttingDown = 4,
    ShutOff = 5,
    Crashed = 6,
    Suspended = 7,
}

/// <summary>Why a domain is shut off (virDomainShutoffReason).</summary>
public enum ShutOffReason
{
    Unknown = 0,

    /// <summary>The guest powered off: by itself, or asked through ACPI.</summary>
    Shutdown = 1,

    /// <summary>Stopped by virDomainDestroy.</summary>
    Destroyed = 2,

    /// <summary>The guest crashed (with on_crash destroy).</summary>
    Crashed = 3,
    Migrated = 4,
    Saved = 5,

    /// <summary>QEMU failed to start or died.</summary>
    Failed = 6,
    FromSnapshot = 7,
    Daemon = 8,
}

/// <summary>A domain's state and, for <see cref="DomainState.ShutOff"/>, the reason as <see cref="ShutOffReason"/> (otherwise the raw reason of that state).</summary>
public sealed record DomainStateReason(DomainState State, int Reason)
{
    public ShutOffReason? ShutOff => State == DomainState.ShutOff ? (ShutOffReason)Reason : null;
}

public sealed record DomainInfo(DomainState State, ulong MaxMemoryKiB, ulong MemoryKiB, int VirtualCpus, TimeSpan CpuTime);

/// <summary>How a guest is asked to reboot (virDomainRebootFlagValues).</summary>
public enum RebootMethod : uint
{
    /// <summary>The hypervisor's choice (QEMU: the guest agent when there is one, else the ACPI power button).</summary>
    Default = 0,

    /// <summary>
    /// The ACPI power button: the guest shuts down as it would for a stop, and QEMU's libvirt starts it again
    /// instead of ending it. A guest that ignores the button does not reboot; callers pair it with a deadline and <see cref="LibvirtDomain.Reset"/>.
    /// </summary>
    AcpiPowerButton = 1,

    /// <summary>The guest agent inside the guest.</summary>
    GuestAgent = 2,
}

/// <summary>Which definition a device change affects (virDomainDeviceModifyFlags).</summary>
[Flags]
public enum DeviceScope : uint
{
    /// <summary>The running guest.</summary>
    Live = 1,

    /// <summary>The persistent definition, used at the next start.</summary>
    Config = 2,
}

/// <summary>A domain (a virtual machine) and the calls the agent makes on it.</summary>
public sealed unsafe partial class LibvirtDomain : IDisposable
{
    private const int UuidStringLength = 37;
    private readonly DomainHandle _handle;

    internal LibvirtDomain(DomainHandle handle)
    {
        _handle = handle;
    }

    /// <summary>The name libvirt knows it by; for the agent, the instance id.</summary>
    public string Name => Marshal.PtrToStringUTF8((nint)NativeMethods.DomainGetName(_handle)) ?? throw LibvirtException.FromLastError("virDomainGetName");

    public Guid Uuid
    {
        get
        {
            var buffer = stackalloc byte[UuidStringLength];
            return NativeMethods.DomainGetUuidString(_handle, buffer) < 0
                ? throw LibvirtException.FromLastError("virDomainGetUUIDString")
                : Guid.Parse(Marshal.PtrToStringUTF8((nint)buffer)!);
        }
    }

    public bool IsActive => NativeMethods.DomainIsActive(_handle) switch
    {
        < 0 => throw LibvirtException.FromLastError("virDomainIsActive"),
        0 => false,
        _ => true,
    };

    public DomainInfo GetInfo() => NativeMethods.DomainGetInfo(_handle, out var info) < 0
        ? throw LibvirtException.FromLastError("virDomainGetInfo")
        : new DomainInfo((DomainState)info.State, info.MaxMemKiB, info.MemoryKiB, info.VirtualCpus, TimeSpan.FromTicks((long)(info.CpuTimeNanoseconds / 100)));

    /// <summary>The state with its reason (virDomainGetState): a shut-off guest tells whether it powered off, was destroyed or crashed.</summary>
    public DomainStateReason GetState() => NativeMethods.DomainGetState(_handle, out var state, out var reason, 0) < 0
        ? throw LibvirtException.FromLastError("virDomainGetState")
        : new DomainStateReason((DomainState)state, reason);

    public string GetXml() => LibvirtConnection.TakeString(NativeMethods.DomainGetXmlDesc(_handle, 0), "virDomainGetXMLDesc");

    /// <summary>The persistent definition (what the next boot uses), which differs from <see cref="GetXml"/> while a change waits for a restart.</summary>
    public string GetInactiveXml() => LibvirtConnection.TakeString(NativeMethods.DomainGetXmlDesc(_handle, XmlInactive), "virDomainGetXMLDesc");

    /// <summary>Boots a defined domain.</summary>
    public void Start() => LibvirtException.ThrowIfFailed(NativeMethods.DomainCreate(_handle), "virDomainCreate");

    /// <summary>Asks the guest to shut down (ACPI); the guest may ignore it, so callers pair it with a deadline and <see cref="Destroy"/>.</summary>
    public void Shutdown() => LibvirtException.ThrowIfFailed(NativeMethods.DomainShutdown(_handle), "virDomainShutdown");

    /// <summary>Stops the domain at once, as pulling the power cord would.</summary>
    public void Destroy() => LibvirtException.ThrowIfFailed(NativeMethods.DomainDestroy(_handle), "virDomainDestroy");

    /// <summary>
    /// Grows a running guest's disk (its target, <c>vdf</c>) to <paramref name="bytes"/>: QEMU grows the image it has open
    /// and the guest's virtio disk announces the new capacity, so the guest sees it without a reboot.
    /// </summary>
    public void BlockResize(string targetDevice, ulong bytes) =>
        LibvirtException.ThrowIfFailed(NativeMethods.DomainBlockResize(_handle, targetDevice, bytes, 1), $"virDomainBlockResize({targetDevice})");

    /// <summary>A hard reset, as pressing the machine's reset button: the guest is not asked.</summary>
    public void Reset() => LibvirtException.ThrowIfFailed(NativeMethods.DomainReset(_handle, 0), "virDomainReset");

    /// <summary>Asks the guest to reboot; it returns once asked, before the guest went down (see <see cref="RebootMethod"/>).</summary>
    public void Reboot(RebootMethod method = RebootMethod.Default) =>
        LibvirtException.ThrowIfFailed(NativeMethods.DomainReboot(_handle, (uint)method), "virDomainReboot");

    /// <summary>The running domain's id, new at every start (not at a reboot); null while it is shut off.</summary>
    public int? Id => NativeMethods.DomainGetId(_handle) is var id && id == uint.MaxValue ? null : (int)id;

    /// <summary>
    /// The domain's metadata element of one XML namespace, as its own document (libvirt hands it back without the
    /// namespace); null when the domain has none of that namespace.
    /// </summary>
    public string? GetMetadata(string namespaceUri)
    {
        var native = NativeMethods.DomainGetMetadata(_handle, NativeMethods.MetadataElement, namespaceUri, 0);
        if (native is not null)
        {
            return LibvirtConnection.TakeString(native, "virDomainGetMetadata");
        }

        var error = LibvirtException.FromLastError("virDomainGetMetadata");
        return error.Is(LibvirtErrorCode.NoDomainMetadata) ? null : throw error;
    }

    /// <summary>
    /// Replaces the metadata element of one namespace, in the running domain and in its persistent definition, so it
    /// survives a restart of the guest and of the agent. libvirt puts the element and its children in the namespace.
    /// </summary>
    public void SetMetadata(string namespaceUri, string prefix, string elementXml) =>
        LibvirtException.ThrowIfFailed(
            NativeMethods.DomainSetMetadata(_handle, NativeMethods.MetadataElement, elementXml, prefix, namespaceUri, DeviceTargets()), "virDomainSetMetadata");

    /// <summary>The guest's memory as the hypervisor and the guest's balloon driver report it; what neither reports is null.</summary>
    public MemoryStats GetMemoryStats()
    {
        var stats = stackalloc NativeMethods.VirDomainMemoryStat[NativeMethods.MemoryStatCount];
        var count = NativeMethods.DomainMemoryStats(_handle, stats, NativeMethods.MemoryStatCount, 0);
        if (count < 0)
        {
            throw LibvirtException.FromLastError("virDomainMemoryStats");
        }

        var values = new Dictionary<int, ulong>();
        for (var i = 0; i < count; i++)
        {
            values[stats[i].Tag] = stats[i].Value;
        }

        ulong? Of(MemoryStatTag tag) => values.TryGetValue((int)tag, out var value) ? value : null;
        return new MemoryStats(Of(MemoryStatTag.ActualBalloon), Of(MemoryStatTag.Rss), Of(MemoryStatTag.Available), Of(MemoryStatTag.Unused),
            Of(MemoryStatTag.Usable), Of(MemoryStatTag.DiskCaches), Of(MemoryStatTag.SwapIn), Of(MemoryStatTag.SwapOut),
            Of(MemoryStatTag.MajorFault), Of(MemoryStatTag.MinorFault));
    }

    /// <summary>One disk's I/O since the domain started, by its target (<c>vda</c>) or its source path.</summary>
    public BlockStats GetBlockStats(string disk) =>
        NativeMethods.DomainBlockStats(_handle, disk, out var stats, (nuint)sizeof(NativeMethods.VirDomainBlockStats)) < 0
            ? throw LibvirtException.FromLastError($"virDomainBlockStats({disk})")
            : new BlockStats(Known(stats.ReadRequests), Known(stats.ReadBytes), Known(stats.WriteRequests), Known(stats.WriteBytes), Known(stats.Errors));

    /// <summary>One NIC's traffic since its tap device was made, by the device's name on the host, seen from the guest (rx: received by the guest).</summary>
    public InterfaceStats GetInterfaceStats(string device) =>
        NativeMethods.DomainInterfaceStats(_handle, device, out var stats, (nuint)sizeof(NativeMethods.VirDomainInterfaceStats)) < 0
            ? throw LibvirtException.FromLastError($"virDomainInterfaceStats({device})")
            : new InterfaceStats(Known(stats.RxBytes), Known(stats.RxPackets), Known(stats.RxErrors), Known(stats.RxDrops),
                Known(stats.TxBytes), Known(stats.TxPackets), Known(stats.TxErrors), Known(stats.TxDrops));

    /// <summary>
    /// Everything at once for a running domain: CPU time and size (virDomainGetInfo), memory, and every disk and NIC of
    /// its live definition. A device libvirt cannot count (a NIC without a host device, an empty CD drive) is left out.
    /// </summary>
    public DomainStatistics GetStatistics()
    {
        var info = GetInfo();
        var devices = DomainDevices.FromXml(GetXml());
        var disks = new List<DiskStatistics>();
        foreach (var target in devices.DiskTargets)
        {
            try
            {
                disks.Add(new DiskStatistics(target, GetBlockStats(target)));
            }
            catch (LibvirtException e) when (e.Is(LibvirtErrorCode.OperationInvalid) || e.Is(LibvirtErrorCode.InvalidArgument))
            {
            }
        }

        var nics = new List<InterfaceStatistics>();
        foreach (var nic in devices.Interfaces.Where(n => n.Device is not null))
        {
            try
            {
                nics.Add(new InterfaceStatistics(nic.Device!, nic.MacAddress, GetInterfaceStats(nic.Device!)));
            }
            catch (LibvirtException e) when (e.Is(LibvirtErrorCode.OperationInvalid) || e.Is(LibvirtErrorCode.InvalidArgument))
            {
            }
        }

        return new DomainStatistics(info, GetMemoryStats(), disks, nics);
    }

    /// <summary>Removes the definition; a running domain keeps running until it stops.</summary>
    public void Undefine() => LibvirtException.ThrowIfFailed(NativeMethods.DomainUndefine(_handle), "virDomainUndefine");

    /// <summary>
    /// Plugs a device (a disk) into the domain: into the running guest when it runs (hot-plug, needs
    /// ACPI), and into its persistent definition either way, so it survives a restart.
    /// </summary>
    public void AttachDevice(string deviceXml) =>
        LibvirtException.ThrowIfFailed(NativeMethods.DomainAttachDeviceFlags(_handle, deviceXml, DeviceTargets()), "virDomainAttachDeviceFlags");

    /// <summary>Unplugs a device; the guest is asked to release it and libvirt waits for it briefly.</summary>
    public void DetachDevice(string deviceXml) =>
        LibvirtException.ThrowIfFailed(NativeMethods.DomainDetachDeviceFlags(_handle, deviceXml, DeviceTargets()), "virDomainDetachDeviceFlags");

    /// <summary>Plugs a device into the running guest only, or into the persistent definition only (to mend one side).</summary>
    public void AttachDevice(string deviceXml, DeviceScope scope) =>
        LibvirtException.ThrowIfFailed(NativeMethods.DomainAttachDeviceFlags(_handle, deviceXml, (uint)scope), "virDomainAttachDeviceFlags");

    /// <summary>Unplugs a device from the running guest only, or from the persistent definition only.</summary>
    public void DetachDevice(string deviceXml, DeviceScope scope) =>
        LibvirtException.ThrowIfFailed(NativeMethods.DomainDetachDeviceFlags(_handle, deviceXml, (uint)scope), "virDomainDetachDeviceFlags");

    public void Dispose() => _handle.Dispose();

    private uint DeviceTargets() => IsActive ? AffectLive | AffectConfig : AffectConfig;

    private static long? Known(long value) => value < 0 ? null : value;

    private const uint XmlInactive = 2;
    private const uint AffectLive = 1;
    private const uint AffectConfig = 2;

}
