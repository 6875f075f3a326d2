using Platform.HostAgent.Libvirt.Interop;

namespace Platform.HostAgent.Libvirt;

public sealed record StorageVolumeInfo(int Type, ulong CapacityBytes, ulong AllocationBytes);

/// <summary>A storage pool: where the agent keeps images and instance disks as volumes.</summary>
public sealed class LibvirtStoragePool : IDisposable
{
    private readonly StoragePoolHandle _handle;
    private readonly ConnectionHandle _connection;

    internal LibvirtStoragePool(StoragePoolHandle handle, ConnectionHandle connection)
    {
        _handle = handle;
        _connection = connection;
    }

    /// <summary>Creates a volume from its XML description.</summary>
    public LibvirtStorageVolume CreateVolume(string xml)
    {
        var raw = NativeMethods.StorageVolCreateXml(_handle, xml, 0);
        return raw == 0 ? throw LibvirtException.FromLastError("virStorageVolCreateXML") : Wrap(raw);
    }

    /// <summary>Creates a volume as a copy of another (a full clone).</summary>
    public LibvirtStorageVolume CloneVolume(string xml, LibvirtStorageVolume source)
    {
        var raw = NativeMethods.StorageVolCreateXmlFrom(_handle, xml, source.Handle, 0);
        return raw == 0 ? throw LibvirtException.FromLastError("virStorageVolCreateXMLFrom") : Wrap(raw);
    }

    public LibvirtStorageVolume? FindVolume(string name)
    {
        var raw = NativeMethods.StorageVolLookupByName(_handle, name);
        if (raw != 0)
        {
            return Wrap(raw);
        }

        var error = LibvirtException.FromLastError($"virStorageVolLookupByName({name})");
        return error.Is(LibvirtErrorCode.NoStorageVolume) ? null : throw error;
    }

    /// <summary>Re-reads the pool's contents from its backing storage.</summary>
    public void Refresh()
    {
        if (NativeMethods.StoragePoolRefresh(_handle, 0) < 0)
        {
            throw LibvirtException.FromLastError("virStoragePoolRefresh");
        }
    }

    public void Dispose() => _handle.Dispose();

    private LibvirtStorageVolume Wrap(nint raw) => new(StorageVolumeHandle.Own(raw, _connection));
}

public sealed unsafe class LibvirtStorageVolume : IDisposable
{
    internal LibvirtStorageVolume(StorageVolumeHandle handle)
    {
        Handle = handle;
    }

    internal StorageVolumeHandle Handle { get; }

    public string Path => LibvirtConnection.TakeString(NativeMethods.StorageVolGetPath(Handle), "virStorageVolGetPath");

    public StorageVolumeInfo GetInfo() => NativeMethods.StorageVolGetInfo(Handle, out var info) < 0
        ? throw LibvirtException.FromLastError("virStorageVolGetInfo")
        : new StorageVolumeInfo(info.Type, info.Capacity, info.Allocation);

    public void Delete()
    {
        if (NativeMethods.StorageVolDelete(Handle, 0) < 0)
        {
            throw LibvirtException.FromLastError("virStorageVolDelete");
        }
    }

    public void Dispose() => Handle.Dispose();
}
