using System.Runtime.InteropServices;

namespace Platform.HostAgent.Libvirt.Interop;

/// <summary>A virConnectPtr; closing it drops libvirt's reference.</summary>
internal sealed class ConnectionHandle : SafeHandle
{
    public ConnectionHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    public static ConnectionHandle Own(nint raw)
    {
        var connection = new ConnectionHandle();
        connection.SetHandle(raw);
        return connection;
    }

    protected override bool ReleaseHandle() => NativeMethods.ConnectClose(handle) >= 0;
}

/// <summary>
/// A libvirt object that belongs to a connection (domain, pool, volume): it holds a reference on its
/// connection, so the connection stays open for as long as any of its objects is alive.
/// </summary>
internal abstract class ChildHandle : SafeHandle
{
    private ConnectionHandle? _connection;

    protected ChildHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    protected void Attach(nint raw, ConnectionHandle connection)
    {
        var added = false;
        connection.DangerousAddRef(ref added);
        _connection = connection;
        SetHandle(raw);
    }

    protected abstract int Free(nint raw);

    protected override bool ReleaseHandle()
    {
        var freed = Free(handle) >= 0;
        _connection?.DangerousRelease();
        return freed;
    }
}

internal sealed class DomainHandle : ChildHandle
{
    public static DomainHandle Own(nint raw, ConnectionHandle connection)
    {
        var domain = new DomainHandle();
        domain.Attach(raw, connection);
        return domain;
    }

    protected override int Free(nint raw) => NativeMethods.DomainFree(raw);
}

internal sealed class StoragePoolHandle : ChildHandle
{
    public static StoragePoolHandle Own(nint raw, ConnectionHandle connection)
    {
        var pool = new StoragePoolHandle();
        pool.Attach(raw, connection);
        return pool;
    }

    protected override int Free(nint raw) => NativeMethods.StoragePoolFree(raw);
}

internal sealed class StorageVolumeHandle : ChildHandle
{
    public static StorageVolumeHandle Own(nint raw, ConnectionHandle connection)
    {
        var volume = new StorageVolumeHandle();
        volume.Attach(raw, connection);
        return volume;
    }

    protected override int Free(nint raw) => NativeMethods.StorageVolFree(raw);
}

internal sealed class StreamHandle : ChildHandle
{
    public static StreamHandle Own(nint raw, ConnectionHandle connection)
    {
        var stream = new StreamHandle();
        stream.Attach(raw, connection);
        return stream;
    }

    protected override int Free(nint raw) => NativeMethods.StreamFree(raw);
}
