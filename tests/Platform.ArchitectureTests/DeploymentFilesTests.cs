using System.Diagnostics;

namespace Platform.ArchitectureTests;

/// <summary>The repository's deployment files are valid for the tools that read them.</summary>
public sealed class DeploymentFilesTests
{
    [Fact]
    public void The_lab_Vagrantfile_validates()
    {
        var root = RepositoryRoot();
        using var vagrant = Process.Start(new ProcessStartInfo("vagrant", "validate --ignore-provider")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["VAGRANT_CHECKPOINT_DISABLE"] = "1", ["HOME"] = Path.GetTempPath() },
        })!;
        var output = vagrant.StandardOutput.ReadToEnd() + vagrant.StandardError.ReadToEnd();
        vagrant.WaitForExit();
        Assert.True(vagrant.ExitCode == 0, output);
        Assert.Contains("Vagrantfile validated successfully", output, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Platform.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Platform.sln not found above the test output");
    }
}
