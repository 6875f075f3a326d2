using System.Diagnostics;
using System.Text.RegularExpressions;
using Platform.HostAgent.Images;
using Platform.HostAgent.Libvirt;
using Platform.HostAgent.Protocol;
using Platform.HostAgent.Reconciliation;
using Platform.Tests.Common;

namespace Platform.HostAgent.Tests;

/// <summary>
/// EC2's reboot by the reconciler on qemu:///system with the real test guest, which prints PLATFORM-GUEST-READY at every
/// boot into a console file that a reboot appends to: so the number of markers is the number of boots. Each reconciler
/// stands for one run of the agent; a new one is an agent restart.
/// </summary>
public sealed class RealRebootTests
{
    private static readonly TimeSpan BootDeadline = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Given_a_reboot_asked_while_the_agent_is_down_Then_the_restarted_agent_reboots_the_guest_politely_exactly_once()
    {
        await using var host = await RealHost.StartAsync();
        var instance = host.Instance(acpi: true);
        using (var before = host.Reconciler())
        {
            Assert.Empty(before.Apply(RealHost.State(1, instance)).Faults);
            await host.WaitForBootsAsync(instance, 1);
        }

        // The API raised the count while no agent ran; the next one sees it against the count kept in the domain.
        var rebooted = instance with { RebootCount = 1 };
        using (var restarted = host.Reconciler())
        {
            Assert.Empty(restarted.Apply(RealHost.State(2, rebooted)).Faults);
            Assert.True(restarted.StopsPending);
            await host.WaitForBootsAsync(instance, 2);
            Assert.Contains("PLATFORM-GUEST-POWER-OFF", host.Console(instance), StringComparison.Ordinal);

            // The reboot event tells the agent the guest went down: done well before the deadline, without a reset.
            await Eventually(() => { restarted.Apply(RealHost.State(2, rebooted)); return !restarted.StopsPending; }, "the reboot was not seen done");
        }

        using (var again = host.Reconciler())
        {
            for (var i = 0; i < 5; i++)
            {
                Assert.Empty(again.Apply(RealHost.State(3, rebooted)).Faults);
                await Task.Delay(1000);
            }

            Assert.False(again.StopsPending);
        }

        Assert.Equal(2, Boots(host.Console(instance)));
        Assert.Single(Regex.Matches(host.Console(instance), "PLATFORM-GUEST-POWER-OFF"));
    }

    [Fact]
    public async Task Given_a_guest_that_ignores_the_acpi_button_When_rebooted_Then_it_is_reset_after_the_stop_deadline()
    {
        await using var host = await RealHost.StartAsync();
        var instance = host.Instance(acpi: false);
        using var reconciler = host.Reconciler();
        reconciler.Apply(RealHost.State(1, instance));
        await host.WaitForBootsAsync(instance, 1);

        var rebooted = instance with { RebootCount = 1 };
        reconciler.Apply(RealHost.State(2, rebooted));
        await Task.Delay(TimeSpan.FromSeconds(5));
        reconciler.Apply(RealHost.State(2, rebooted));
        Assert.Equal(1, Boots(host.Console(instance)));
        Assert.True(reconciler.StopsPending);

        host.Clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Empty(reconciler.Apply(RealHost.State(2, rebooted)).Faults);
        Assert.False(reconciler.StopsPending);
        await host.WaitForBootsAsync(instance, 2);
        Assert.DoesNotContain("PLATFORM-GUEST-POWER-OFF", host.Console(instance), StringComparison.Ordinal);

        reconciler.Apply(RealHost.State(3, rebooted));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(2, Boots(host.Console(instance)));
    }

    private static int Boots(string console) => Regex.Count(console, "PLATFORM-GUEST-READY ");

