using Platform.HostAgent.Libvirt;
using Platform.HostAgent.Protocol;
using Platform.HostAgent.Reconciliation;
using Platform.Tests.Common;

namespace Platform.HostAgent.Tests;

/// <summary>The reconciler on qemu:///system with the real test guest, which ignores ACPI power-off as busybox does.</summary>
public sealed class RealHostTests
{
    [Fact]
    public async Task Given_a_guest_that_ignores_shutdown_When_stopped_Then_it_is_powered_off_after_the_deadline_and_removed_when_no_longer_desired()
    {
        var work = Directory.CreateTempSubdirectory("platform-host-").FullName;
        var image = TestImage.Build(Path.Combine(work, "image"));
        var id = $"i-{Guid.NewGuid():N}"[..19];
        var clock = new ManualClock();
        using var libvirt = LibvirtConnection.Open("qemu:///system");
        var reconciler = new HostReconciler(libvirt, new ReconcilerOptions { DomainType = "qemu", ConsoleDirectory = work, StopDeadline = TimeSpan.FromSeconds(30) }, clock);
        var instance = new DesiredInstance(id, 1, 128, DesiredPower.Running, new GuestBoot(image.Kernel, image.Initrd, $"console=ttyS0 quiet platform.marker={id}"));
        try
        {
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
