using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Platform.HostAgent.OpenVSwitch;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.LoadBalancers;

/// <summary>
/// The load balancer nodes a server runs, brought to the desired state each round: per node a network namespace of its own
/// with an internal port of the integration bridge moved in (as the metadata service's), carrying the node's MAC and
/// address with a default route via its subnet's gateway (the VPC router on the switch), and <see cref="HaproxyProcess"/>
/// there with the node's configuration, reloaded only when the configuration changed. The switch treats the port as a port
/// of the VPC (its iface-id is the node's interface's, <see cref="Agent.GuestNetwork"/> gives it its VLAN and flows).
/// A node with a peer (its zone's pair on two servers) also runs <see cref="KeepalivedProcess"/> there; whether it is MASTER
/// (<see cref="HoldsPublicAddress"/>) decides whether this server answers for the balancer's public address, and
/// <see cref="WatchAsync"/> wakes the agent when that changes, so the switch follows the role within a round.
/// Nodes no longer desired are stopped and their namespace, port and directory removed. Everything is found again from
/// its names and the node's directory (HAProxy's and keepalived's pid files), so a restarted agent adopts what runs rather
/// than starting it twice.
/// </summary>
/// <param name="switchNamespace">Where the switch's internal ports appear (ovs-vswitchd's network namespace); null: the agent's.</param>
internal sealed partial class LoadBalancerNodeReconciler(IOpenVSwitchDatabase database, string bridge, string directory, ILogger logger, string? switchNamespace = null)
{
    private readonly Dictionary<string, RunningNode> _nodes = new(StringComparer.Ordinal);

    public string Directory => directory;

    /// <summary>The node's network namespace: named from the bridge too, so agents of several bridges on one machine do not meet.</summary>
    public string NamespaceFor(string nodeId) => "elb-" + Hash(nodeId);

    /// <summary>The node's port on the bridge (at most 15 characters).</summary>
    public string PortFor(string nodeId) => "lb" + Hash(nodeId);

    /// <summary>
    /// When a target draining on a node here ends its delay (the earliest, UTC): its node's configuration changes then without a
    /// new desired state, so the agent's next round should come no later. Null: none is draining.
    /// </summary>
    public DateTime? NextDrainEnd { get; private set; }

