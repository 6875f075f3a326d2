using System.Runtime.InteropServices;
using Platform.HostAgent.Libvirt.Interop;

namespace Platform.HostAgent.Libvirt;

/// <summary>libvirt's virConnectCloseReason: why the connection to the daemon closed.</summary>
public enum ConnectionCloseReason
{
    Error = 0,
    EndOfFile = 1,
    KeepAliveTimeout = 2,
    Client = 3,
}

/// <summary>Set from libvirt's close callback, on the event loop's thread: it only records and signals.</summary>
internal sealed class ConnectionCloseWatch
{
    private readonly TaskCompletionSource<ConnectionCloseReason> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<ConnectionCloseReason> Task => _closed.Task;

    public void Closed(ConnectionCloseReason reason) => _closed.TrySetResult(reason);
}

/// <summary>The host's resources as libvirt reports them.</summary>
public sealed record NodeInfo(string Model, ulong MemoryKiB, uint Cpus, uint Mhz, uint Sockets, uint Cores, uint Threads);

/// <summary>
/// A connection to a hypervisor: <c>qemu:///system</c> on a server, <c>test:///default</c> or
/// <c>test:///path/host.xml</c> for libvirt's simulated hosts. Safe to use from several threads,
/// as libvirt connections are.
/// </summary>
public sealed unsafe class LibvirtConnection : IDisposable
{
    private static readonly Lazy<bool> Initialized = new(() =>
    {
        if (NativeMethods.Initialize() < 0)
        {
            throw LibvirtException.FromLastError("virInitialize");
        }

        NativeMethods.SetErrorFunc(0, &NativeMethods.IgnoreError);
        EventLoop.Start();
        return true;
    });

    private readonly ConnectionHandle _handle;
    private readonly ConnectionCloseWatch _close = new();
    private readonly bool _closeCallbackRegistered;

    private LibvirtConnection(ConnectionHandle handle, string uri)
    {
        _handle = handle;
        Uri = uri;
        var target = GCHandle.Alloc(new CallbackTarget<ConnectionCloseWatch>(_close));
        if (NativeMethods.ConnectRegisterCloseCallback(_handle, &EventLoop.OnClose, GCHandle.ToIntPtr(target), &EventLoop.FreeTarget) < 0)
        {
            // libvirt does not call the free callback for a registration that failed.
            target.Free();
        }
        else
        {
            _closeCallbackRegistered = true;
        }

        // Probes a daemon that stopped answering without closing the socket (hung, or its machine gone): after
        // 3 unanswered ones 5 s apart libvirt closes the connection, and Closed completes. Connections that reach
        // no daemon (test:///) refuse keep-alives; they cannot break that way.
        if (NativeMethods.ConnectSetKeepAlive(_handle, 5, 3) < 0)
        {
            NativeMethods.ResetLastError();
        }
    }

    public string Uri { get; }

    /// <summary>
    /// Completes when libvirt reports the connection closed: the daemon stopped or restarted, or stopped answering
    /// keep-alives. A closed connection does not come back; open a new one. Direct connections (test:///) never close.
    /// </summary>
    public Task<ConnectionCloseReason> Closed => _close.Task;

    /// <summary>Whether the connection still works (libvirt's virConnectIsAlive, and no close reported).</summary>
    public bool IsAlive => !_close.Task.IsCompleted && NativeMethods.ConnectIsAlive(_handle) == 1;

    public static LibvirtConnection Open(string uri)
    {
        _ = Initialized.Value;
        var raw = NativeMethods.ConnectOpen(uri);
        return raw == 0 ? throw LibvirtException.FromLastError($"virConnectOpen({uri})") : new LibvirtConnection(ConnectionHandle.Own(raw), uri);
    }

    public string Hostname => TakeString(NativeMethods.ConnectGetHostname(_handle), "virConnectGetHostname");

    /// <summary>libvirt's version as major * 1,000,000 + minor * 1,000 + release.</summary>
    public ulong LibraryVersion => NativeMethods.ConnectGetLibVersion(_handle, out var version) < 0
        ? throw LibvirtException.FromLastError("virConnectGetLibVersion")
        : version;

    public NodeInfo GetNodeInfo()
    {
        if (NativeMethods.NodeGetInfo(_handle, out var info) < 0)
        {
            throw LibvirtException.FromLastError("virNodeGetInfo");
        }

        var model = Marshal.PtrToStringUTF8((nint)info.Model) ?? "";
        return new NodeInfo(model, info.MemoryKiB, info.Cpus, info.Mhz, info.Sockets, info.Cores, info.Threads);
    }

    /// <summary>Every domain, running or only defined.</summary>
    public IReadOnlyList<LibvirtDomain> ListDomains()
    {
        var count = NativeMethods.ConnectListAllDomains(_handle, out var array, 0);
        if (count < 0)
        {
            throw LibvirtException.FromLastError("virConnectListAllDomains");
        }

        try
        {
            var domains = new List<LibvirtDomain>(count);
            for (var i = 0; i < count; i++)
            {
                domains.Add(new LibvirtDomain(ChildHandle.Own<DomainHandle>(array[i], _handle)));
            }

            return domains;
        }
        finally
        {
            NativeMethods.Free(array);
        }
    }

