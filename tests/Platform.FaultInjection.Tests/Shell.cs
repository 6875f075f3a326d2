using System.Diagnostics;

namespace Platform.FaultInjection.Tests;

internal static class Shell
{
    /// <summary>Runs a program to its end (bounded) and returns its output; a non-zero exit fails the test unless allowed.</summary>
    public static string Run(string program, params string[] arguments)
    {
        var (code, output) = RunAllowingFailure(program, arguments);
        return code == 0 ? output : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({code}): {output}");
    }

    public static (int Code, string Output) RunAllowingFailure(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not end within 120 s");
        }

        return (process.ExitCode, output.Result + error.Result);
    }
}
