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
        var target = (CallbackTarget<ChannelWriter<DomainLifecycleEvent>>)GCHandle.FromIntPtr(opaque).Target!;
        var name = Marshal.PtrToStringUTF8((nint)NativeMethods.DomainGetNameRaw(domain)) ?? "";
        target.Value.TryWrite(new DomainLifecycleEvent(name, (DomainLifecycle)lifecycle, detail));
        return 0;
    }

    /// <summary>virConnectDomainEventGenericCallback, for VIR_DOMAIN_EVENT_ID_REBOOT.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static void OnReboot(nint connection, nint domain, nint opaque)
    {
        var target = (CallbackTarget<ChannelWriter<string>>)GCHandle.FromIntPtr(opaque).Target!;
        target.Value.TryWrite(Marshal.PtrToStringUTF8((nint)NativeMethods.DomainGetNameRaw(domain)) ?? "");
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static void OnClose(nint connection, int reason, nint opaque)
    {
        var target = (CallbackTarget<ConnectionCloseWatch>)GCHandle.FromIntPtr(opaque).Target!;
        target.Value.Closed((ConnectionCloseReason)reason);
    }

    /// <summary>
    /// libvirt's virFreeCallback for every registration: called when libvirt will not pass the opaque pointer again
    /// (after a deregistration and any dispatch still running, or when the connection goes), so only now is the handle freed.
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static void FreeTarget(nint opaque)
    {
        var handle = GCHandle.FromIntPtr(opaque);
        ((ICallbackTarget)handle.Target!).Release();
        handle.Free();
    }
}

internal interface ICallbackTarget
{
    bool Released { get; }

    void Release();
}

/// <summary>What a registration's opaque pointer leads to: the value the callback uses, and whether libvirt has let go of it.</summary>
internal sealed class CallbackTarget<T>(T value) : ICallbackTarget
{
    private volatile bool _released;

    public T Value { get; } = value;

    public bool Released => _released;

    public void Release() => _released = true;
}

/// <summary>A registration of domain events; disposing it stops their delivery.</summary>
public sealed class DomainEventSubscription : IDisposable
{
    private readonly Interop.ConnectionHandle _connection;
    private readonly int _callbackId;
    private readonly ICallbackTarget _target;
    private bool _disposed;

    internal DomainEventSubscription(Interop.ConnectionHandle connection, int callbackId, ICallbackTarget target)
    {
        _connection = connection;
        _callbackId = callbackId;
        _target = target;
    }

    /// <summary>True once libvirt has called the registration's free callback: no event can reach the writer any more.</summary>
    public bool Released => _target.Released;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        // The handle is not freed here: a callback may be running on the event loop right now. libvirt calls
        // EventLoop.FreeTarget once it is done with it (also when this fails because the connection is gone).
        NativeMethods.ConnectDomainEventDeregisterAny(_connection, _callbackId);
    }
}
