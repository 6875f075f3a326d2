using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Platform.Modules.Shared.Ids;

namespace Platform.Api.Hosting;

/// <summary>
/// Kestrel answers a request it cannot parse (a NUL in the path, a malformed request line or header, a header section too
/// large) itself, before the API runs: a bare status line with no body, then it closes the connection. A client is told
/// nothing of why, and no request id names the refusal. This connection middleware, on every listener and after TLS, puts
/// the API's own error document into that answer: S3's XML on the S3 listener, the native API's JSON elsewhere, with
/// AWS's code (<c>InvalidURI</c> for a NUL in the request target, as a <c>%00</c> in a query or a non-UTF-8 escape gets
/// from the API itself) and a request id that the log line names too.
/// <para>
/// It changes only what Kestrel writes while no request of the connection is in the API (between a response's end and
/// the next request's start, where Kestrel writes nothing else over HTTP/1.1), and only a bare refusal (no body, the
/// connection closing, no request id): the API's own answers and the bytes of every body pass through untouched.
/// HTTP/2 connections are left alone (Kestrel refuses a bad stream there with a reset, not a bare answer).
/// </para>
/// </summary>
internal sealed class ServerRefusals(bool s3Listener, ILogger logger)
{
    /// <summary>The connection's state, shared with the API's first middleware through the connection's items.</summary>
    internal sealed class ConnectionState
    {
        private int _requestsInApi;

        /// <summary>Whether a request of this connection is in the API now (its response not completed yet).</summary>
        public bool InApi => Volatile.Read(ref _requestsInApi) > 0;

        /// <summary>The start of what the client sent while no request was in the API: the request Kestrel is parsing.</summary>
        public byte[] PendingRequestStart { get; set; } = [];

        public void Enter() => Interlocked.Increment(ref _requestsInApi);

        public void Leave() => Interlocked.Decrement(ref _requestsInApi);
    }

    private const int RequestStartBytes = 8 * 1024;

    /// <summary>Marks a request as in the API until its response completed (the API's first middleware calls it).</summary>
    public static void TrackRequest(HttpContext context)
    {
        if (context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(typeof(ConnectionState), out var value) is true && value is ConnectionState state)
        {
            state.Enter();
            context.Response.OnCompleted(() =>
            {
                state.Leave();
                return Task.CompletedTask;
            });
        }
    }

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (connection.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.ITlsApplicationProtocolFeature>()?.ApplicationProtocol.Span.SequenceEqual("h2"u8) is true)
        {
            await next(connection);
            return;
        }

