using System.Diagnostics;

namespace Platform.HostAgent.Libvirt.Tests;

/// <summary>
/// A real QEMU guest (TCG) through our bindings on qemu:///system: the project's test image boots and
/// prints its marker on the serial console. Needs libvirtd, which the README's test command starts.
/// </summary>
public sealed class RealGuestTests
{
    private static readonly TimeSpan BootDeadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Given_the_test_image_When_a_domain_boots_it_Then_the_console_shows_the_marker()
    {
        var work = Directory.CreateTempSubdirectory("platform-guest-").FullName;
        var image = TestImage.Build(Path.Combine(work, "image"));
        var marker = Guid.NewGuid().ToString("N");
        var console = Path.Combine(work, "console.log");
        var name = $"i-test{marker[..13]}";

        using var connection = LibvirtConnection.Open("qemu:///system");
        using var domain = connection.DefineDomain(new DomainDefinition
        {
            Name = name,
            MemoryMiB = 128,
            VirtualCpus = 1,
            Kernel = new DirectKernelBoot(image.Kernel, image.Initrd, $"console=ttyS0 quiet platform.marker={marker}"),
            SerialLogPath = console,
        }.ToXml());
        try
        {
            domain.Start();
            Assert.Equal(DomainState.Running, domain.GetInfo().State);
            var started = Stopwatch.StartNew();
            while (!(File.Exists(console) && (await File.ReadAllTextAsync(console)).Contains($"PLATFORM-GUEST-READY {marker}", StringComparison.Ordinal)))
            {
                Assert.True(started.Elapsed < BootDeadline, $"no marker after {BootDeadline}; console: {(File.Exists(console) ? await File.ReadAllTextAsync(console) : "(none)")}");
                await Task.Delay(250);
            }
        }
        finally
        {
            // Every guest a test starts is stopped, also when the test fails: TCG guests eat the machine's 2 cores.
            if (domain.IsActive)
            {
                domain.Destroy();
            }

            domain.Undefine();
            Directory.Delete(work, recursive: true);
        }
    }
}

/// <summary>The guest image, built by the project's own script (deploy/test-image/build.sh).</summary>
internal sealed record TestImage(string Kernel, string Initrd)
{
    public static TestImage Build(string directory)
    {
        var script = Path.Combine(RepositoryRoot(), "deploy", "test-image", "build.sh");
        using var build = Process.Start(new ProcessStartInfo(script, directory) { RedirectStandardError = true })!;
        var errors = build.StandardError.ReadToEnd();
        build.WaitForExit();
        Assert.True(build.ExitCode == 0, $"{script} failed: {errors}");
        return new TestImage(Path.Combine(directory, "vmlinuz"), Path.Combine(directory, "initrd.img"));
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
