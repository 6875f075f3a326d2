using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Platform.HostAgent.Libvirt.Interop;

namespace Platform.HostAgent.Libvirt;

/// <summary>libvirt's virDomainEventType: what happened to a domain.</summary>
public enum DomainLifecycle
{
    Defined = 0,
    Undefined = 1,
    Started = 2,
    Suspended = 3,
    Resumed = 4,
    Stopped = 5,
    Shutdown = 6,
    PowerManagementSuspended = 7,
    Crashed = 8,
}

/// <param name="Detail">libvirt's detail code for the event (why a domain stopped, ...).</param>
public sealed record DomainLifecycleEvent(string DomainName, DomainLifecycle Event, int Detail);

/// <summary>
/// libvirt's default event loop on one dedicated thread, as nova's host.py runs it. Callbacks only
/// write to a channel; whoever consumes the channel does the work, never on the loop's thread.
/// </summary>
internal static unsafe class EventLoop
{
    private static Thread? _thread;

    /// <summary>Must run before the first connection opens, or that connection delivers no events.</summary>
    public static void Start()
    {
        if (NativeMethods.EventRegisterDefaultImpl() < 0)
        {
            throw LibvirtException.FromLastError("virEventRegisterDefaultImpl");
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "libvirt-events" };
        _thread.Start();
    }

    private static void Run()
    {
        while (true)
        {
            if (NativeMethods.EventRunDefaultImpl() < 0)
            {
                // A failing loop iteration must not spin a core; libvirt recovers on the next one.
                Thread.Sleep(100);
            }
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static int OnLifecycle(nint connection, nint domain, int lifecycle, int detail, nint opaque)
    {
        var writer = (ChannelWriter<DomainLifecycleEvent>)GCHandle.FromIntPtr(opaque).Target!;
        var name = Marshal.PtrToStringUTF8((nint)NativeMethods.DomainGetNameRaw(domain)) ?? "";
        writer.TryWrite(new DomainLifecycleEvent(name, (DomainLifecycle)lifecycle, detail));
        return 0;
    }

    /// <summary>virConnectDomainEventGenericCallback, for VIR_DOMAIN_EVENT_ID_REBOOT.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static void OnReboot(nint connection, nint domain, nint opaque)
    {
        var writer = (ChannelWriter<string>)GCHandle.FromIntPtr(opaque).Target!;
        writer.TryWrite(Marshal.PtrToStringUTF8((nint)NativeMethods.DomainGetNameRaw(domain)) ?? "");
    }
}

/// <summary>A registration of domain events; disposing it stops their delivery.</summary>
public sealed class DomainEventSubscription : IDisposable
{
    private readonly Interop.ConnectionHandle _connection;
    private readonly int _callbackId;
    private GCHandle _writer;

    internal DomainEventSubscription(Interop.ConnectionHandle connection, int callbackId, GCHandle writer)
    {
        _connection = connection;
        _callbackId = callbackId;
        _writer = writer;
    }

    public void Dispose()
    {
        if (!_writer.IsAllocated)
        {
            return;
        }

        NativeMethods.ConnectDomainEventDeregisterAny(_connection, _callbackId);
        _writer.Free();
    }
}
