using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Platform.HostAgent.OpenVSwitch;
using Platform.HostAgent.OpenVSwitch.Flows;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Metadata;

/// <summary>
/// The instance metadata service of one integration bridge: an internal port of the bridge moved into a network namespace of
/// its own (so 169.254.169.254 is never an address of the server itself, and several agents on one machine do not meet),
/// and Kestrel listening on port 80 there. <see cref="MetadataFlows"/> bring each guest's requests to that port from an
/// address that names the guest's switch port; the responder maps it to the guest and answers only from that guest's data.
/// The responder runs beside the agent's rounds (it is not paused while they reconcile) and is set up again, idempotently,
/// on every apply: after an Open vSwitch restart the port comes back in the server's namespace and is moved in again.
/// The same namespace holds the <see cref="ManagementRelay"/> (when given one, which it then owns): managed guests' path to the API.
/// </summary>
/// <param name="credentials">Where instances' role credentials come from (null: instance profiles get no credentials here).</param>
public sealed partial class MetadataEndpoint(string bridge, MetadataTokens tokens, ILogger logger, ManagementRelay? relay = null,
    InstanceCredentialCache? credentials = null) : IAsyncDisposable
{
    private const int Port = 80;

    private readonly GuestMetadata _metadata = new(new MetadataResponder(tokens), credentials);
    private readonly SemaphoreSlim _setup = new(1, 1);
    private IReadOnlyDictionary<int, MetadataGuest> _guests = new Dictionary<int, MetadataGuest>();
    private WebApplication? _server;
    private Socket? _listener;
    private bool _configured;

    /// <summary>The responder's network namespace (one per bridge).</summary>
    public string Namespace { get; } = "imds-" + bridge;

    /// <summary>The bridge's internal port for the responder (at most 15 characters, derived from the bridge's name).</summary>
    public string PortName { get; } = "md" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(bridge)))[..10];

    /// <summary>The management relay in the service's namespace (null: none).</summary>
    public ManagementRelay? Relay => relay;

    /// <summary>The guests answered, by OpenFlow port: replaced whole after every apply, their role credentials fetched ahead.</summary>
    public void Update(IReadOnlyDictionary<int, MetadataGuest> guests)
    {
        Volatile.Write(ref _guests, guests);
        _metadata.Retain(guests.Values);
        // Not awaited: the apply goes on while the keys are fetched (each fetch logs its own failure).
        _ = _metadata.PrefetchAsync(guests.Values);
    }

    /// <summary>
    /// Makes sure the namespace, the port (moved in and addressed) and the responder exist; returns the port's OpenFlow
    /// number, or null when the service cannot be set up here (logged; the guests' own networking goes on without it).
    /// </summary>
    public async Task<int?> EnsureAsync(IOpenVSwitchDatabase database, CancellationToken cancellationToken)
    {
        await _setup.WaitAsync(cancellationToken);
        try
        {
            if (!File.Exists(Path.Combine("/var/run/netns", Namespace)))
            {
                await IpAsync(["netns", "add", Namespace], cancellationToken);
                _configured = false;
            }

            await database.EnsureBridgeAsync(new BridgeSpec(bridge), cancellationToken);
            await database.EnsurePortAsync(bridge, PortSpec.Internal(PortName), cancellationToken);
            var ofPort = await database.WaitForOfPortAsync(PortName, TimeSpan.FromSeconds(10), cancellationToken);
            // With the userspace datapath the port is a tap device ovs-vswitchd makes in its own namespace (this one).
            if (Directory.Exists(Path.Combine("/sys/class/net", PortName)))
            {
                await MoveInAsync(cancellationToken);
                _configured = false;
            }

            if (!_configured)
            {
                await ConfigureAsync(cancellationToken);
                _configured = true;
            }

            if (_server is null)
            {
                _listener = NetworkNamespace.Listen(Namespace, new IPEndPoint(IPAddress.Any, Port));
                _server = Build(_listener);
                await _server.StartAsync(cancellationToken);
                LogStarted(logger, Namespace, PortName, ofPort);
            }

            try
            {
                relay?.EnsureListening(Namespace);
            }
            catch (InvalidOperationException e)
            {
                // The relay's port taken in the namespace: the metadata service goes on; the relay is tried again next apply.
                LogRelayUnavailable(logger, e.Message);
            }

            return ofPort;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogUnavailable(logger, e.Message);
            return null;
        }
        finally
        {
            _setup.Release();
        }
    }

    /// <summary>The guests to answer: running instances with metadata and the endpoint enabled, by the OpenFlow port of each NIC.</summary>
    public static IReadOnlyDictionary<int, MetadataGuest> GuestsByPort(HostDesiredState desired, IEnumerable<PortSecurity> ports)
    {
        var byInterface = new Dictionary<string, MetadataGuest>(StringComparer.Ordinal);
        foreach (var instance in desired.Instances)
        {
            if (Answered(instance) is { } metadata)
            {
                foreach (var nic in instance.Interfaces ?? [])
                {
                    byInterface[GuestInterfaceId.For(nic.InterfaceId)] = new MetadataGuest(instance, metadata);
                }
            }
        }

        return ports.Where(p => p.OfPort > 0 && byInterface.ContainsKey(p.InterfaceId)).ToDictionary(p => p.OfPort, p => byInterface[p.InterfaceId]);
    }

    /// <summary>The switch ports (external_ids:iface-id) of the guests the service answers.</summary>
    public static IReadOnlyCollection<string> AnsweredInterfaces(HostDesiredState desired) =>
        [.. desired.Instances.Where(i => Answered(i) is not null).SelectMany(i => i.Interfaces ?? []).Select(nic => GuestInterfaceId.For(nic.InterfaceId))];

    private static DesiredInstanceMetadata? Answered(DesiredInstance instance) =>
        instance.Power == DesiredPower.Running && instance.Metadata is { HttpEndpoint: "enabled" } metadata ? metadata : null;

    private async Task MoveInAsync(CancellationToken cancellationToken)
    {
        // A port of that name already in the namespace is an earlier ovs-vswitchd's (a restarted switch makes its tap again
        // in its own namespace and leaves the old one): it carries nothing now, and while it is there the new one cannot move in.
        _ = await RunAsync("ip", ["-n", Namespace, "link", "del", PortName], cancellationToken);

        // The tap appears a moment after its OpenFlow port is assigned.
        for (var attempt = 0; ; attempt++)
        {
            var (code, output) = await RunAsync("ip", ["link", "set", PortName, "netns", Namespace], cancellationToken);
            if (code == 0)
            {
                return;
            }

            if (attempt == 50)
            {
                throw new InvalidOperationException($"ip link set {PortName} netns {Namespace}: {output}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private async Task ConfigureAsync(CancellationToken cancellationToken)
    {
        await IpAsync(["-n", Namespace, "link", "set", "lo", "up"], cancellationToken);
        await IpAsync(["-n", Namespace, "link", "set", PortName, "address", MetadataFlows.ServiceMac], cancellationToken);
        await IpAsync(["-n", Namespace, "addr", "replace", MetadataFlows.ServiceAddress + "/32", "dev", PortName], cancellationToken);
        await IpAsync(["-n", Namespace, "link", "set", PortName, "up"], cancellationToken);
        // Replies to the addresses that stand for guest ports go to a fixed next hop the flows never check (no ARP needed).
        await IpAsync(["-n", Namespace, "neigh", "replace", MetadataFlows.ReturnGateway, "lladdr", MetadataFlows.ReturnGatewayMac,
            "dev", PortName, "nud", "permanent"], cancellationToken);
        await IpAsync(["-n", Namespace, "route", "replace", MetadataFlows.PortAddressBlock, "via", MetadataFlows.ReturnGateway,
            "dev", PortName, "onlink"], cancellationToken);
    }

    private WebApplication Build(Socket listener)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Small limits: a guest gets nothing from a large request but the chance to cost the server memory.
            kestrel.Limits.MaxRequestLineSize = 2048;
            kestrel.Limits.MaxRequestHeadersTotalSize = 8192;
            kestrel.Limits.MaxRequestHeaderCount = 32;
            kestrel.Limits.MaxRequestBodySize = 4096;
            kestrel.Limits.MaxConcurrentConnections = 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(5);
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(30);
            // Kestrel listens on the socket made in the namespace; this class closes it (DisposeAsync).
            kestrel.ListenHandle((ulong)listener.SafeHandle.DangerousGetHandle());
        });
        var app = builder.Build();
        app.Run(AnswerAsync);
        return app;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var guests = Volatile.Read(ref _guests);
        if (context.Connection.RemoteIpAddress is not { } peer || MetadataFlows.OfPortFor(peer) is not { } ofPort
            || !guests.TryGetValue(ofPort, out var guest))
        {
            // Not a guest this service answers (or no longer): as with the endpoint disabled, no answer at all.
            context.Abort();
            return;
        }

        var request = new MetadataRequest(context.Request.Method, context.Request.Path.Value ?? "/",
            Single(context.Request.Headers, MetadataResponder.TokenHeader), Single(context.Request.Headers, MetadataResponder.TokenTtlHeader),
            context.Request.Headers.ContainsKey("X-Forwarded-For"));
        var answer = await _metadata.AnswerAsync(guest, request, context.RequestAborted);
        if (answer.HopLimit is { } hops && context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
        {
            socket.Ttl = (short)hops;
        }

        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = answer.ContentType;
        foreach (var (name, value) in answer.Headers)
        {
            context.Response.Headers[name] = value;
        }

        context.Response.ContentLength = answer.Body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(answer.Body, context.RequestAborted);
        }
    }

    /// <summary>A header given once; a header given twice counts as a value no token matches.</summary>
    private static string? Single(IHeaderDictionary headers, string name) =>
        headers.TryGetValue(name, out var values) ? values.Count == 1 ? values[0] : "" : null;

    private static async Task IpAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var (code, output) = await RunAsync("ip", arguments, cancellationToken);
        if (code != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)} failed ({code.ToString(CultureInfo.InvariantCulture)}): {output.Trim()}");
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await output + await error);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.StopAsync();
            await _server.DisposeAsync();
        }

        // Kestrel listens on a socket of its own made from the handle and leaves the original open: closed here, or a
        // restarted responder would share the port with a listener nobody accepts on.
        _listener?.Dispose();
        if (relay is not null)
        {
            await relay.DisposeAsync();
        }

        _setup.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Instance metadata service at 169.254.169.254:80 in network namespace {Namespace} (port {Port}, OpenFlow {OfPort})")]
    private static partial void LogStarted(ILogger logger, string @namespace, string port, int ofPort);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Management relay unavailable: {Reason}")]
    private static partial void LogRelayUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Instance metadata service unavailable: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
