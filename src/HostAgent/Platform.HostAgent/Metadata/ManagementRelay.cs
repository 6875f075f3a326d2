using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Platform.HostAgent.OpenVSwitch;
using Platform.HostAgent.OpenVSwitch.Flows;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Metadata;

/// <summary>
/// The management path of managed guests (database servers) to the platform's API, above all its S3 endpoint where their
/// backups go: a TCP listener on 169.254.169.254:<see cref="Port"/> in the metadata service's namespace, each connection
/// relayed byte for byte to <see cref="Upstream"/> from the server's own namespace. TLS stays end to end (the guest checks
/// the API's certificate against the platform CA), so the relay sees only ciphertext. A guest is let through only when the
/// connection's peer address names the switch port of a managed guest (<see cref="MetadataFlows.OfPortFor"/>): the flows
/// take only those ports' packets here, and this check holds even if a flow were wrong.
/// </summary>
public sealed partial class ManagementRelay(DnsEndPoint upstream, ILogger logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private IReadOnlySet<int> _allowed = new HashSet<int>();
    private Socket? _listener;
    private Task? _accepting;

    /// <summary>Where the guests' connections go: the API the agent dials.</summary>
    public DnsEndPoint Upstream { get; } = upstream;

    /// <summary>The port the relay listens on in the namespace: the API's own, so a guest names the API as it is named everywhere.</summary>
    public int Port => Upstream.Port;

    /// <summary>The relay for the API at <paramref name="api"/>, or null when its port is the metadata service's (80).</summary>
    public static ManagementRelay? For(Uri api, ILogger logger) => api.Port is > 0 and not 80 ? new ManagementRelay(new DnsEndPoint(api.Host, api.Port), logger) : null;

    /// <summary>The managed guests' switch ports (external_ids:iface-id): running instances with a database.</summary>
    public static IReadOnlyCollection<string> RelayedInterfaces(HostDesiredState desired) =>
        [.. desired.Instances.Where(IsManaged).SelectMany(i => i.Interfaces ?? []).Select(nic => GuestInterfaceId.For(nic.InterfaceId))];

    /// <summary>The OpenFlow ports let through, replaced whole after every apply.</summary>
    public static IReadOnlySet<int> RelayedPorts(HostDesiredState desired, IEnumerable<PortSecurity> ports)
    {
        var managed = RelayedInterfaces(desired).ToHashSet(StringComparer.Ordinal);
        return ports.Where(p => p.OfPort > 0 && managed.Contains(p.InterfaceId)).Select(p => p.OfPort).ToHashSet();
    }

    public void Update(IReadOnlySet<int> ofPorts) => Volatile.Write(ref _allowed, ofPorts);

    /// <summary>Starts listening in <paramref name="namespace"/> once (the namespace outlives the relay's restarts of the agent).</summary>
    public void EnsureListening(string @namespace)
    {
        if (_listener is not null)
        {
            return;
        }

        _listener = NetworkNamespace.Listen(@namespace, new IPEndPoint(IPAddress.Any, Port));
        _accepting = AcceptAsync(_listener, _stopping.Token);
        LogListening(logger, @namespace, Port, Upstream.Host, Upstream.Port);
    }

    private async Task AcceptAsync(Socket listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket guest;
            try
            {
                guest = await listener.AcceptAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException { SocketErrorCode: SocketError.OperationAborted })
            {
                return;
            }

            _ = RelayAsync(guest, cancellationToken);
        }
    }

    private async Task RelayAsync(Socket guest, CancellationToken cancellationToken)
    {
        using (guest)
        {
            if (guest.RemoteEndPoint is not IPEndPoint peer || MetadataFlows.OfPortFor(peer.Address) is not { } ofPort || !Volatile.Read(ref _allowed).Contains(ofPort))
            {
                LogRefused(logger, guest.RemoteEndPoint?.ToString() ?? "?");
                return;
            }

            using var api = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            guest.NoDelay = true;
            try
            {
                using var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                connect.CancelAfter(TimeSpan.FromSeconds(10));
                await api.ConnectAsync(Upstream, connect.Token);
                await using var guestStream = new NetworkStream(guest, ownsSocket: false);
                await using var apiStream = new NetworkStream(api, ownsSocket: false);
                // Each direction is copied until its end; the end is passed on as a half close, so a client that shuts its
                // sending side (as HTTP/1.0 clients and TLS close_notify do) still gets the rest of the answer.
                await Task.WhenAll(PumpAsync(guestStream, api, cancellationToken), PumpAsync(apiStream, guest, cancellationToken));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                LogRelayEnded(logger, ofPort, e.Message);
            }
        }
    }

    private static async Task PumpAsync(NetworkStream from, Socket to, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, cancellationToken);
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The other side went away: close both so the other pump ends too.
            to.Close();
            from.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener?.Dispose();
        if (_accepting is not null)
        {
            await _accepting;
        }

        _stopping.Dispose();
    }

    private static bool IsManaged(DesiredInstance instance) => instance.Power == DesiredPower.Running && instance.Database is not null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Management relay on 169.254.169.254:{Port} in network namespace {Namespace} to {Host}:{UpstreamPort}")]
    private static partial void LogListening(ILogger logger, string @namespace, int port, string host, int upstreamPort);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Management relay refused a connection from {Peer}: not a managed guest's port")]
    private static partial void LogRefused(ILogger logger, string peer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Management relay for OpenFlow port {OfPort} ended: {Reason}")]
    private static partial void LogRelayEnded(ILogger logger, int ofPort, string reason);
}
