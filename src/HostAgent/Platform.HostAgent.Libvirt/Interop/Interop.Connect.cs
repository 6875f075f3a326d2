using System.Runtime.InteropServices;

namespace Platform.HostAgent.Libvirt.Interop;

internal static unsafe partial class NativeMethods
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct VirNodeInfo
    {
        public fixed byte Model[32];
        public nuint MemoryKiB;
        public uint Cpus;
        public uint Mhz;
        public uint Nodes;
        public uint Sockets;
        public uint Cores;
        public uint Threads;
    }

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectOpen", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint ConnectOpen(string uri);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectClose")]
    internal static partial int ConnectClose(nint connection);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectGetHostname")]
    internal static partial byte* ConnectGetHostname(ConnectionHandle connection);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectGetLibVersion")]
    internal static partial int ConnectGetLibVersion(ConnectionHandle connection, out nuint version);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virNodeGetInfo")]
    internal static partial int NodeGetInfo(ConnectionHandle connection, out VirNodeInfo info);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virConnectListAllDomains")]
    internal static partial int ConnectListAllDomains(ConnectionHandle connection, out nint* domains, uint flags);
}
