using System.Runtime.InteropServices;

namespace Platform.HostAgent.Libvirt.Interop;

internal static unsafe partial class NativeMethods
{
    internal const int DomainEventIdLifecycle = 0;

    /// <summary>VIR_DOMAIN_EVENT_ID_REBOOT: the guest was reset (its own reboot, libvirt's reboot, or virDomainReset).</summary>
    internal const int DomainEventIdReboot = 1;

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virEventRegisterDefaultImpl")]
    internal static partial int EventRegisterDefaultImpl();

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virEventRunDefaultImpl")]
    internal static partial int EventRunDefaultImpl();

    /// <summary>The callback's real type depends on the event id; libvirt takes it as a generic function pointer.</summary>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectDomainEventRegisterAny")]
    internal static partial int ConnectDomainEventRegisterAny(ConnectionHandle connection, nint domain, int eventId, void* callback, nint opaque, nint freeCallback);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectDomainEventDeregisterAny")]
    internal static partial int ConnectDomainEventDeregisterAny(ConnectionHandle connection, int callbackId);
}
