using Platform.HostAgent.Libvirt.Interop;

namespace Platform.HostAgent.Libvirt;

public sealed record StorageVolumeInfo(int Type, ulong CapacityBytes, ulong AllocationBytes);

public sealed record StoragePoolInfo(int State, ulong CapacityBytes, ulong AllocationBytes, ulong AvailableBytes);

/// <summary>A storage pool: where the agent keeps images and instance disks as volumes.</summary>
public sealed unsafe class LibvirtStoragePool : IDisposable
{
    private readonly StoragePoolHandle _handle;
    private readonly ConnectionHandle _connection;

    internal LibvirtStoragePool(StoragePoolHandle handle, ConnectionHandle connection)
    {
        _handle = handle;
        _connection = connection;
    }

    /// <summary>Creates a volume from its XML description.</summary>
    /// <remarks>
    /// A LUKS volume is made by <c>qemu-img</c>, which first times PBKDF2 on the thread's CPU clock and gives up
    /// when a round measured 0 ms ("Unable to get accurate CPU usage"): Debian 12's QEMU 7.2 does so on about one
    /// create in 13 on these machines (tick-based CPU accounting). Nothing was made when it says so, so that one
    /// error is tried again, a few times.
    /// </remarks>
    public LibvirtStorageVolume CreateVolume(string xml)
    {
        for (var attempt = 1; ; attempt++)
        {
            var raw = NativeMethods.StorageVolCreateXml(_handle, xml, 0);
            if (raw != 0)
            {
                return Wrap(raw);
            }

            var error = LibvirtException.FromLastError("virStorageVolCreateXML");
            if (attempt >= LibvirtException.LuksFormatAttempts || !error.IsCpuClockTooCoarse)
            {
                throw error;
            }
        }
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

    /// <summary>The names of the pool's volumes (as of its last refresh).</summary>
    public IReadOnlyList<string> ListVolumeNames()
    {
        for (var attempt = 0; ; attempt++)
        {
            var count = NativeMethods.StoragePoolNumOfVolumes(_handle);
            if (count < 0)
            {
                throw LibvirtException.FromLastError("virStoragePoolNumOfVolumes");
            }

            // Room for one more than counted: a full buffer means a volume may have appeared in between, so ask again.
            var names = new byte*[count + 1];
            int listed;
            fixed (byte** buffer = names)
            {
                listed = NativeMethods.StoragePoolListVolumes(_handle, buffer, names.Length);
            }

            if (listed < 0)
            {
                throw LibvirtException.FromLastError("virStoragePoolListVolumes");
            }

            var result = new List<string>(listed);
            for (var i = 0; i < listed; i++)
            {
                result.Add(LibvirtConnection.TakeString(names[i], "virStoragePoolListVolumes"));
            }

            if (listed < names.Length || attempt >= 3)
            {
                return result;
            }
        }
    }

    public string GetXml() => LibvirtConnection.TakeString(NativeMethods.StoragePoolGetXmlDesc(_handle, 0), "virStoragePoolGetXMLDesc");

    public StoragePoolInfo GetInfo() => NativeMethods.StoragePoolGetInfo(_handle, out var info) < 0
        ? throw LibvirtException.FromLastError("virStoragePoolGetInfo")
        : new StoragePoolInfo(info.State, info.Capacity, info.Allocation, info.Available);

    public bool IsActive => NativeMethods.StoragePoolIsActive(_handle) switch
    {
        < 0 => throw LibvirtException.FromLastError("virStoragePoolIsActive"),
        0 => false,
        _ => true,
    };

    /// <summary>Prepares the pool's backing storage (for a directory pool: creates the directory).</summary>
    public void Build() => LibvirtException.ThrowIfFailed(NativeMethods.StoragePoolBuild(_handle, 0), "virStoragePoolBuild");

    public void Start() => LibvirtException.ThrowIfFailed(NativeMethods.StoragePoolCreate(_handle, 0), "virStoragePoolCreate");

    /// <summary>Deactivates the pool; its volumes stay on disk.</summary>
    public void Stop() => LibvirtException.ThrowIfFailed(NativeMethods.StoragePoolDestroy(_handle), "virStoragePoolDestroy");

    public void Undefine() => LibvirtException.ThrowIfFailed(NativeMethods.StoragePoolUndefine(_handle), "virStoragePoolUndefine");

    /// <summary>Re-reads the pool's contents from its backing storage.</summary>
    public void Refresh() => LibvirtException.ThrowIfFailed(NativeMethods.StoragePoolRefresh(_handle, 0), "virStoragePoolRefresh");

    public void Dispose() => _handle.Dispose();

    private LibvirtStorageVolume Wrap(nint raw) => new(ChildHandle.Own<StorageVolumeHandle>(raw, _connection), _connection);

}

public sealed unsafe class LibvirtStorageVolume : IDisposable
{
    private const int ChunkSize = 256 * 1024;
    private readonly ConnectionHandle _connection;