    /// <returns>The nodes that could not be brought up, and why; the others were applied.</returns>
    public async Task<IReadOnlyList<(string NodeId, string Message)>> ApplyAsync(IReadOnlyList<DesiredLoadBalancerNode> desired, CancellationToken cancellationToken)
    {
        NextDrainEnd = HaproxyConfiguration.NextDrainEnd(desired, DateTime.UtcNow);
        var faults = new List<(string, string)>();
        var wanted = desired.Select(n => n.NodeId).ToHashSet(StringComparer.Ordinal);
        var known = _nodes.Keys.Concat(System.IO.Directory.Exists(directory)
            ? System.IO.Directory.EnumerateDirectories(directory).Select(Path.GetFileName).OfType<string>()
            : []).Distinct(StringComparer.Ordinal).ToList();
        foreach (var gone in known.Where(id => !wanted.Contains(id)))
        {
            try
            {
                await RemoveAsync(gone, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                faults.Add((gone, "removing: " + e.Message));
            }
        }

        foreach (var node in desired)
        {
            try
            {
                await EnsureAsync(node, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogNodeFault(logger, node.NodeId, e.Message);
                faults.Add((node.NodeId, e.Message));
            }
        }

        return faults;
    }

    /// <summary>
    /// Whether this server's node <paramref name="nodeId"/> is its pair's keepalived MASTER now: read from the node's directory
    /// (pid and state files), so it holds before this agent has adopted the node (the first switch pass of a restarted agent).
    /// </summary>
    public bool HoldsPublicAddress(string nodeId) => KeepalivedProcess.IsMasterIn(Path.Combine(directory, nodeId));

    /// <summary>
    /// Calls <paramref name="changed"/> whenever the set of nodes here holding their public address changes (keepalived's
    /// notify script wrote a new state, or its VRRP process died): every 100 ms, from the nodes' files, until cancelled.
    /// </summary>
    public async Task WatchAsync(Action changed, CancellationToken cancellationToken)
    {
        var before = "";
        while (!cancellationToken.IsCancellationRequested)
        {
            var holding = System.IO.Directory.Exists(directory)
                ? string.Join(',', System.IO.Directory.EnumerateDirectories(directory).Where(KeepalivedProcess.IsMasterIn).Order(StringComparer.Ordinal))
                : "";
            if (holding != before)
            {
                before = holding;
                changed();
            }

            try
            {
                await Task.Delay(100, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>What each node's HAProxy says of its targets; a node whose HAProxy does not answer is reported not serving.</summary>
    public async Task<IReadOnlyList<LoadBalancerNodeReport>> ObserveAsync(CancellationToken cancellationToken)
    {
        var reports = new List<LoadBalancerNodeReport>();
        foreach (var node in _nodes.Values.OrderBy(n => n.Desired.NodeId, StringComparer.Ordinal))
        {
            var csv = node.Process.IsRunning ? await node.Process.ShowStatAsync(cancellationToken) : null;
            var servers = node.Applied?.Servers ?? [];
            reports.Add(new LoadBalancerNodeReport(node.Desired.LoadBalancerArn, node.Desired.NodeId, csv is not null,
                csv is null ? [] : HaproxyStats.Read(csv, servers)));
        }

        return reports;
    }

    private async Task EnsureAsync(DesiredLoadBalancerNode node, CancellationToken cancellationToken)
    {
        var ns = NamespaceFor(node.NodeId);
        var port = PortFor(node.NodeId);
        var nodeDirectory = Path.Combine(directory, node.NodeId);
        if (!_nodes.TryGetValue(node.NodeId, out var running))
        {
            // A node left running by an earlier agent is adopted here (its pid file), not started again.
            running = new RunningNode(node, new HaproxyProcess(nodeDirectory, ns), new KeepalivedProcess(nodeDirectory, ns));
            _nodes[node.NodeId] = running;
        }

        if (!File.Exists(Path.Combine("/var/run/netns", ns)))
        {
            await IpAsync(["netns", "add", ns], cancellationToken);
            running.Addressed = null;
        }

        await database.EnsurePortAsync(bridge, new PortSpec
        {
            Name = port,
            Type = "internal",
            ExternalIds = new Dictionary<string, string> { ["iface-id"] = GuestInterfaceId.For(node.NodeId), ["attached-mac"] = node.MacAddress },
        }, cancellationToken);
        _ = await database.WaitForOfPortAsync(port, TimeSpan.FromSeconds(10), cancellationToken);
        // With the userspace datapath the port is a tap ovs-vswitchd makes in the server's namespace (again after a switch restart).
        if (switchNamespace is null ? System.IO.Directory.Exists(Path.Combine("/sys/class/net", port))
            : (await RunAsync("ip", ["-n", switchNamespace, "link", "show", port], cancellationToken)).Code == 0)
        {
            await MoveInAsync(ns, port, switchNamespace, cancellationToken);
            running.Addressed = null;
        }

        var addressing = $"{node.MacAddress} {node.PrivateIpAddress}/{PrefixOf(node.SubnetCidr)} via {node.Gateway}";
        if (running.Addressed != addressing)
        {
            await IpAsync(["-n", ns, "link", "set", "lo", "up"], cancellationToken);
            await IpAsync(["-n", ns, "link", "set", port, "address", node.MacAddress], cancellationToken);
            await IpAsync(["-n", ns, "addr", "flush", "dev", port], cancellationToken);
            await IpAsync(["-n", ns, "addr", "add", $"{node.PrivateIpAddress}/{PrefixOf(node.SubnetCidr)}", "dev", port], cancellationToken);
            await IpAsync(["-n", ns, "link", "set", port, "up"], cancellationToken);
            await IpAsync(["-n", ns, "route", "replace", "default", "via", node.Gateway, "dev", port], cancellationToken);
            running.Addressed = addressing;
        }

        // An internal pair's node listens on every address of its namespace: its own, and the virtual one while it holds it.
        var configuration = HaproxyConfiguration.Write(node, nodeDirectory, node.VirtualIpAddress is null ? node.PrivateIpAddress : null, DateTime.UtcNow);
        var onDisk = File.Exists(running.Process.ConfigurationPath) ? await File.ReadAllTextAsync(running.Process.ConfigurationPath, cancellationToken) : null;
        if (!running.Process.IsRunning || onDisk != configuration.Text)
        {
            var cutOff = running.Applied is { } before ? HaproxyConfiguration.Removed(before.Servers, configuration.Servers) : [];
            var reload = running.Process.IsRunning;
            await running.Process.ApplyAsync(configuration.Text, cancellationToken, cutOff);
            LogNodeApplied(logger, node.NodeId, reload ? "reloaded" : "started", ns, running.Process.MasterProcessId ?? 0);
        }

        if (node is { Peer: { } peer } && (node.PublicIpAddress ?? node.VirtualIpAddress) is not null)
        {
            if (node.VirtualIpAddress is { } held && !running.Keepalived.IsRunning)
            {
                // The virtual address the node held alone is keepalived's to give from now on (its MASTER takes it).
                await RunAsync("ip", ["-n", ns, "addr", "del", $"{held}/32", "dev", port], cancellationToken);
            }

            // After HAProxy: keepalived's check of it would put a node whose HAProxy is not up yet in FAULT.
            if (await running.Keepalived.ApplyAsync(KeepalivedConfiguration.Write(node, peer, port, nodeDirectory), running.Process.PidFile, cancellationToken))
            {
                LogKeepalivedApplied(logger, node.NodeId, peer.PrivateIpAddress, running.Keepalived.ProcessId ?? 0);
            }
        }
        else if (running.Keepalived.IsRunning)
        {
            // Alone again (its peer gone): the node answers for the address without an election.
            await running.Keepalived.DisposeAsync();
        }

        var holdsAlone = node is { Peer: null, VirtualIpAddress: not null } ? addressing + " " + node.VirtualIpAddress : null;
        if (holdsAlone is not null && running.HeldAlone != holdsAlone)
        {
            // An internal pair's node without its peer holds the zone's address itself (after keepalived, which removes it as it stops).
            await IpAsync(["-n", ns, "addr", "replace", $"{node.VirtualIpAddress}/32", "dev", port], cancellationToken);
        }

        running.HeldAlone = holdsAlone;

        running.Desired = node;
        running.Applied = configuration;
    }

    private async Task RemoveAsync(string nodeId, CancellationToken cancellationToken)
    {
        var nodeDirectory = Path.Combine(directory, nodeId);
        var process = _nodes.Remove(nodeId, out var running) ? running.Process : new HaproxyProcess(nodeDirectory, NamespaceFor(nodeId));
        // keepalived first: it gives the address up before HAProxy goes.
        await (running?.Keepalived ?? new KeepalivedProcess(nodeDirectory, NamespaceFor(nodeId))).DisposeAsync();
        await process.DisposeAsync();
        await database.RemovePortAsync(PortFor(nodeId), cancellationToken);
        if (File.Exists(Path.Combine("/var/run/netns", NamespaceFor(nodeId))))
        {
            await IpAsync(["netns", "del", NamespaceFor(nodeId)], cancellationToken);
        }

        if (System.IO.Directory.Exists(nodeDirectory))
        {
            System.IO.Directory.Delete(nodeDirectory, recursive: true);
        }

        LogNodeRemoved(logger, nodeId);
    }

    private static async Task MoveInAsync(string ns, string port, string? switchNamespace, CancellationToken cancellationToken)
    {
        // A port of that name already in the namespace is an earlier ovs-vswitchd's tap: it carries nothing now.
        _ = await RunAsync("ip", ["-n", ns, "link", "del", port], cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            var (code, output) = await RunAsync("ip", [.. switchNamespace is null ? [] : new[] { "-n", switchNamespace }, "link", "set", port, "netns", ns], cancellationToken);
            if (code == 0)
            {
                return;
            }

            if (attempt == 50)
            {
                throw new InvalidOperationException($"ip {(switchNamespace is null ? "" : "-n " + switchNamespace + " ")}link set {port} netns {ns}: {output.Trim()}");
            }

            // The tap appears a moment after its OpenFlow port is assigned.
            await Task.Delay(50, cancellationToken);
        }
    }

    private static string PrefixOf(string cidr) => cidr[(cidr.IndexOf('/', StringComparison.Ordinal) + 1)..];

    private string Hash(string nodeId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(bridge + "/" + nodeId)))[..12];

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Load balancer node {NodeId} {What} in network namespace {Namespace} (HAProxy master {Pid})")]
    private static partial void LogNodeApplied(ILogger logger, string nodeId, string what, string @namespace, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "Load balancer node {NodeId}: keepalived with peer {Peer} (pid {Pid})")]
    private static partial void LogKeepalivedApplied(ILogger logger, string nodeId, string peer, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "Load balancer node {NodeId} removed")]
    private static partial void LogNodeRemoved(ILogger logger, string nodeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Load balancer node {NodeId} not applied: {Reason}")]
    private static partial void LogNodeFault(ILogger logger, string nodeId, string reason);

    private sealed class RunningNode(DesiredLoadBalancerNode desired, HaproxyProcess process, KeepalivedProcess keepalived)
    {
        public DesiredLoadBalancerNode Desired { get; set; } = desired;

        public HaproxyProcess Process { get; } = process;

        /// <summary>The node's keepalived (running only while the node has a peer).</summary>
        public KeepalivedProcess Keepalived { get; } = keepalived;

        /// <summary>The configuration this agent applied (null after a restart until it applies one: nothing is cut then).</summary>
        public HaproxyConfigurationText? Applied { get; set; }

        /// <summary>The port's MAC, address and route as last set (null: set them again).</summary>
        public string? Addressed { get; set; }

        /// <summary>The addressing and virtual address with which the node, alone, last took its pair's address (null: it has not).</summary>
        public string? HeldAlone { get; set; }
    }
}