    private static async Task Eventually(Func<bool> condition, string failure)
    {
        var started = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(started.Elapsed < BootDeadline, failure);
            await Task.Delay(250);
        }
    }

    /// <summary>A libvirt directory pool with the test image, one instance id, and cleanup of everything, also when a test fails.</summary>
    private sealed class RealHost : IAsyncDisposable
    {
        private readonly string _work;
        private readonly string _owner;
        private readonly string _poolName;
        private readonly LibvirtConnection _libvirt;
        private readonly PoolGuestImages _images;
        private readonly GuestImage _image;
        private readonly string _instanceId = $"i-{Guid.NewGuid():N}"[..19];

        private RealHost(string work, string poolName, LibvirtConnection libvirt, PoolGuestImages images, GuestImage image)
        {
            _work = work;
            _owner = $"host-{Guid.NewGuid():N}";
            _poolName = poolName;
            _libvirt = libvirt;
            _images = images;
            _image = image;
        }

        public ManualClock Clock { get; } = new();

        public static async Task<RealHost> StartAsync()
        {
            var work = Directory.CreateTempSubdirectory("platform-reboot-").FullName;
            var imageId = $"ami-{Guid.NewGuid():N}"[..21];
            var built = TestImage.Build(TestImage.TestImageDirectory);
            Directory.CreateDirectory(Path.Combine(work, "images", imageId));
            File.Copy(built.Kernel, Path.Combine(work, "images", imageId, ImageParts.Kernel));
            File.Copy(built.Initrd, Path.Combine(work, "images", imageId, ImageParts.Initrd));
            var libvirt = LibvirtConnection.Open("qemu:///system");
            var poolName = $"platform-test-{Guid.NewGuid():N}"[..24];
            var images = new PoolGuestImages(libvirt, poolName, Path.Combine(work, "pool"), Path.Combine(work, "state"),
                new DirectoryImageSource(Path.Combine(work, "images")));
            var host = new RealHost(work, poolName, libvirt, images, new GuestImage(imageId, ImageFormat.Kernel, PartDigests.Of(Path.Combine(work, "images", imageId))));
            try
            {
                await images.EnsureAsync(host._image, CancellationToken.None);
                return host;
            }
            catch
            {
                await host.DisposeAsync();
                throw;
            }
        }

        /// <summary>The instance; <paramref name="acpi"/> false boots it with platform.acpi=ignore, so it ignores the power button as a hung guest does.</summary>
        public DesiredInstance Instance(bool acpi) => new(_instanceId, 1, 128, DesiredPower.Running, _image,
            $"console=ttyS0 quiet no_timer_check cryptomgr.notests {(acpi ? "" : "platform.acpi=ignore ")}platform.marker={_instanceId}");

        public static HostDesiredState State(long version, DesiredInstance instance) => new("host-1", version, [instance]);

        // An owner of its own: reconcilers of other tests on the same libvirtd remove the domains of their owner they do not want.
        public HostReconciler Reconciler() => new(_libvirt,
            new ReconcilerOptions { Owner = _owner, DomainType = "qemu", ConsoleDirectory = _work, StopDeadline = TimeSpan.FromSeconds(30) }, _images, Clock);

        public string Console(DesiredInstance instance) =>
            File.Exists(Path.Combine(_work, $"{instance.InstanceId}.log")) ? File.ReadAllText(Path.Combine(_work, $"{instance.InstanceId}.log")) : "";

        public Task WaitForBootsAsync(DesiredInstance instance, int boots) =>
            Eventually(() => Boots(Console(instance)) >= boots, $"not {boots} boots; console: {Console(instance)}");

        public ValueTask DisposeAsync()
        {
            // TCG guests eat the machine's 2 cores: every guest a test starts is stopped and removed.
            using (var domain = _libvirt.FindDomain(_instanceId))
            {
                if (domain is not null)
                {
                    if (domain.IsActive)
                    {
                        domain.Destroy();
                    }

                    domain.Undefine();
                }
            }

            _images.DeleteInstanceDisks(_instanceId);
            using (var pool = _libvirt.FindStoragePool(_poolName))
            {
                if (pool is not null)
                {
                    foreach (var part in ImageParts.Of(ImageFormat.Kernel))
                    {
                        using var volume = pool.FindVolume($"{_image.ImageId}-{part}");
                        volume?.Delete();
                    }

                    pool.Stop();
                    pool.Undefine();
                }
            }

            _images.Dispose();
            _libvirt.Dispose();
            Directory.Delete(_work, recursive: true);
            return ValueTask.CompletedTask;
        }
    }
}