        var state = new ConnectionState();
        connection.Items[typeof(ConnectionState)] = state;
        var transport = connection.Transport;
        connection.Transport = new DuplexPipe(new RecordingReader(transport.Input, state), new RefusalWriter(transport.Output, state, this));
        try
        {
            await next(connection);
        }
        finally
        {
            connection.Transport = transport;
        }
    }

    /// <summary>The API's answer in place of Kestrel's bare one; null when <paramref name="written"/> is not such an answer.</summary>
    internal byte[]? Replace(ReadOnlySpan<byte> written, ReadOnlySpan<byte> requestStart)
    {
        if (!TryParseBareRefusal(written, out var status, out var reason))
        {
            return null;
        }

        var (code, message) = Error(status, requestStart);
        var requestId = ResourceIds.NewRequestId();
        logger.LogInformation("Request refused by the server before the API: {Status} {Code} ({Message}), request id {RequestId}", status, code, message, requestId);
        var body = s3Listener
            ? Encoding.UTF8.GetBytes($"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{requestId}</RequestId><HostId>{requestId}</HostId></Error>")
            : Encoding.UTF8.GetBytes($"{{\"code\":\"{code}\",\"message\":\"{message}\",\"request_id\":\"{requestId}\"}}");
        var head = string.Create(CultureInfo.InvariantCulture,
            $"HTTP/1.1 {status} {reason}\r\nContent-Type: {(s3Listener ? "application/xml" : "application/json; charset=utf-8")}\r\nContent-Length: {body.Length}\r\nConnection: close\r\nDate: {DateTimeOffset.UtcNow:R}\r\n{PlatformPipeline.RequestIdHeader}: {requestId}\r\n\r\n");
        return [.. Encoding.ASCII.GetBytes(head), .. body];
    }

    /// <summary>
    /// Kestrel's own refusal: <c>HTTP/1.1 4xx reason</c>, a header section and nothing after it, no body
    /// (<c>Content-Length: 0</c>), the connection closing, and none of the API's request id.
    /// </summary>
    internal static bool TryParseBareRefusal(ReadOnlySpan<byte> written, out int status, out string reason)
    {
        status = 0;
        reason = "";
        if (!written.StartsWith("HTTP/1.1 4"u8) || written.Length < 13 || !written.EndsWith("\r\n\r\n"u8)
            || written.IndexOf("\r\n\r\n"u8) != written.Length - 4)
        {
            return false;
        }

        var text = Encoding.ASCII.GetString(written);
        var lines = text[..^4].Split("\r\n");
        var statusLine = lines[0].Split(' ', 3);
        if (statusLine.Length < 2 || !int.TryParse(statusLine[1], NumberStyles.None, CultureInfo.InvariantCulture, out status))
        {
            return false;
        }

        var headers = lines.Skip(1).ToList();
        bool Has(string name, string? value = null) => headers.Exists(line =>
            line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase) && (value is null || string.Equals(line[(name.Length + 1)..].Trim(), value, StringComparison.OrdinalIgnoreCase)));
        if (!Has("Content-Length", "0") || !Has("Connection", "close") || Has(PlatformPipeline.RequestIdHeader) || Has("Content-Type"))
        {
            return false;
        }

        reason = statusLine.Length == 3 ? statusLine[2] : "";
        return true;
    }

    /// <summary>AWS's code and message for a refusal of <paramref name="status"/> (S3's words where S3 has them).</summary>
    internal static (string Code, string Message) Error(int status, ReadOnlySpan<byte> requestStart) => status switch
    {
        400 when RequestTargetHoldsNul(requestStart) => ("InvalidURI", "Couldn't parse the specified URI."),
        400 => ("InvalidRequest", "The request could not be parsed: its request line or a header is malformed."),
        408 => ("RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period."),
        413 => ("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size."),
        414 => ("InvalidURI", "The request line is too long."),
        431 => ("RequestHeaderSectionTooLarge", "Your request header section exceeds the maximum allowed size."),
        _ => ("InvalidRequest", $"The request was refused ({status})."),
    };

    /// <summary>Whether the request line (up to its first CR or LF) holds a NUL, raw or as <c>%00</c>.</summary>
    internal static bool RequestTargetHoldsNul(ReadOnlySpan<byte> requestStart)
    {
        var end = requestStart.IndexOfAny((byte)'\r', (byte)'\n');
        var line = end < 0 ? requestStart : requestStart[..end];
        return line.Contains((byte)0) || Encoding.ASCII.GetString(line).Contains("%00", StringComparison.Ordinal);
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    /// <summary>Keeps the start of what arrives while no request is in the API: the request line Kestrel may refuse.</summary>
    private sealed class RecordingReader(PipeReader inner, ConnectionState state) : PipeReader
    {
        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) => Record(await inner.ReadAsync(cancellationToken));

        public override bool TryRead(out ReadResult result)
        {
            if (!inner.TryRead(out result))
            {
                return false;
            }

            result = Record(result);
            return true;
        }

        private ReadResult Record(ReadResult result)
        {
            if (!state.InApi)
            {
                var buffer = result.Buffer;
                state.PendingRequestStart = buffer.Slice(0, Math.Min(buffer.Length, RequestStartBytes)).ToArray();
            }

            return result;
        }
    }

    /// <summary>
    /// Passes writes through while a request is in the API; otherwise holds them until the flush and swaps a bare refusal
    /// for the API's answer. The order of bytes never changes: a batch held is written whole before anything after it.
    /// </summary>
    private sealed class RefusalWriter(PipeWriter inner, ConnectionState state, ServerRefusals refusals) : PipeWriter
    {
        private ArrayBufferWriter<byte>? _held;
        private bool _passing;

        public override void Advance(int bytes)
        {
            if (_held is not null)
            {
                _held.Advance(bytes);
            }
            else
            {
                inner.Advance(bytes);
            }
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => Batch() is { } held ? held.GetMemory(sizeHint) : inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => Batch() is { } held ? held.GetSpan(sizeHint) : inner.GetSpan(sizeHint);

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        /// <summary>What is written and not flushed yet, held or in the transport (System.Text.Json's serializer flushes by it).</summary>
        public override long UnflushedBytes => (_held?.WrittenCount ?? 0) + inner.UnflushedBytes;

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            Release();
            inner.Complete(exception);
        }

        public override async ValueTask CompleteAsync(Exception? exception = null)
        {
            Release();
            await inner.CompleteAsync(exception);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            Release();
            return inner.FlushAsync(cancellationToken);
        }

        /// <summary>The buffer a new batch goes into: held when no request is in the API, else none (straight through).</summary>
        private ArrayBufferWriter<byte>? Batch()
        {
            if (_held is null && !_passing)
            {
                if (state.InApi)
                {
                    _passing = true;
                }
                else
                {
                    _held = new ArrayBufferWriter<byte>(256);
                }
            }

            return _held;
        }

        private void Release()
        {
            _passing = false;
            if (_held is not { } held)
            {
                return;
            }

            _held = null;
            inner.Write(refusals.Replace(held.WrittenSpan, state.PendingRequestStart) ?? held.WrittenSpan);
        }
    }
}
