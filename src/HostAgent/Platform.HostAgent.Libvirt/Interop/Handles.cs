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

    /// <summary>Takes ownership of a raw pointer libvirt returned for an object of <paramref name="connection"/>.</summary>
    public static T Own<T>(nint raw, ConnectionHandle connection)
        where T : ChildHandle, new()
    {
        var child = new T();
        var added = false;
        connection.DangerousAddRef(ref added);
        child._connection = connection;
        child.SetHandle(raw);
        return child;
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
    protected override int Free(nint raw) => NativeMethods.DomainFree(raw);
}

internal sealed class StoragePoolHandle : ChildHandle
{
    protected override int Free(nint raw) => NativeMethods.StoragePoolFree(raw);
}

internal sealed class StorageVolumeHandle : ChildHandle
{
    protected override int Free(nint raw) => NativeMethods.StorageVolFree(raw);
}

internal sealed class StreamHandle : ChildHandle
{
    protected override int Free(nint raw) => NativeMethods.StreamFree(raw);
}

internal sealed class SecretHandle : ChildHandle
{
    protected override int Free(nint raw) => NativeMethods.SecretFree(raw);
}
