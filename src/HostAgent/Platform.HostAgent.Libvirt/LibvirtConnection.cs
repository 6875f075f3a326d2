using System.Runtime.InteropServices;
using Platform.HostAgent.Libvirt.Interop;

namespace Platform.HostAgent.Libvirt;

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

    private LibvirtConnection(ConnectionHandle handle, string uri)
    {
        _handle = handle;
        Uri = uri;
    }

    public string Uri { get; }

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

    /// <summary>Delivers every domain's lifecycle events (started, stopped, crashed, ...) to the writer.</summary>
    public DomainEventSubscription SubscribeLifecycleEvents(System.Threading.Channels.ChannelWriter<DomainLifecycleEvent> writer)
    {
        var target = GCHandle.Alloc(writer);
        delegate* unmanaged[Cdecl]<nint, nint, int, int, nint, int> callback = &EventLoop.OnLifecycle;
        var id = NativeMethods.ConnectDomainEventRegisterAny(_handle, 0, NativeMethods.DomainEventIdLifecycle, callback, GCHandle.ToIntPtr(target), 0);
        if (id < 0)
        {
            var error = LibvirtException.FromLastError("virConnectDomainEventRegisterAny");
            target.Free();
            throw error;
        }

        return new DomainEventSubscription(_handle, id, target);
    }

    /// <summary>
    /// Delivers the name of every domain whose guest was reset (VIR_DOMAIN_EVENT_ID_REBOOT): a reboot it did itself, one
    /// libvirt carried out after an ACPI reboot request, or a hard reset.
    /// </summary>
    public DomainEventSubscription SubscribeRebootEvents(System.Threading.Channels.ChannelWriter<string> writer)
    {
        var target = GCHandle.Alloc(writer);
        delegate* unmanaged[Cdecl]<nint, nint, nint, void> callback = &EventLoop.OnReboot;
        var id = NativeMethods.ConnectDomainEventRegisterAny(_handle, 0, NativeMethods.DomainEventIdReboot, callback, GCHandle.ToIntPtr(target), 0);
        if (id < 0)
        {
            var error = LibvirtException.FromLastError("virConnectDomainEventRegisterAny");
            target.Free();
            throw error;
        }

        return new DomainEventSubscription(_handle, id, target);
    }

    public void Dispose() => _handle.Dispose();

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
