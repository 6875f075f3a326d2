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

public sealed record DomainInfo(DomainState State, ulong MaxMemoryKiB, ulong MemoryKiB, int VirtualCpus, TimeSpan CpuTime);

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
public sealed unsafe class LibvirtDomain : IDisposable
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

    public string GetXml() => LibvirtConnection.TakeString(NativeMethods.DomainGetXmlDesc(_handle, 0), "virDomainGetXMLDesc");

    /// <summary>The persistent definition (what the next boot uses), which differs from <see cref="GetXml"/> while a change waits for a restart.</summary>
    public string GetInactiveXml() => LibvirtConnection.TakeString(NativeMethods.DomainGetXmlDesc(_handle, XmlInactive), "virDomainGetXMLDesc");

    /// <summary>Boots a defined domain.</summary>
    public void Start() => LibvirtException.ThrowIfFailed(NativeMethods.DomainCreate(_handle), "virDomainCreate");

    /// <summary>Asks the guest to shut down (ACPI); the guest may ignore it, so callers pair it with a deadline and <see cref="Destroy"/>.</summary>
    public void Shutdown() => LibvirtException.ThrowIfFailed(NativeMethods.DomainShutdown(_handle), "virDomainShutdown");

    /// <summary>Stops the domain at once, as pulling the power cord would.</summary>
    public void Destroy() => LibvirtException.ThrowIfFailed(NativeMethods.DomainDestroy(_handle), "virDomainDestroy");

    /// <summary>A hard reset, as pressing the machine's reset button: the guest is not asked.</summary>
    public void Reset() => LibvirtException.ThrowIfFailed(NativeMethods.DomainReset(_handle, 0), "virDomainReset");

    public void Reboot() => LibvirtException.ThrowIfFailed(NativeMethods.DomainReboot(_handle, 0), "virDomainReboot");

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

    private const uint XmlInactive = 2;
    private const uint AffectLive = 1;
    private const uint AffectConfig = 2;

}
