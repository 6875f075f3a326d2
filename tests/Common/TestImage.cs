using System.Diagnostics;

namespace Platform.Tests.Common;

/// <summary>The guest image, built by the project's own script (deploy/test-image/build.sh).</summary>
internal sealed record TestImage(string Kernel, string Initrd)
{
    public static TestImage Build(string directory)
    {
        var script = Path.Combine(Repository.Root, "deploy", "test-image", "build.sh");
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
