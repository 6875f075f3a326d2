using Platform.HostAgent.Images;
using Platform.HostAgent.Libvirt;
using Platform.HostAgent.Protocol;
using Platform.HostAgent.Reconciliation;
using Platform.Tests.Common;

namespace Platform.HostAgent.Tests;

/// <summary>
/// The reconciler on qemu:///system with the real test guest (booted with platform.acpi=ignore where a test needs
/// a guest that ignores the ACPI power button, as a hung guest does).
/// The image reaches the host as it does from the API: fetched into a libvirt directory pool (here from a
/// local directory laid out as the API serves it) and booted from the pool's volumes.
/// </summary>
public sealed class RealHostTests
{
    [Fact]
    public async Task Given_a_guest_that_ignores_shutdown_and_one_that_honours_it_When_stopped_Then_the_first_is_powered_off_after_the_deadline_the_second_shuts_down_itself_and_both_are_removed_when_no_longer_desired()
    {
        var work = Directory.CreateTempSubdirectory("platform-host-").FullName;
        var imageId = $"ami-{Guid.NewGuid():N}"[..21];
        var image = TestImage.Build(TestImage.TestImageDirectory);
        Directory.CreateDirectory(Path.Combine(work, "images", imageId));
        File.Copy(image.Kernel, Path.Combine(work, "images", imageId, ImageParts.Kernel));
        File.Copy(image.Initrd, Path.Combine(work, "images", imageId, ImageParts.Initrd));
        var id = $"i-{Guid.NewGuid():N}"[..19];
        var politeId = $"i-{Guid.NewGuid():N}"[..19];
        var clock = new ManualClock();
        using var libvirt = LibvirtConnection.Open("qemu:///system");
        var poolName = $"platform-test-{Guid.NewGuid():N}"[..24];
        using var images = new PoolGuestImages(libvirt, poolName, Path.Combine(work, "pool"), Path.Combine(work, "state"),
            new DirectoryImageSource(Path.Combine(work, "images")));
        using var reconciler = new HostReconciler(libvirt, new ReconcilerOptions { Owner = $"host-{Guid.NewGuid():N}", DomainType = "qemu", ConsoleDirectory = work, StopDeadline = TimeSpan.FromSeconds(30) }, images, clock);
        var guestImage = new GuestImage(imageId, ImageFormat.Kernel, PartDigests.Of(Path.Combine(work, "images", imageId)));
        var instance = new DesiredInstance(id, 1, 128, DesiredPower.Running, guestImage, $"console=ttyS0 quiet no_timer_check cryptomgr.notests platform.acpi=ignore platform.marker={id}",
            PublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlatformTestKeyPlatformTestKeyPlatformTe test@platform",
            UserData: Convert.ToBase64String("#!/bin/sh\necho from-the-config-drive\n"u8.ToArray()));
        var polite = instance with { InstanceId = politeId, CommandLine = $"console=ttyS0 quiet no_timer_check cryptomgr.notests platform.marker={politeId}" };
        string Console(string instanceId) => File.Exists(Path.Combine(work, $"{instanceId}.log")) ? File.ReadAllText(Path.Combine(work, $"{instanceId}.log")) : "";
        try
        {
            await images.EnsureAsync(guestImage, CancellationToken.None);
            // A second ensure finds the image complete and fetches nothing.
            await images.EnsureAsync(guestImage, CancellationToken.None);
            Assert.True(images.Capacity().Total > 0);

            var running = reconciler.Apply(new HostDesiredState("host-1", 1, [instance, polite]));
            Assert.Empty(running.Faults);
            await WaitForAsync(() => File.Exists(Path.Combine(work, $"{id}.log")) && File.ReadAllText(Path.Combine(work, $"{id}.log")).Contains($"PLATFORM-GUEST-READY {id}", StringComparison.Ordinal));

            // The guest found its config drive (its only disk) and took its key and user data from it, as cloud-init would.
            await WaitForAsync(() => File.ReadAllText(Path.Combine(work, $"{id}.log")).Contains("PLATFORM-USER-DATA from-the-config-drive", StringComparison.Ordinal));
            var console = File.ReadAllText(Path.Combine(work, $"{id}.log"));
            Assert.Contains("PLATFORM-GUEST-CONFIG-DRIVE vda", console, StringComparison.Ordinal);
            Assert.Contains($"PLATFORM-GUEST-SSH-KEY {instance.PublicKey}", console, StringComparison.Ordinal);

            await WaitForAsync(() => Console(politeId).Contains("PLATFORM-USER-DATA from-the-config-drive", StringComparison.Ordinal));
            HostDesiredState Stopped(long version) => new("host-1", version,
                [instance with { Power = DesiredPower.Stopped }, polite with { Power = DesiredPower.Stopped }]);

            // Both are asked through the ACPI power button; the one that honours it powers itself off.
            var asked = reconciler.Apply(Stopped(2));
            Assert.Equal(ObservedPower.Running, asked.Instances.Single(i => i.InstanceId == id).Power);
            await WaitForAsync(() => Console(politeId).Contains("PLATFORM-GUEST-POWER-OFF", StringComparison.Ordinal));
            await WaitForAsync(() => reconciler.Apply(Stopped(2)).Instances.Single(i => i.InstanceId == politeId).Power == ObservedPower.Stopped);

            // The other is still running until the deadline passes, then it is powered off.
            var beforeDeadline = reconciler.Apply(Stopped(2));
            Assert.Equal(ObservedPower.Running, beforeDeadline.Instances.Single(i => i.InstanceId == id).Power);
            clock.Advance(TimeSpan.FromSeconds(31));
            var stopped = reconciler.Apply(Stopped(3));
            Assert.All(stopped.Instances, i => Assert.Equal(ObservedPower.Stopped, i.Power));
            Assert.DoesNotContain("PLATFORM-GUEST-POWER-OFF", Console(id), StringComparison.Ordinal);

            var gone = reconciler.Apply(new HostDesiredState("host-1", 4, []));
            Assert.DoesNotContain(gone.Instances, i => i.InstanceId == id || i.InstanceId == politeId);
            Assert.Null(libvirt.FindDomain(id));
            Assert.Null(libvirt.FindDomain(politeId));
        }
        finally
        {
            foreach (var name in new[] { id, politeId })
            {
                using var leftover = libvirt.FindDomain(name);
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

    [Fact]
    public async Task Given_a_qcow2_image_Then_each_instance_gets_a_copy_on_write_root_volume_on_it_that_goes_with_the_instance()
    {
        var work = Directory.CreateTempSubdirectory("platform-qcow2-").FullName;
        var imageId = $"ami-{Guid.NewGuid():N}"[..21];
        Directory.CreateDirectory(Path.Combine(work, "images", imageId));
        var disk = Path.Combine(work, "images", imageId, ImageParts.Disk);
        using (var create = System.Diagnostics.Process.Start("qemu-img", ["create", "-q", "-f", "qcow2", disk, "2G"])!)
        {
            await create.WaitForExitAsync();
            Assert.Equal(0, create.ExitCode);
        }

        using var libvirt = LibvirtConnection.Open("qemu:///system");
        var poolName = $"platform-test-{Guid.NewGuid():N}"[..24];
        var image = new GuestImage(imageId, ImageFormat.Qcow2, PartDigests.Of(Path.Combine(work, "images", imageId)));
        try
        {
            using var images = new PoolGuestImages(libvirt, poolName, Path.Combine(work, "pool"), Path.Combine(work, "state"),
                new DirectoryImageSource(Path.Combine(work, "images")));
            await images.EnsureAsync(image, CancellationToken.None);
            var first = images.Prepare("i-0000000000000000a", image);
            Assert.Null(first.KernelPath);
            Assert.Equal(first, images.Prepare("i-0000000000000000a", image));
            var second = images.Prepare("i-0000000000000000b", image);
            Assert.NotEqual(first.RootDiskPath, second.RootDiskPath);

            using var pool = libvirt.FindStoragePool(poolName)!;
            using (var root = pool.FindVolume("i-0000000000000000a-root")!)
            {
                // The root volume is as large as the image's virtual disk, and writes land in it, not in the image.
                Assert.Equal(2UL << 30, root.GetInfo().CapacityBytes);
                Assert.Contains($"{imageId}-disk", root.GetXml(), StringComparison.Ordinal);
                // Formats stated, not guessed: the overlay's header names its backing file as qcow2, and the base is a qcow2 volume.
                var overlay = System.Text.Json.JsonDocument.Parse(QemuImg.Run("info", "--output=json", "-U", root.Path)).RootElement;
                Assert.Equal("qcow2", overlay.GetProperty("format").GetString());
                Assert.Equal("qcow2", overlay.GetProperty("backing-filename-format").GetString());
            }

            using (var baseVolume = pool.FindVolume($"{imageId}-disk")!)
            {
                Assert.Contains("<format type='qcow2'/>", baseVolume.GetXml(), StringComparison.Ordinal);
                var info = System.Text.Json.JsonDocument.Parse(QemuImg.Run("info", "--output=json", "-U", baseVolume.Path)).RootElement;
                Assert.Equal("qcow2", info.GetProperty("format").GetString());
                Assert.False(info.TryGetProperty("backing-filename", out _));
            }

            Assert.Null(pool.FindVolume($"{imageId}-disk.download"));

            images.DeleteInstanceDisks("i-0000000000000000a");
            Assert.Null(pool.FindVolume("i-0000000000000000a-root"));
            Assert.NotNull(pool.FindVolume("i-0000000000000000b-root"));
            images.DeleteInstanceDisks("i-0000000000000000b");
        }
        finally
        {
            using (var pool = libvirt.FindStoragePool(poolName))
            {
                if (pool is not null)
                {
                    pool.Refresh();
                    foreach (var name in new[] { $"{imageId}-disk", "i-0000000000000000a-root", "i-0000000000000000b-root" })
                    {
                        using var volume = pool.FindVolume(name);
                        volume?.Delete();
                    }

                    pool.Stop();
                    pool.Undefine();
                }
            }

            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task Given_downloaded_images_that_point_at_host_files_or_do_not_match_their_SHA256_Then_the_agent_refuses_them_and_keeps_nothing()
    {
        var work = Directory.CreateTempSubdirectory("platform-refused-").FullName;
        using var libvirt = LibvirtConnection.Open("qemu:///system");
        var poolName = $"platform-test-{Guid.NewGuid():N}"[..24];
        var images = Path.Combine(work, "images");
        GuestImage Disk(Func<string, string> make)
        {
            var id = $"ami-{Guid.NewGuid():N}"[..21];
            Directory.CreateDirectory(Path.Combine(images, id));
            make(Path.Combine(images, id, ImageParts.Disk));
            return new GuestImage(id, ImageFormat.Qcow2, PartDigests.Of(Path.Combine(images, id)));
        }

        // As if the API's own check had been passed by (an older API, its files changed on disk): the agent's second line.
        var backed = Disk(path => QemuImg.WithBackingFile(path, "/etc/shadow"));
        var external = Disk(path => QemuImg.WithDataFile(path, Path.Combine(work, "data.raw")));
        var tampered = Disk(path => QemuImg.Standalone(path));
        File.AppendAllText(Path.Combine(images, tampered.ImageId, ImageParts.Disk), "x");
        var noDigest = Disk(path => QemuImg.Standalone(path)) with { Sha256 = null };
        try
        {
            using var pool = new PoolGuestImages(libvirt, poolName, Path.Combine(work, "pool"), Path.Combine(work, "state"), new DirectoryImageSource(images));
            foreach (var (image, says) in new[]
            {
                (backed, "backing file (/etc/shadow)"), (external, "external file"), (tampered, "do not match the SHA-256"), (noDigest, "no SHA-256"),
            })
            {
                var refused = await Assert.ThrowsAsync<ImageRejectedException>(() => pool.EnsureAsync(image, CancellationToken.None));
                Assert.Contains(says, refused.Message, StringComparison.Ordinal);
                Assert.False(pool.IsPresent(image));
            }

            using var defined = libvirt.FindStoragePool(poolName)!;
            defined.Refresh();
            Assert.Empty(defined.ListVolumeNames());
        }
        finally
        {
            RemovePool(libvirt, poolName);
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public void Given_a_pool_of_the_same_name_whose_directory_is_gone_Then_it_is_defined_again_at_the_agents_path()
    {
        var work = Directory.CreateTempSubdirectory("platform-pool-").FullName;
        using var libvirt = LibvirtConnection.Open("qemu:///system");
        var poolName = $"platform-test-{Guid.NewGuid():N}"[..24];
        try
        {
            // An earlier agent's pool, its directory removed since (a wiped state directory, a finished benchmark).
            new PoolGuestImages(libvirt, poolName, Path.Combine(work, "old-pool"), Path.Combine(work, "state"), new DirectoryImageSource(work)).Dispose();
            Directory.Delete(Path.Combine(work, "old-pool"));

            using var images = new PoolGuestImages(libvirt, poolName, Path.Combine(work, "pool"), Path.Combine(work, "state"), new DirectoryImageSource(work));
            using var pool = libvirt.FindStoragePool(poolName)!;
            Assert.Contains($"<path>{Path.Combine(work, "pool")}</path>", pool.GetXml(), StringComparison.Ordinal);
            Assert.True(pool.IsActive);
        }
        finally
        {
            RemovePool(libvirt, poolName);
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public void Given_the_agents_active_pool_whose_directory_was_removed_When_the_agent_starts_Then_the_pool_is_built_again()
    {
        // `rm -rf /var/lib/platform-agent` while libvirtd keeps the pool active: the agent used to call
        // virStoragePoolBuild on the active pool ("already active") at every start, and the supervisor restarted it forever.
        var work = Directory.CreateTempSubdirectory("platform-pool-").FullName;
        using var libvirt = LibvirtConnection.Open("qemu:///system");
        var poolName = $"platform-test-{Guid.NewGuid():N}"[..24];
        var path = Path.Combine(work, "pool");
        try
        {
            new PoolGuestImages(libvirt, poolName, path, Path.Combine(work, "state"), new DirectoryImageSource(work)).Dispose();
            using (var before = libvirt.FindStoragePool(poolName)!)
            {
                Assert.True(before.IsActive);
            }

            Directory.Delete(path);

            using var images = new PoolGuestImages(libvirt, poolName, path, Path.Combine(work, "state"), new DirectoryImageSource(work));
            using var pool = libvirt.FindStoragePool(poolName)!;
            Assert.True(pool.IsActive);
            Assert.True(Directory.Exists(path));
        }
        finally
        {
            RemovePool(libvirt, poolName);
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public void Given_a_pool_of_the_same_name_in_another_directory_that_exists_Then_the_agent_refuses_to_take_it_over()
    {
        var work = Directory.CreateTempSubdirectory("platform-pool-").FullName;
        using var libvirt = LibvirtConnection.Open("qemu:///system");
        var poolName = $"platform-test-{Guid.NewGuid():N}"[..24];
        try
        {
            new PoolGuestImages(libvirt, poolName, Path.Combine(work, "theirs"), Path.Combine(work, "state"), new DirectoryImageSource(work)).Dispose();

            var refused = Assert.Throws<InvalidOperationException>(() =>
                new PoolGuestImages(libvirt, poolName, Path.Combine(work, "mine"), Path.Combine(work, "state"), new DirectoryImageSource(work)));
            Assert.Contains(Path.Combine(work, "theirs"), refused.Message, StringComparison.Ordinal);
            Assert.Contains("Agent__StoragePool", refused.Message, StringComparison.Ordinal);
            using var pool = libvirt.FindStoragePool(poolName)!;
            Assert.Contains($"<path>{Path.Combine(work, "theirs")}</path>", pool.GetXml(), StringComparison.Ordinal);
        }
        finally
        {
            RemovePool(libvirt, poolName);
            Directory.Delete(work, recursive: true);
        }
    }

    private static void RemovePool(LibvirtConnection libvirt, string name)
    {
        using var pool = libvirt.FindStoragePool(name);
        if (pool is not null)
        {
            if (pool.IsActive)
            {
                pool.Stop();
            }

            pool.Undefine();
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
