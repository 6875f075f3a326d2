using System.Diagnostics;

namespace Platform.Tests.Common;

/// <summary>A guest image built by the project's own script: deploy/test-image/build.sh, or deploy/db-image/build.sh (the database guest).</summary>
internal sealed record TestImage(string Kernel, string Initrd)
{
    public static TestImage Build(string directory, string image = "test-image")
    {
        var script = Path.Combine(Repository.Root, "deploy", image, "build.sh");
        using var build = Process.Start(new ProcessStartInfo(script, directory) { RedirectStandardError = true })!;
        var errors = build.StandardError.ReadToEnd();
        build.WaitForExit();
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed: {errors}");
        }

        return new TestImage(Path.Combine(directory, "vmlinux"), Path.Combine(directory, "initrd.img"));
    }
}
