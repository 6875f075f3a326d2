using System.ComponentModel;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Platform.HostAgent.Metadata;

/// <summary>A listening TCP socket made inside a named network namespace (ip netns), from a process that stays outside it.</summary>
internal static partial class NetworkNamespace
{
    private const int CloneNewNet = 0x40000000;
    private const int ReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;

    /// <summary>
    /// setns(2) moves only the calling thread: a thread of its own enters the namespace, makes the socket and leaves. The
    /// socket stays in the namespace it was made in, so connections accepted on it come from that namespace's interfaces.
    /// </summary>
    public static Socket Listen(string name, IPEndPoint endpoint)
    {
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            var original = Open("/proc/thread-self/ns/net");
            try
            {
                var target = Open(Path.Combine("/var/run/netns", name));
                try
                {
                    Enter(target);
                }
                finally
                {
                    _ = Close(target);
                }

                try
                {
                    socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    // A restarted responder binds again while its predecessor's connections are in TIME_WAIT: SO_REUSEADDR alone
                    // (.NET's ReuseAddress also sets SO_REUSEPORT, which would let a second listener share the port unnoticed).
                    socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
                    socket.Bind(endpoint);
                    socket.Listen(128);
                }
                finally
                {
                    Enter(original);
                }
            }
            catch (Exception e)
            {
                socket?.Dispose();
                socket = null;
                failure = e;
            }
            finally
            {
                _ = Close(original);
            }
        })
        { IsBackground = true, Name = "netns " + name };
        thread.Start();
        thread.Join();
        return socket ?? throw new InvalidOperationException($"Cannot listen on {endpoint} in network namespace {name}: {failure?.Message}", failure);
    }

    private static int Open(string path)
    {
        var fd = OpenNative(path, ReadOnlyCloseOnExec);
        return fd >= 0 ? fd : throw new Win32Exception(Marshal.GetLastPInvokeError(), $"open {path}");
    }

    private static void Enter(int fd)
    {
        if (SetNamespace(fd, CloneNewNet) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "setns");
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNamespace(int fd, int namespaceType);
}
