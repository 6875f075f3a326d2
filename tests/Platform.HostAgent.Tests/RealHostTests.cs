using Platform.HostAgent.Images;
using Platform.HostAgent.Libvirt;
using Platform.HostAgent.Protocol;
using Platform.HostAgent.Reconciliation;
using Platform.Tests.Common;

namespace Platform.HostAgent.Tests;

/// <summary>
/// The reconciler on qemu:///system with the real test guest, which ignores ACPI power-off as busybox does.
/// The image reaches the host as it does from the API: fetched into a libvirt directory pool (here from a
/// local directory laid out as the API serves it) and booted from the pool's volumes.
/// </summary>
public sealed class RealHostTests
{
    [Fact]
    public async Task Given_a_guest_that_ignores_shutdown_When_stopped_Then_it_is_powered_off_after_the_deadline_and_removed_when_no_longer_desired()
    {
        var work = Directory.CreateTempSubdirectory("platform-host-").FullName;
        var imageId = $"ami-{Guid.NewGuid():N}"[..21];
        var image = TestImage.Build(Path.Combine(work, "build"));
        Directory.CreateDirectory(Path.Combine(work, "images", imageId));
        File.Copy(image.Kernel, Path.Combine(work, "images", imageId, ImageParts.Kernel));
        File.Copy(image.Initrd, Path.Combine(work, "images", imageId, ImageParts.Initrd));
        var id = $"i-{Guid.NewGuid():N}"[..19];
        var clock = new ManualClock();
        using var libvirt = LibvirtConnection.Open("qemu:///system");
        var poolName = $"platform-test-{Guid.NewGuid():N}"[..24];
        using var images = new PoolGuestImages(libvirt, poolName, Path.Combine(work, "pool"), Path.Combine(work, "state"),
            new DirectoryImageSource(Path.Combine(work, "images")));
        var reconciler = new HostReconciler(libvirt, new ReconcilerOptions { DomainType = "qemu", ConsoleDirectory = work, StopDeadline = TimeSpan.FromSeconds(30) }, images, clock);
        var guestImage = new GuestImage(imageId, ImageFormat.Kernel);
        var instance = new DesiredInstance(id, 1, 128, DesiredPower.Running, guestImage, $"console=ttyS0 quiet platform.marker={id}");
        try
        {
            await images.EnsureAsync(guestImage, CancellationToken.None);
            // A second ensure finds the image complete and fetches nothing.
            await images.EnsureAsync(guestImage, CancellationToken.None);
            Assert.True(images.Capacity().Total > 0);

            var running = reconciler.Apply(new HostDesiredState("host-1", 1, [instance]));
            Assert.Empty(running.Faults);
            await WaitForAsync(() => File.Exists(Path.Combine(work, $"{id}.log")) && File.ReadAllText(Path.Combine(work, $"{id}.log")).Contains($"PLATFORM-GUEST-READY {id}", StringComparison.Ordinal));

            var asked = reconciler.Apply(new HostDesiredState("host-1", 2, [instance with { Power = DesiredPower.Stopped }]));
            Assert.Equal(ObservedPower.Running, Assert.Single(asked.Instances).Power);

            clock.Advance(TimeSpan.FromSeconds(31));
            var stopped = reconciler.Apply(new HostDesiredState("host-1", 3, [instance with { Power = DesiredPower.Stopped }]));
            Assert.Equal(ObservedPower.Stopped, Assert.Single(stopped.Instances).Power);

            var gone = reconciler.Apply(new HostDesiredState("host-1", 4, []));
            Assert.DoesNotContain(gone.Instances, i => i.InstanceId == id);
            Assert.Null(libvirt.FindDomain(id));
        }
        finally
        {
            using (var leftover = libvirt.FindDomain(id))
            {
                if (leftover is not null)
                {
                    if (leftover.IsActive)
                    {
                        leftover.Destroy();
                    }

                    leftover.Undefine();
                }
            }

            using (var pool = libvirt.FindStoragePool(poolName))
            {
                if (pool is not null)
                {
                    foreach (var part in ImageParts.Of(ImageFormat.Kernel))
                    {
                        using var volume = pool.FindVolume($"{imageId}-{part}");
                        volume?.Delete();
                    }

                    pool.Stop();
                    pool.Undefine();
                }
            }

            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the guest did not boot within 90 s");
            await Task.Delay(250);
        }
    }
}
