using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Platform.HostAgent.Databases;

/// <summary>
/// The agent's end of one database guest's management channel: the unix socket QEMU listens on for the guest's
/// virtio-serial port <see cref="PortName"/>. One request at a time, each with its own deadline; a request that times
/// out breaks the connection (the caller connects again), so a slow guest costs its own driver time and nothing else.
/// </summary>
internal sealed class DatabaseChannel : IAsyncDisposable
{
    /// <summary>The port's name in the guest (<c>/dev/virtio-ports/org.platform.database.0</c>).</summary>
    public const string PortName = "org.platform.database.0";

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;
    private readonly string _session = Guid.NewGuid().ToString("N")[..8];
    private long _requests;

    private DatabaseChannel(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new StreamReader(_stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
    }

    /// <summary>The socket of an instance's channel; short enough for a unix socket's 108 bytes under an ordinary state directory.</summary>
    public static string SocketPath(string directory, string instanceId) => Path.Combine(directory, $"{instanceId}.db.sock");

    /// <exception cref="SocketException">Nobody listens there (the guest is not running).</exception>
    public static async Task<DatabaseChannel> ConnectAsync(string socketPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token);
            return new DatabaseChannel(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A new request id: unique across connections, so an answer from before a reconnect is never taken for a new one's.</summary>
    public string NextRequestId() => $"{_session}-{Interlocked.Increment(ref _requests).ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Sends one request and waits for its answer, dropping answers to earlier requests.</summary>
    /// <exception cref="TimeoutException">No answer within <paramref name="timeout"/>: the channel is no longer usable.</exception>
    /// <exception cref="IOException">The guest went away (it stopped or rebooted).</exception>
    public async Task<DatabaseAnswer> RequestAsync(string requestId, string line, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), deadline.Token);
            while (true)
            {
                var answer = await _reader.ReadLineAsync(deadline.Token) ?? throw new IOException("The database guest closed its channel.");
                if (DatabaseChannelProtocol.Parse(requestId, answer) is { } parsed)
                {
                    return parsed;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The database guest did not answer within {timeout.TotalSeconds:0} s.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
