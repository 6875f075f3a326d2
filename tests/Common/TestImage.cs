using System.Diagnostics;

namespace Platform.Tests.Common;

/// <summary>A guest image built by the project's own script: deploy/test-image/build.sh, or deploy/db-image/build.sh (the database guest).</summary>
internal sealed record TestImage(string Kernel, string Initrd)
{
    /// <summary>
    /// Where this clone's database image is built: a directory of its own per repository (build.sh rebuilds only when its
    /// inputs are newer), so clones with different image scripts on one machine never boot each other's image.
    /// </summary>
    public static string DatabaseImageDirectory => PerRepository("platform-db-image-");

    /// <summary>
    /// Where this clone's test image is built, as <see cref="DatabaseImageDirectory"/>: built once and reused by every test
    /// (a build took about 5 s of a core; the test run starts a dozen clouds and as many agents' tests). Its users only read
    /// it; build.sh renames finished files into place, so a test reading it while another process builds reads a whole image.
    /// </summary>
    public static string TestImageDirectory => PerRepository("platform-test-image-");

    private static string PerRepository(string prefix) =>
        Path.Combine(Path.GetTempPath(), prefix + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Repository.Root)))[..12]);

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
