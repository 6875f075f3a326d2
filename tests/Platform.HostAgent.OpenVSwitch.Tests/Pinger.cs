using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Platform.HostAgent.OpenVSwitch.Tests;

/// <summary>
/// A continuous ping (every 10 ms, for a fixed time) from a namespace, with the wall-clock time of
/// every reply (ping -D): it shows when traffic stopped or came back relative to a change.
/// </summary>
internal sealed partial class Pinger
{
    private readonly Process _process;
    private readonly Task<string> _output;

    private Pinger(Process process)
    {
        _process = process;
        _output = process.StandardOutput.ReadToEndAsync();
    }

    public static Pinger Start(string fromNamespace, string address, TimeSpan duration)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "netns", "exec", fromNamespace, "ping", "-n", "-D", "-i", "0.01", "-W", "1", "-w", ((int)Math.Ceiling(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture), address })
        {
            start.ArgumentList.Add(argument);
        }

        return new Pinger(Process.Start(start)!);
    }

    /// <summary>Waits for the ping to end and returns its replies: wall-clock time and sequence number.</summary>
    public async Task<IReadOnlyList<(DateTimeOffset At, int Sequence)>> RepliesAsync()
    {
        await _process.WaitForExitAsync();
        var text = await _output;
        _process.Dispose();
        return [.. ReplyLine().Matches(text).Select(m => (
            DateTimeOffset.FromUnixTimeMilliseconds((long)(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 1000)),
            int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))];
    }

    [GeneratedRegex(@"^\[(\d+\.\d+)\] \d+ bytes from .*icmp_seq=(\d+)", RegexOptions.Multiline)]
    private static partial Regex ReplyLine();
}
