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

    /// <summary>
    /// The callback's real type depends on the event id; libvirt takes it as a generic function pointer.
    /// <paramref name="freeCallback"/> (virFreeCallback) is called once libvirt will no longer pass <paramref name="opaque"/>
    /// to the callback: after a deregistration, once a dispatch in progress has finished, or when the connection goes.
    /// </summary>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectDomainEventRegisterAny")]
    internal static partial int ConnectDomainEventRegisterAny(ConnectionHandle connection, nint domain, int eventId, void* callback, nint opaque,
        delegate* unmanaged[Cdecl]<nint, void> freeCallback);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectDomainEventDeregisterAny")]
    internal static partial int ConnectDomainEventDeregisterAny(ConnectionHandle connection, int callbackId);

    /// <summary>virConnectCloseFunc: the connection to the daemon closed (reason: virConnectCloseReason).</summary>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectRegisterCloseCallback")]
    internal static partial int ConnectRegisterCloseCallback(ConnectionHandle connection, delegate* unmanaged[Cdecl]<nint, int, nint, void> callback,
        nint opaque, delegate* unmanaged[Cdecl]<nint, void> freeCallback);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectUnregisterCloseCallback")]
    internal static partial int ConnectUnregisterCloseCallback(ConnectionHandle connection, delegate* unmanaged[Cdecl]<nint, int, nint, void> callback);

    /// <summary>1 while the connection is usable, 0 once it has failed, -1 on error.</summary>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectIsAlive")]
    internal static partial int ConnectIsAlive(ConnectionHandle connection);

    /// <summary>Keep-alive probes every <paramref name="interval"/> seconds; the connection closes after <paramref name="count"/> unanswered ones.</summary>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectSetKeepAlive")]
    internal static partial int ConnectSetKeepAlive(ConnectionHandle connection, int interval, uint count);
}