    internal LibvirtStorageVolume(StorageVolumeHandle handle, ConnectionHandle connection)
    {
        Handle = handle;
        _connection = connection;
    }

    internal StorageVolumeHandle Handle { get; }

    public string Path => LibvirtConnection.TakeString(NativeMethods.StorageVolGetPath(Handle), "virStorageVolGetPath");

    public StorageVolumeInfo GetInfo() => NativeMethods.StorageVolGetInfo(Handle, out var info) < 0
        ? throw LibvirtException.FromLastError("virStorageVolGetInfo")
        : new StorageVolumeInfo(info.Type, info.Capacity, info.Allocation);

    public string GetXml() => LibvirtConnection.TakeString(NativeMethods.StorageVolGetXmlDesc(Handle, 0), "virStorageVolGetXMLDesc");

    /// <summary>
    /// Writes <paramref name="length"/> bytes of <paramref name="source"/> into the volume from its start,
    /// through a libvirt stream (so it works on remote hosts too). Blocking; a failure aborts the stream.
    /// </summary>
    public void Upload(Stream source, ulong length)
    {
        using var stream = NewStream();
        LibvirtException.ThrowIfFailed(NativeMethods.StorageVolUpload(Handle, stream, 0, length, 0), "virStorageVolUpload");

        var buffer = new byte[ChunkSize];
        try
        {
            ulong sent = 0;
            while (sent < length)
            {
                var read = source.Read(buffer, 0, (int)Math.Min((ulong)buffer.Length, length - sent));
                if (read == 0)
                {
                    throw new EndOfStreamException($"The source ended after {sent} of {length} bytes.");
                }

                fixed (byte* data = buffer)
                {
                    for (var offset = 0; offset < read;)
                    {
                        var written = NativeMethods.StreamSend(stream, data + offset, (nuint)(read - offset));
                        offset += written >= 0 ? written : throw LibvirtException.FromLastError("virStreamSend");
                    }
                }

                sent += (ulong)read;
            }

            Finish(stream);
        }
        catch
        {
            NativeMethods.StreamAbort(stream);
            throw;
        }
    }

    /// <summary>Copies the whole volume (or <paramref name="length"/> bytes of it) into <paramref name="destination"/>.</summary>
    public void Download(Stream destination, ulong length = 0)
    {
        using var stream = NewStream();
        LibvirtException.ThrowIfFailed(NativeMethods.StorageVolDownload(Handle, stream, 0, length, 0), "virStorageVolDownload");

        var buffer = new byte[ChunkSize];
        try
        {
            while (true)
            {
                int received;
                fixed (byte* data = buffer)
                {
                    received = NativeMethods.StreamRecv(stream, data, (nuint)buffer.Length);
                }

                if (received == 0)
                {
                    break;
                }

                destination.Write(buffer, 0, received >= 0 ? received : throw LibvirtException.FromLastError("virStreamRecv"));
            }

            Finish(stream);
        }
        catch
        {
            NativeMethods.StreamAbort(stream);
            throw;
        }
    }

    public void Delete() => LibvirtException.ThrowIfFailed(NativeMethods.StorageVolDelete(Handle, 0), "virStorageVolDelete");

    /// <summary>Grows the volume to <paramref name="capacityBytes"/> (its virtual size; a qcow2 stays sparse). No guest may have it open.</summary>
    public void Resize(ulong capacityBytes) =>
        LibvirtException.ThrowIfFailed(NativeMethods.StorageVolResize(Handle, capacityBytes, 0), "virStorageVolResize");

    public void Dispose() => Handle.Dispose();

    private StreamHandle NewStream()
    {
        var raw = NativeMethods.StreamNew(_connection, 0);
        return raw == 0 ? throw LibvirtException.FromLastError("virStreamNew") : ChildHandle.Own<StreamHandle>(raw, _connection);
    }

    private static void Finish(StreamHandle stream) => LibvirtException.ThrowIfFailed(NativeMethods.StreamFinish(stream), "virStreamFinish");
}
