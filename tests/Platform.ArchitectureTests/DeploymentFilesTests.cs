using System.Diagnostics;
using Platform.Tests.Common;

namespace Platform.ArchitectureTests;

/// <summary>The repository's deployment files are valid for the tools that read them.</summary>
public sealed class DeploymentFilesTests
{
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
}