    /// <summary>The domain of that name, or null: the agent names domains by instance id, so it finds its own again.</summary>
    public LibvirtDomain? FindDomain(string name)
    {
        var raw = NativeMethods.DomainLookupByName(_handle, name);
        if (raw != 0)
        {
            return new LibvirtDomain(ChildHandle.Own<DomainHandle>(raw, _handle));
        }

        var error = LibvirtException.FromLastError($"virDomainLookupByName({name})");
        return error.Is(LibvirtErrorCode.NoDomain) ? null : throw error;
    }

    /// <summary>Defines (or redefines) a persistent domain; it does not start it.</summary>
    public LibvirtDomain DefineDomain(string xml)
    {
        var raw = NativeMethods.DomainDefineXml(_handle, xml);
        return raw == 0 ? throw LibvirtException.FromLastError("virDomainDefineXML") : new LibvirtDomain(ChildHandle.Own<DomainHandle>(raw, _handle));
    }

    /// <summary>Defines a persistent storage pool; build and start it before use.</summary>
    public LibvirtStoragePool DefineStoragePool(string xml)
    {
        var raw = NativeMethods.StoragePoolDefineXml(_handle, xml, 0);
        return raw == 0 ? throw LibvirtException.FromLastError("virStoragePoolDefineXML") : new LibvirtStoragePool(ChildHandle.Own<StoragePoolHandle>(raw, _handle), _handle);
    }

    public LibvirtStoragePool? FindStoragePool(string name)
    {
        var raw = NativeMethods.StoragePoolLookupByName(_handle, name);
        if (raw != 0)
        {
            return new LibvirtStoragePool(ChildHandle.Own<StoragePoolHandle>(raw, _handle), _handle);
        }

        var error = LibvirtException.FromLastError($"virStoragePoolLookupByName({name})");
        return error.Is(LibvirtErrorCode.NoStoragePool) ? null : throw error;
    }

    /// <summary>Defines a secret (or redefines the one with the same UUID); its value is set separately.</summary>
    public LibvirtSecret DefineSecret(string xml)
    {
        var raw = NativeMethods.SecretDefineXml(_handle, xml, 0);
        return raw == 0 ? throw LibvirtException.FromLastError("virSecretDefineXML") : new LibvirtSecret(ChildHandle.Own<SecretHandle>(raw, _handle));
    }

    /// <summary>The secret with that UUID, or null (an ephemeral secret is gone once libvirtd restarts).</summary>
    public LibvirtSecret? FindSecret(Guid uuid)
    {
        var raw = NativeMethods.SecretLookupByUuidString(_handle, uuid.ToString("D"));
        if (raw != 0)
        {
            return new LibvirtSecret(ChildHandle.Own<SecretHandle>(raw, _handle));
        }

        var error = LibvirtException.FromLastError($"virSecretLookupByUUIDString({uuid:D})");
        return error.Is(LibvirtErrorCode.NoSecret) ? null : throw error;
    }

    /// <summary>Delivers every domain's lifecycle events (started, stopped, crashed, ...) to the writer.</summary>
    public DomainEventSubscription SubscribeLifecycleEvents(System.Threading.Channels.ChannelWriter<DomainLifecycleEvent> writer)
    {
        delegate* unmanaged[Cdecl]<nint, nint, int, int, nint, int> callback = &EventLoop.OnLifecycle;
        return Subscribe(NativeMethods.DomainEventIdLifecycle, callback, new CallbackTarget<System.Threading.Channels.ChannelWriter<DomainLifecycleEvent>>(writer));
    }

    /// <summary>
    /// Delivers the name of every domain whose guest was reset (VIR_DOMAIN_EVENT_ID_REBOOT): a reboot it did itself, one
    /// libvirt carried out after an ACPI reboot request, or a hard reset.
    /// </summary>
    public DomainEventSubscription SubscribeRebootEvents(System.Threading.Channels.ChannelWriter<string> writer)
    {
        delegate* unmanaged[Cdecl]<nint, nint, nint, void> callback = &EventLoop.OnReboot;
        return Subscribe(NativeMethods.DomainEventIdReboot, callback, new CallbackTarget<System.Threading.Channels.ChannelWriter<string>>(writer));
    }

    /// <summary>Registers a callback whose opaque pointer is a GCHandle to <paramref name="target"/>, freed by libvirt's free callback.</summary>
    private DomainEventSubscription Subscribe(int eventId, void* callback, ICallbackTarget target)
    {
        var handle = GCHandle.Alloc(target);
        var id = NativeMethods.ConnectDomainEventRegisterAny(_handle, 0, eventId, callback, GCHandle.ToIntPtr(handle), &EventLoop.FreeTarget);
        if (id < 0)
        {
            // A registration that failed is never called, nor freed by libvirt.
            var error = LibvirtException.FromLastError("virConnectDomainEventRegisterAny");
            handle.Free();
            throw error;
        }

        return new DomainEventSubscription(_handle, id, target);
    }

    public void Dispose()
    {
        if (_closeCallbackRegistered && !_handle.IsClosed)
        {
            // libvirt calls the free callback here (or when the connection's last reference goes).
            NativeMethods.ConnectUnregisterCloseCallback(_handle, &EventLoop.OnClose);
        }

        _handle.Dispose();
    }

    /// <summary>A string libvirt allocated for the caller, copied and freed.</summary>
    internal static string TakeString(byte* native, string operation)
    {
        if (native is null)
        {
            throw LibvirtException.FromLastError(operation);
        }

        try
        {
            return Marshal.PtrToStringUTF8((nint)native)!;
        }
        finally
        {
            NativeMethods.Free(native);
        }
    }
}
