using System.Diagnostics;

namespace Platform.HostAgent.OpenVSwitch.Tests;

/// <summary>
/// A fact that needs a real Open vSwitch and root (network namespaces). Skipped, with the reason, only
/// where OVS cannot run at all (not installed, not root); where it is installed but its daemons are
/// not running, the tests fail: deploy/start-test-daemons.sh starts them.
/// </summary>
public sealed class OvsFactAttribute : FactAttribute
{
    public OvsFactAttribute()
    {
        if (!File.Exists("/usr/sbin/ovs-vswitchd") && !File.Exists("/usr/bin/ovs-vswitchd"))
        {
            Skip = "Open vSwitch is not installed (deploy/install-prerequisites.sh installs openvswitch-switch)";
        }
        else if (Environment.UserName != "root")
        {
            Skip = "Open vSwitch tests need root (network namespaces, the switch's socket)";
        }
    }
}

/// <summary>A theory with <see cref="OvsFactAttribute"/>'s conditions.</summary>
public sealed class OvsTheoryAttribute : TheoryAttribute
{
    public OvsTheoryAttribute() => Skip = new OvsFactAttribute().Skip;
}

/// <summary>The Open vSwitch tests share one switch and two CPU cores: one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OpenVSwitchCollection
{
    public const string Name = "Open vSwitch";
}

internal static class Shell
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await output) + (await error));
    }

    public static async Task<string> CheckAsync(string file, params string[] arguments)
    {
        var (code, output) = await RunAsync(file, arguments);
        return code == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {code}: {output}");
    }

    /// <summary>One ICMP echo from inside a namespace; true if the reply came within the timeout.</summary>
    public static async Task<bool> PingAsync(string fromNamespace, string address, double timeoutSeconds = 1, int count = 1)
    {
        var (code, _) = await RunAsync("ip", "netns", "exec", fromNamespace, "ping", "-n", "-q", "-c", count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-i", "0.2", "-W", timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), address);
        return code == 0;
    }

    public static string NewSuffix() => Random.Shared.Next(0x1000, 0xffff).ToString("x4", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// A test guest: an internal port of the bridge (a tap device with the userspace datapath), moved into
/// its own network namespace with the MAC and address the desired state gives it. It stands in for a
/// VM's NIC: to the switch it is a port with external_ids:iface-id, like the port libvirt adds.
/// </summary>
internal sealed record TestGuest(string Name, string Namespace, string Mac, string Ip)
{
    /// <param name="interfaceId">The port's external_ids:iface-id (the guest's name by default).</param>
    public static async Task<TestGuest> AddAsync(IOpenVSwitchDatabase database, string bridge, string name, string mac, string ip, string? switchNamespace = null,
        int prefix = 16, string? gateway = null, string? interfaceId = null)
    {
        await database.EnsurePortAsync(bridge, new PortSpec
        {
            Name = name,
            Type = "internal",
            ExternalIds = new Dictionary<string, string> { ["iface-id"] = interfaceId ?? name, ["attached-mac"] = mac },
        });
        await database.WaitForOfPortAsync(name, TimeSpan.FromSeconds(10));
        var ns = "ns-" + name;
        await Shell.CheckAsync("ip", "netns", "add", ns);
        var from = switchNamespace is null ? new[] { "link" } : ["-n", switchNamespace, "link"];
        // The tap device appears a moment after ofport is assigned in some cases; retry briefly.
        for (var attempt = 0; ; attempt++)
        {
            var (code, output) = await Shell.RunAsync("ip", [.. from, "set", name, "netns", ns]);
            if (code == 0)
            {
                break;
            }

            if (attempt == 50)
            {
                throw new InvalidOperationException($"moving {name} into {ns}: {output}");
            }

            await Task.Delay(50);
        }

        await Shell.CheckAsync("ip", "-n", ns, "link", "set", name, "address", mac);
        await Shell.CheckAsync("ip", "-n", ns, "addr", "add", $"{ip}/{prefix}", "dev", name);
        await Shell.CheckAsync("ip", "-n", ns, "link", "set", name, "up");
        if (gateway is not null)
        {
            await Shell.CheckAsync("ip", "-n", ns, "route", "add", "default", "via", gateway);
        }
        await Shell.CheckAsync("ip", "-n", ns, "link", "set", "lo", "up");
        return new TestGuest(name, ns, mac, ip);
    }

    public Task<bool> PingAsync(string address, double timeoutSeconds = 1, int count = 1) => Shell.PingAsync(Namespace, address, timeoutSeconds, count);

    public async Task DeleteAsync() => await Shell.RunAsync("ip", "netns", "del", Namespace);
}

/// <summary>Figures for the benchmarks (bench/ovs-rule-latency.sh, bench/run.sh network): appended as JSON lines to $PLATFORM_BENCH_OUTPUT when it is set.</summary>
internal static class Benchmark
{
    public static void Record(params object[] namesAndValues)
    {
        var path = Environment.GetEnvironmentVariable("PLATFORM_BENCH_OUTPUT");
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        var fields = new Dictionary<string, object>();
        for (var i = 0; i + 1 < namesAndValues.Length; i += 2)
        {
            fields[(string)namesAndValues[i]] = namesAndValues[i + 1];
        }

        File.AppendAllText(path, System.Text.Json.JsonSerializer.Serialize(fields) + "\n");
    }
}
