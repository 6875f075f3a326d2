using System.Diagnostics;

namespace Platform.HostAgent.OpenVSwitch.Flows;

/// <summary>
/// A bridge's OpenFlow tables through ovs-ofctl. <see cref="ReplaceFlowsAsync"/> sends only the
/// difference between the switch's flows and the given ones, all in one OpenFlow 1.4 bundle: the
/// switch goes from the old table to the new one atomically, and flows that did not change are not
/// touched (their conntrack state and datapath caches stay), so re-applying is harmless.
/// </summary>
public sealed class OpenFlowSwitch(string target)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    /// <summary>What ovs-ofctl connects to: a bridge name, or "unix:RUNDIR/BRIDGE.mgmt" for a switch with its own run directory.</summary>
    public string Target { get; } = target;

    /// <summary>The bridge of the ovs-vswitchd whose run directory is <paramref name="runDirectory"/> (null: the system's, /var/run/openvswitch).</summary>
    public static OpenFlowSwitch ForBridge(string bridge, string? runDirectory = null) =>
        new(runDirectory is null ? bridge : $"unix:{Path.Combine(runDirectory, bridge)}.mgmt");

    public Task ReplaceFlowsAsync(string flows, CancellationToken cancellationToken = default) =>
        RunAsync(["-O", "OpenFlow14", "--bundle", "replace-flows", Target, "-"], flows, cancellationToken);

    /// <summary>The flows as the switch has them, without counters (for diagnostics and tests).</summary>
    public Task<string> DumpFlowsAsync(CancellationToken cancellationToken = default) =>
        RunAsync(["-O", "OpenFlow14", "--no-stats", "dump-flows", Target], null, cancellationToken);

    /// <summary>The flows of one table as the switch has them (flows learnt by the switch included).</summary>
    public Task<string> DumpTableAsync(int table, CancellationToken cancellationToken = default) =>
        RunAsync(["-O", "OpenFlow14", "--no-stats", "dump-flows", Target, $"table={table}"], null, cancellationToken);

    /// <summary>Sends one Ethernet frame (hex) out of an OpenFlow port, as the controller would.</summary>
    public Task PacketOutAsync(string frameHex, int outPort, CancellationToken cancellationToken = default) =>
        RunAsync(["-O", "OpenFlow14", "packet-out", Target, $"in_port=controller,packet={frameHex},actions=output:{outPort}"], null, cancellationToken);

    private static async Task<string> RunAsync(IReadOnlyList<string> arguments, string? input, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("ovs-ofctl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("ovs-ofctl did not start");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input.AsMemory(), timeout.Token);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new OpenFlowException($"ovs-ofctl {string.Join(' ', arguments)} failed ({process.ExitCode}): {(await error).Trim()}");
        }

        return await output;
    }
}

/// <summary>ovs-ofctl refused a command (bad flow syntax, unknown bridge, switch not running).</summary>
public sealed class OpenFlowException : Exception
{
    public OpenFlowException()
    {
    }

    public OpenFlowException(string message)
        : base(message)
    {
    }

    public OpenFlowException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
