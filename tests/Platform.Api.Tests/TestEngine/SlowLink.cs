using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Platform.Api.Tests.TestEngine;

/// <summary>
/// A TCP relay between the agent and the API whose API-to-agent direction carries at most <see cref="BytesPerSecond"/>
/// (0: unlimited): a slow network, on which only large transfers, like image downloads, take noticeably longer.
/// </summary>
public sealed class SlowLink : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly string _scheme;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private long _bytesPerSecond;

    public SlowLink(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _scheme = target.Scheme;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>Where to dial instead of the target, in the target's scheme (the link relays bytes, TLS included).</summary>
    public Uri Address => new($"{_scheme}://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    public long BytesPerSecond
    {
        get => Interlocked.Read(ref _bytesPerSecond);
        set => Interlocked.Exchange(ref _bytesPerSecond, value);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_target, _stop.Token);
                using var either = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var up = PumpAsync(client.GetStream(), server.GetStream(), limited: false, either.Token);
                var down = PumpAsync(server.GetStream(), client.GetStream(), limited: true, either.Token);
                await Task.WhenAny(up, down);
                await either.CancelAsync();
                await Task.WhenAll(up, down).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // A side went away (the agent was killed, the API restarted): the other goes with it.
            }
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool limited, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var clock = Stopwatch.StartNew();
        long sent = 0;
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                if (limited && BytesPerSecond is > 0 and var rate)
                {
                    sent += read;
                    var due = TimeSpan.FromSeconds((double)sent / rate) - clock.Elapsed;
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, cancellationToken);
                    }
                }
                else
                {
                    sent = 0;
                    clock.Restart();
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
        }
        finally
        {
            try
            {
                to.Socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
