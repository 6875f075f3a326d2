using System.Diagnostics;
using Platform.Tests.Common;

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
        await using var guest = await Guest.BootAsync();
        Assert.Equal(DomainState.Running, guest.Domain.GetInfo().State);
    }

    [Fact]
    public async Task Given_a_running_guest_When_a_disk_is_hot_plugged_and_unplugged_Then_the_guest_sees_it_come_and_go()
    {
        await using var guest = await Guest.BootAsync();
        var file = Path.Combine(guest.WorkDirectory, "vol-hotplug.qcow2");
        using (var create = Process.Start("qemu-img", ["create", "-q", "-f", "qcow2", file, "64M"]))
        {
            await create.WaitForExitAsync();
            Assert.Equal(0, create.ExitCode);
        }

        var disk = new DiskDefinition(file, "vdb").ToDeviceXml();
        guest.Domain.AttachDevice(disk);
        await guest.WaitForConsoleAsync("PLATFORM-GUEST-DISK vda");
        Assert.Contains(file, guest.Domain.GetXml(), StringComparison.Ordinal);

        guest.Domain.DetachDevice(disk);
        await guest.WaitForConsoleAsync("PLATFORM-GUEST-DISK-GONE vda");
    }

    /// <summary>A test guest on qemu:///system, destroyed and undefined when disposed, also when the test fails.</summary>
    private sealed class Guest : IAsyncDisposable
    {
        private readonly LibvirtConnection _connection;

        private Guest(LibvirtConnection connection, LibvirtDomain domain, string workDirectory, string console)
        {
            _connection = connection;
            Domain = domain;
            WorkDirectory = workDirectory;
            Console = console;
        }

        public LibvirtDomain Domain { get; }

        public string WorkDirectory { get; }

        public string Console { get; }

        public static async Task<Guest> BootAsync()
        {
            var work = Directory.CreateTempSubdirectory("platform-guest-").FullName;
            var image = TestImage.Build(Path.Combine(work, "image"));
            var marker = Guid.NewGuid().ToString("N");
            var connection = LibvirtConnection.Open("qemu:///system");
            var domain = connection.DefineDomain(new DomainDefinition
            {
                Name = $"i-test{marker[..13]}",
                MemoryMiB = 128,
                VirtualCpus = 1,
                Kernel = new DirectKernelBoot(image.Kernel, image.Initrd, $"console=ttyS0 quiet no_timer_check platform.marker={marker}"),
                SerialLogPath = Path.Combine(work, "console.log"),
            }.ToXml());
            var guest = new Guest(connection, domain, work, Path.Combine(work, "console.log"));
            try
            {
                domain.Start();
                await guest.WaitForConsoleAsync($"PLATFORM-GUEST-READY {marker}");
                return guest;
            }
            catch
            {
                await guest.DisposeAsync();
                throw;
            }
        }

        public async Task WaitForConsoleAsync(string line)
        {
            var started = Stopwatch.StartNew();
            while (!(File.Exists(Console) && (await File.ReadAllTextAsync(Console)).Contains(line, StringComparison.Ordinal)))
            {
                Assert.True(started.Elapsed < BootDeadline,
                    $"no '{line}' after {BootDeadline}; console: {(File.Exists(Console) ? await File.ReadAllTextAsync(Console) : "(none)")}");
                await Task.Delay(250);
            }
        }

        public ValueTask DisposeAsync()
        {
            // TCG guests eat the machine's 2 cores: every guest a test starts is stopped.
            if (Domain.IsActive)
            {
                Domain.Destroy();
            }

            Domain.Undefine();
            Domain.Dispose();
            _connection.Dispose();
            Directory.Delete(WorkDirectory, recursive: true);
            return ValueTask.CompletedTask;
        }
    }
}
