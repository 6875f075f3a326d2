using System.Diagnostics;
using System.Globalization;

namespace Platform.HostAgent.OpenVSwitch.Tests;

/// <summary>
/// One TCP connection between two test guests, made by busybox nc: a listener in one guest's namespace, a client
/// in the other's, the test holding both ends' stdin and stdout. Lines written on one side are read on the other,
/// so the test sees whether the very same connection still carries data in both directions.
/// </summary>
internal sealed class TcpSession : IAsyncDisposable
{
    private readonly Process _listener;
    private readonly Process _client;

    private TcpSession(Process listener, Process client)
    {
        _listener = listener;
        _client = client;
    }

    /// <summary>Connects <paramref name="from"/> to <paramref name="to"/>:<paramref name="port"/>; null if the connection is not made within the timeout.</summary>
    public static async Task<TcpSession?> TryOpenAsync(TestGuest from, TestGuest to, int port, TimeSpan timeout)
    {
        var listener = await ListenAsync(to, port);
        var client = Start(from.Namespace, "-w", ((int)Math.Ceiling(timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture), to.Ip,
            port.ToString(CultureInfo.InvariantCulture));
        var session = new TcpSession(listener, client);
        // nc says nothing when it connects: the listener's side shows it. A refused or dropped connection ends the client.
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !client.HasExited)
        {
            if (await EstablishedAsync(to.Namespace, port))
            {
                return session;
            }

            await Task.Delay(50);
        }

        await session.DisposeAsync();
        return null;
    }

    /// <summary>True if a line written by the client is read by the listener and a line back is read by the client, each within the timeout.</summary>
    public async Task<bool> ExchangeAsync(string text, TimeSpan timeout) =>
        await SendAsync(_client, _listener, text + " out", timeout) && await SendAsync(_listener, _client, text + " back", timeout);

    /// <summary>
    /// The same, the listener speaking first. That is the strict check that the connection's tracked state survived a
    /// change: after an idle spell, a packet of the replying side with no tracked connection to belong to is a new
    /// connection towards the initiator, which a guest without ingress rules refuses; a packet of the initiator would
    /// be let out by its egress rule and tracked afresh.
    /// </summary>
    public async Task<bool> ExchangeListenerFirstAsync(string text, TimeSpan timeout) =>
        await SendAsync(_listener, _client, text + " back", timeout) && await SendAsync(_client, _listener, text + " out", timeout);

    public async ValueTask DisposeAsync()
    {
        foreach (var process in new[] { _client, _listener })
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }
    }

    private static async Task<bool> SendAsync(Process from, Process to, string line, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await from.StandardInput.WriteLineAsync(line.AsMemory(), cancel.Token);
            await from.StandardInput.FlushAsync(cancel.Token);
            return await to.StandardOutput.ReadLineAsync(cancel.Token) == line;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            return false;
        }
    }

    /// <summary>A listener for one connection on the guest's address, returned once it listens.</summary>
    public static async Task<Process> ListenAsync(TestGuest guest, int port)
    {
        var listener = Start(guest.Namespace, "-l", "-p", port.ToString(CultureInfo.InvariantCulture));
        for (var attempt = 0; !await ListeningAsync(guest.Namespace, port); attempt++)
        {
            if (attempt == 100 || listener.HasExited)
            {
                listener.Kill(entireProcessTree: true);
                listener.Dispose();
                throw new InvalidOperationException($"nc did not listen on port {port} in {guest.Namespace}");
            }

            await Task.Delay(20);
        }

        return listener;
    }

    private static Process Start(string ns, params string[] arguments)
    {
        var start = new ProcessStartInfo("ip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "netns", "exec", ns, "busybox", "nc" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    private static async Task<bool> ListeningAsync(string ns, int port) =>
        (await Shell.RunAsync("ip", "netns", "exec", ns, "ss", "-Hltn", $"sport = :{port}")).Output.Trim().Length > 0;

    private static async Task<bool> EstablishedAsync(string ns, int port) =>
        (await Shell.RunAsync("ip", "netns", "exec", ns, "ss", "-Htn", "state", "established", $"sport = :{port}")).Output.Trim().Length > 0;
}
