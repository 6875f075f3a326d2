using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.HostAgent.OpenVSwitch.Ovsdb;

/// <summary>
/// A JSON-RPC 1.0 client for OVSDB (RFC 7047) over a stream socket, normally ovsdb-server's
/// unix socket. Requests may be in flight concurrently; one receive loop matches responses to
/// requests by id and answers the server's "echo" keep-alives, so an idle connection stays open.
/// </summary>
public sealed class OvsdbClient : IAsyncDisposable
{
    /// <summary>Where Debian's ovsdb-server listens (punix:/var/run/openvswitch/db.sock).</summary>
    public const string DefaultSocketPath = "/var/run/openvswitch/db.sock";

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _receiveLoop;
    private long _nextId;
    private volatile Exception? _failure;

    private OvsdbClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>False once the connection has failed or was closed; a new client is needed then.</summary>
    public bool IsConnected => _failure is null && !_closing.IsCancellationRequested;

    public static async Task<OvsdbClient> ConnectAsync(string socketPath = DefaultSocketPath, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
            return new OvsdbClient(socket);
        }
        catch (SocketException e)
        {
            // Name the socket: "Cannot assign requested address" alone does not say that Open vSwitch is not up.
            socket.Dispose();
            throw new IOException($"Open vSwitch's database at {socketPath} did not answer ({e.SocketErrorCode}: {e.Message})", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends one request and returns its "result"; a non-null "error" throws <see cref="OvsdbException"/>.</summary>
    public async Task<JsonElement> CallAsync(string method, JsonArray parameters, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_closing.IsCancellationRequested, this);
        if (_failure is { } failure)
        {
            throw new IOException("The OVSDB connection failed", failure);
        }

        var id = Interlocked.Increment(ref _nextId);
        var response = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = response;
        try
        {
            await SendAsync(new JsonObject { ["method"] = method, ["params"] = parameters, ["id"] = id }, cancellationToken);
            return await response.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// Runs the operations as one atomic transaction on <paramref name="database"/> and returns
    /// one result per operation. Any failed operation (or a failed commit) throws, naming the operation.
    /// </summary>
    public async Task<IReadOnlyList<JsonElement>> TransactAsync(string database, IEnumerable<JsonObject> operations, CancellationToken cancellationToken = default)
    {
        var parameters = new JsonArray { database };
        var sent = new List<string>();
        foreach (var operation in operations)
        {
            sent.Add(operation.ToJsonString());
            parameters.Add(operation);
        }

        var result = await CallAsync("transact", parameters, cancellationToken);
        var results = result.EnumerateArray().ToList();
        for (var i = 0; i < results.Count; i++)
        {
            if (results[i].ValueKind == JsonValueKind.Object && results[i].TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
            {
                var details = results[i].TryGetProperty("details", out var d) ? d.ToString() : "";
                var what = i < sent.Count ? $"operation {i} {sent[i]}" : "the commit";
                throw new OvsdbException($"OVSDB transaction failed at {what}: {error.GetString()}: {details}") { Error = error.GetString() };
            }
        }

        return results;
    }

    private async Task SendAsync(JsonObject message, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await _stream.WriteAsync(bytes, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // RFC 7047 has no framing: messages are JSON values back to back, so the loop finds where each
    // complete value ends with a non-final Utf8JsonReader and keeps the rest for the next read.
    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        var filled = 0;
        try
        {
            while (!_closing.IsCancellationRequested)
            {
                if (filled == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var read = await _stream.ReadAsync(buffer.AsMemory(filled), _closing.Token);
                if (read == 0)
                {
                    throw new IOException("ovsdb-server closed the connection");
                }

                filled += read;
                var consumed = 0;
                while (TryFindMessage(buffer.AsSpan(consumed, filled - consumed), out var length))
                {
                    using var message = JsonDocument.Parse(buffer.AsMemory(consumed, length));
                    await DispatchAsync(message.RootElement.Clone());
                    consumed += length;
                }

                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !_closing.IsCancellationRequested)
        {
            _failure = exception;
        }
        finally
        {
            var reason = _failure ?? new ObjectDisposedException(nameof(OvsdbClient));
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(new IOException("The OVSDB connection closed before the response", reason));
            }
        }
    }

    private static bool TryFindMessage(ReadOnlySpan<byte> data, out int length)
    {
        length = 0;
        var start = 0;
        while (start < data.Length && data[start] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            start++;
        }

        if (start == data.Length)
        {
            return false;
        }

        var reader = new Utf8JsonReader(data[start..], isFinalBlock: false, state: default);
        if (!reader.Read() || !reader.TrySkip())
        {
            return false;
        }

        length = start + (int)reader.BytesConsumed;
        return true;
    }

    private async Task DispatchAsync(JsonElement message)
    {
        if (message.TryGetProperty("method", out var method))
        {
            // The server's keep-alive: answering keeps it from dropping an idle connection.
            if (method.GetString() == "echo")
            {
                var reply = new JsonObject
                {
                    ["id"] = JsonNode.Parse(message.GetProperty("id").GetRawText()),
                    ["result"] = JsonNode.Parse(message.GetProperty("params").GetRawText()),
                    ["error"] = null,
                };
                await SendAsync(reply, _closing.Token);
            }

            // Notifications ("update" of a monitor, "locked") are not used by this client.
            return;
        }

        if (!message.TryGetProperty("id", out var idElement) || !idElement.TryGetInt64(out var id) || !_pending.TryGetValue(id, out var pending))
        {
            return;
        }

        if (message.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
        {
            var text = error.ValueKind == JsonValueKind.String ? error.GetString() : error.GetRawText();
            pending.TrySetException(new OvsdbException($"OVSDB error: {text}") { Error = text });
        }
        else
        {
            pending.TrySetResult(message.GetProperty("result"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_closing.IsCancellationRequested)
        {
            return;
        }

        await _closing.CancelAsync();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already disconnected by the server.
        }
        try
        {
            await _receiveLoop;
        }
        catch (OperationCanceledException)
        {
        }

        await _stream.DisposeAsync();
        _socket.Dispose();
        _writeLock.Dispose();
        _closing.Dispose();
    }
}
