using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using System.Xml.Linq;
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

    [Fact]
    public async Task Given_a_LUKS_disk_hot_plugged_in_a_running_guest_When_a_disk_only_snapshot_is_taken_with_its_encryption_Then_the_overlay_is_LUKS_too_and_commits_back()
    {
        await using var guest = await Guest.BootAsync();
        var file = Path.Combine(guest.WorkDirectory, "vol-luks.qcow2");
        var uuid = Guid.NewGuid();
        var passphrase = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        // A low iteration time: the key derivation is what makes libvirt's own LUKS volumes slow to create (about 20 s here).
        // QEMU times its key derivation by the thread's CPU time and gives up when that reads 0 ("Unable to get accurate CPU
        // usage"), which happens on a starved machine (the clean-clone runs of 2026-12-04 and -05): another try then.
        for (var attempt = 1; ; attempt++)
        {
            var (exit, text) = await TryRunAsync("qemu-img", "create", "-q", "--object", $"secret,id=sec0,data={passphrase}", "-f", "qcow2",
                "-o", "encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=10", file, "64M");
            if (exit == 0)
            {
                break;
            }

            Assert.True(attempt < 5 && text.Contains("Unable to get accurate CPU usage", StringComparison.Ordinal), $"qemu-img create: {text}");
        }

        using var secret = guest.Connection.DefineSecret(LibvirtSecret.VolumeSecretXml(uuid, file, "test"));
        try
        {
            secret.SetValue(System.Text.Encoding.ASCII.GetBytes(passphrase));
            guest.Domain.AttachDevice(LibvirtVolumeXml.Disk(file, "vdb", "vol0123456789abcdef0", uuid).ToString());
            await guest.WaitForConsoleAsync("PLATFORM-GUEST-DISK vda");

            // Without the encryption in the snapshot's XML (as before encrypted volumes), QEMU's overlay is a clear qcow2:
            // the guest's writes while a snapshot is streamed would land on the server's disk in clear.
            var clear = Path.Combine(guest.WorkDirectory, "vol-luks.qcow2.overlay-clear");
            guest.Domain.CreateDiskOnlySnapshot(LibvirtVolumeXml.DiskOnlySnapshot("clear", ["vdb"], "vdb", clear));
            Assert.DoesNotContain("encrypted: yes", await InfoAsync(clear), StringComparison.Ordinal);
            await CommitBackAsync(guest.Domain, file);

            var overlay = Path.Combine(guest.WorkDirectory, "vol-luks.qcow2.overlay-luks");
            guest.Domain.CreateDiskOnlySnapshot(LibvirtVolumeXml.DiskOnlySnapshot("luks", ["vdb"], "vdb", overlay, uuid));
            Assert.Contains("encrypted: yes", await InfoAsync(overlay), StringComparison.Ordinal);
            await CommitBackAsync(guest.Domain, file);
            Assert.DoesNotContain("PLATFORM-GUEST-DISK-GONE", await guest.ConsoleTextAsync(), StringComparison.Ordinal);
        }
        finally
        {
            if (guest.Domain.IsActive)
            {
                guest.Domain.Destroy();
            }

            secret.Undefine();
        }
    }

    /// <summary>An active block commit of vdb's overlay into <paramref name="file"/>, pivoted once ready, as the agent merges snapshot overlays.</summary>
    private static async Task CommitBackAsync(LibvirtDomain domain, string file)
    {
        domain.CommitActiveLayer("vdb");
        var started = Stopwatch.StartNew();
        while (!XDocument.Parse(domain.GetXml()).Descendants("disk").Any(d => d.Element("target")?.Attribute("dev")?.Value == "vdb"
            && d.Element("mirror")?.Attribute("ready")?.Value == "yes"))
        {
            Assert.True(started.Elapsed < BootDeadline, "the commit never became ready");
            await Task.Delay(100);
        }

        domain.PivotBlockJob("vdb");
        var source = XDocument.Parse(domain.GetXml()).Descendants("disk").Single(d => d.Element("target")?.Attribute("dev")?.Value == "vdb")
            .Element("source")!.Attribute("file")!.Value;
        Assert.Equal(file, source);
    }

    private static async Task<string> InfoAsync(string file)
    {
        using var process = Process.Start(new ProcessStartInfo("qemu-img", ["info", "-U", file]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, output);
        return output;
    }

    [Fact]
    public async Task Given_a_running_guest_with_a_disk_and_a_nic_Then_its_cpu_memory_disk_and_nic_counters_are_read_and_grow()
    {
        await using var guest = await Guest.BootAsync(withDiskAndNic: true);
        var first = guest.Domain.GetStatistics();
        Assert.Equal(1, first.Info.VirtualCpus);
        Assert.True(first.Info.CpuTime > TimeSpan.Zero);
        // QEMU knows the balloon's size and its own resident memory; the test image runs no balloon driver, so no more.
        Assert.Equal(128UL * 1024, first.Memory.ActualKiB);
        Assert.True(first.Memory.RssKiB > 0, first.Memory.ToString());
        Assert.Null(first.Memory.AvailableKiB);
        // The guest read its config drive while booting.
        var disk = Assert.Single(first.Disks);
        Assert.Equal("vda", disk.Target);
        Assert.True(disk.Stats.ReadBytes > 0 && disk.Stats.ReadRequests > 0, disk.Stats.ToString());
        var nic = Assert.Single(first.Interfaces);
        Assert.Equal(guest.Tap, nic.Device);
        Assert.Equal(Guest.GuestMac, nic.MacAddress);

        // The guest configured its NIC from the config drive; three pings from the host's end of the tap are answered.
        await guest.WaitForConsoleAsync($"PLATFORM-GUEST-IP eth0 {Guest.GuestAddress}/30");
        await RunAsync("ip", "addr", "add", $"{Guest.HostAddress}/30", "dev", guest.Tap);
        await RunAsync("ping", "-c", "3", "-i", "0.2", "-W", "5", Guest.GuestAddress);
        await Task.Delay(500);
        var second = guest.Domain.GetStatistics();
        Assert.True(second.Info.CpuTime > first.Info.CpuTime, $"{second.Info.CpuTime} after {first.Info.CpuTime}");
        var after = Assert.Single(second.Interfaces).Stats;
        Assert.True(after.RxPackets >= nic.Stats.RxPackets + 3, $"received {after.RxPackets} after {nic.Stats.RxPackets}");
        Assert.True(after.TxPackets >= nic.Stats.TxPackets + 3, $"sent {after.TxPackets} after {nic.Stats.TxPackets}");
        Assert.True(after.RxBytes >= nic.Stats.RxBytes + (3 * 98) && after.TxBytes >= nic.Stats.TxBytes + (3 * 98), after.ToString());
        Assert.True(Assert.Single(second.Disks).Stats.ReadBytes >= disk.Stats.ReadBytes);
    }

    [Fact]
    public async Task Given_a_guest_that_honours_the_acpi_button_When_asked_to_reboot_Then_it_boots_again_and_a_reboot_event_arrives()
    {
        await using var guest = await Guest.BootAsync();
        var events = Channel.CreateUnbounded<string>();
        using var subscription = guest.Connection.SubscribeRebootEvents(events.Writer);
        var id = guest.Domain.Id;

        guest.Domain.Reboot(RebootMethod.AcpiPowerButton);
        using var timeout = new CancellationTokenSource(BootDeadline);
        Assert.Equal(guest.Domain.Name, await events.Reader.ReadAsync(timeout.Token));
        await guest.WaitForMarkersAsync(2);
        Assert.Contains("PLATFORM-GUEST-POWER-OFF", await guest.ConsoleTextAsync(), StringComparison.Ordinal);
        // libvirt restarted the guest in the same QEMU: the same domain id, and it is running.
        Assert.Equal(id, guest.Domain.Id);
        Assert.Equal(DomainState.Running, guest.Domain.GetInfo().State);
    }

    [Fact]
    public async Task Given_a_guest_that_ignores_the_acpi_button_When_asked_to_reboot_Then_it_stays_up_until_reset()
    {
        await using var guest = await Guest.BootAsync(extraCommandLine: "platform.acpi=ignore");
        var events = Channel.CreateUnbounded<string>();
        using var subscription = guest.Connection.SubscribeRebootEvents(events.Writer);

        guest.Domain.Reboot(RebootMethod.AcpiPowerButton);
        await Task.Delay(TimeSpan.FromSeconds(5));
        // Events are the connection's: any other guest on qemu:///system (another test, the machine's own agent) may
        // reset meanwhile, so only this guest's count.
        while (events.Reader.TryRead(out var name))
        {
            Assert.True(name != guest.Domain.Name, $"{name} was reset though it ignores the button; console: {await guest.ConsoleTextAsync()}");
        }

        Assert.Equal(1, Markers(await guest.ConsoleTextAsync()));

        guest.Domain.Reset();
        using var timeout = new CancellationTokenSource(BootDeadline);
        while (await events.Reader.ReadAsync(timeout.Token) != guest.Domain.Name)
        {
        }

        await guest.WaitForMarkersAsync(2);
        Assert.DoesNotContain("PLATFORM-GUEST-POWER-OFF", await guest.ConsoleTextAsync(), StringComparison.Ordinal);
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var (exit, text) = await TryRunAsync(file, arguments);
        Assert.True(exit == 0, $"{file} {string.Join(' ', arguments)}: {text}");
    }

    private static async Task<(int Exit, string Text)> TryRunAsync(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await errors);
    }

    private static int Markers(string console) => Regex.Count(console, "PLATFORM-GUEST-READY ");

    /// <summary>A test guest on qemu:///system, destroyed and undefined when disposed, also when the test fails.</summary>
    private sealed class Guest : IAsyncDisposable
    {
        private readonly LibvirtConnection _connection;

        private Guest(LibvirtConnection connection, LibvirtDomain domain, string workDirectory, string console)
        {
            _connection = connection;
            Connection = connection;
            Domain = domain;
            WorkDirectory = workDirectory;
            Console = console;
        }

        public LibvirtConnection Connection { get; }

        public LibvirtDomain Domain { get; }

        /// <summary>The host end of the guest's NIC, when it has one.</summary>
        public string Tap { get; private set; } = "";

        public string WorkDirectory { get; }

        public string Console { get; }

        public const string GuestMac = "52:54:00:5a:7e:01";
        public const string HostAddress = "169.254.77.1";
        public const string GuestAddress = "169.254.77.2";

        /// <param name="withDiskAndNic">
        /// A config drive (vda: cloud-init's NoCloud, which the test image reads) giving the NIC <see cref="GuestAddress"/>, and
        /// the NIC on a tap device of its own (libvirt's ethernet type, joined to nothing), whose host end the test addresses.
        /// </param>
        public static async Task<Guest> BootAsync(string extraCommandLine = "", bool withDiskAndNic = false)
        {
            var work = Directory.CreateTempSubdirectory("platform-guest-").FullName;
            var image = TestImage.Build(TestImage.TestImageDirectory);
            var marker = Guid.NewGuid().ToString("N");
            var connection = LibvirtConnection.Open("qemu:///system");
            var domain = connection.DefineDomain(new DomainDefinition
            {
                Name = $"i-test{marker[..13]}",
                MemoryMiB = 128,
                VirtualCpus = 1,
                Kernel = new DirectKernelBoot(image.Kernel, image.Initrd, $"console=ttyS0 quiet no_timer_check cryptomgr.notests {extraCommandLine} platform.marker={marker}"),
                SerialLogPath = Path.Combine(work, "console.log"),
                Disks = withDiskAndNic ? [new DiskDefinition(Path.Combine(work, "config.iso"), "vda", Format: "raw", ReadOnly: true)] : [],
            }.ToXml());
            var guest = new Guest(connection, domain, work, Path.Combine(work, "console.log"));
            try
            {
                if (withDiskAndNic)
                {
                    var drive = Directory.CreateDirectory(Path.Combine(work, "cidata")).FullName;
                    await File.WriteAllTextAsync(Path.Combine(drive, "meta-data"), $"instance-id: {marker}\n");
                    await File.WriteAllTextAsync(Path.Combine(drive, "network-config"),
                        $"version: 2\nethernets:\n  eth0:\n    match:\n      macaddress: \"{GuestMac}\"\n    addresses:\n      - {GuestAddress}/30\n");
                    await RunAsync("genisoimage", "-quiet", "-output", Path.Combine(work, "config.iso"), "-volid", "cidata", "-joliet", "-rock", drive);
                    guest.Tap = $"tapst{marker[..8]}";
                    domain.AttachDevice(new XElement("interface", new XAttribute("type", "ethernet"),
                        new XElement("target", new XAttribute("dev", guest.Tap)), new XElement("mac", new XAttribute("address", GuestMac)),
                        new XElement("model", new XAttribute("type", "virtio"))).ToString(),
                        DeviceScope.Config);
                }

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

        public async Task<string> ConsoleTextAsync() => File.Exists(Console) ? await File.ReadAllTextAsync(Console) : "";

        /// <summary>Waits until the console shows the boot marker this many times (the console file is appended across reboots).</summary>
        public async Task WaitForMarkersAsync(int count)
        {
            var started = Stopwatch.StartNew();
            while (Markers(await ConsoleTextAsync()) < count)
            {
                Assert.True(started.Elapsed < BootDeadline, $"not {count} boots after {BootDeadline}; console: {await ConsoleTextAsync()}");
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
