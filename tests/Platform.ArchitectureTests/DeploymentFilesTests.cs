using System.Diagnostics;
using Platform.Tests.Common;

namespace Platform.ArchitectureTests;

/// <summary>The repository's deployment files are valid for the tools that read them.</summary>
public sealed class DeploymentFilesTests
{
    public static TheoryData<string> SystemdUnits() =>
        [.. Directory.GetFiles(Path.Combine(Repository.Root, "deploy", "systemd"), "*.service").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(SystemdUnits))]
    public void Every_systemd_unit_passes_systemd_analyze_verify(string unit)
    {
        var (exitCode, output) = Run("systemd-analyze", $"verify {Path.Combine(Repository.Root, "deploy", "systemd", unit)}");
        Assert.True(exitCode == 0 && output.Trim().Length == 0, output);
    }

    [Fact]
    public void The_lab_Vagrantfile_validates()
    {
        using var vagrant = Process.Start(new ProcessStartInfo("vagrant", "validate --ignore-provider")
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["VAGRANT_CHECKPOINT_DISABLE"] = "1", ["HOME"] = Path.GetTempPath() },
        })!;
        var output = vagrant.StandardOutput.ReadToEnd() + vagrant.StandardError.ReadToEnd();
        vagrant.WaitForExit();
        Assert.True(vagrant.ExitCode == 0, output);
        Assert.Contains("Vagrantfile validated successfully", output, StringComparison.Ordinal);
    }

    private static (int ExitCode, string Output) Run(string command, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
