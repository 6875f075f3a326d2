using Platform.HostAgent.Agent;
using Platform.HostAgent.Images;
using Platform.HostAgent.Libvirt;
using Platform.HostAgent.OpenVSwitch;
using Platform.HostAgent.OpenVSwitch.Tests;
using Platform.HostAgent.Protocol;
using Platform.HostAgent.Reconciliation;
using Platform.Tests.Common;

namespace Platform.HostAgent.Tests;

/// <summary>
/// The test image's SSH server, for real: a guest on qemu:///system whose NIC is a port of a VPC on a real Open vSwitch
/// bridge (the agent's flows, its security group allowing port 22 from the subnet), and a second port of the same
/// subnet in a network namespace standing for another instance, from which OpenSSH's client logs in with the key
/// pair whose public key the guest took from its config drive.
/// </summary>
[Collection(OpenVSwitchCollection.Name)]
public sealed class RealSshTests
{
    [OvsFact]
    public async Task Given_a_guest_launched_with_a_key_pair_Then_ssh_with_that_key_from_its_VPC_runs_a_command_and_another_key_is_refused()
    {
        var suffix = Shell.NewSuffix();
        var bridge = "bs" + suffix;
        var work = Directory.CreateTempSubdirectory("platform-ssh-").FullName;
        var imageId = $"ami-{Guid.NewGuid():N}"[..21];
        var id = $"i-{Guid.NewGuid():N}"[..19];
        var poolName = $"platform-test-{Guid.NewGuid():N}"[..24];
        var key = Path.Combine(work, "key");
        var otherKey = Path.Combine(work, "other");
        await Shell.CheckAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "platform-test", "-f", key);
        await Shell.CheckAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "someone-else", "-f", otherKey);
        var image = TestImage.Build(TestImage.TestImageDirectory);
        Directory.CreateDirectory(Path.Combine(work, "images", imageId));
        File.Copy(image.Kernel, Path.Combine(work, "images", imageId, ImageParts.Kernel));
        File.Copy(image.Initrd, Path.Combine(work, "images", imageId, ImageParts.Initrd));

        var sshOnly = new DesiredFirewallRule("tcp", 22, 22, "10.0.1.0/24");
        var anyOut = new DesiredFirewallRule("-1", null, null, "0.0.0.0/0");
        var guestNic = new DesiredInterface("eni-ssh" + suffix, "02:00:0a:00:01:05", "10.0.1.5", 24, "10.0.1.1", "vpc-ssh", 4343, [sshOnly], [anyOut]);
        var clientNic = guestNic with { InterfaceId = "eni-cli" + suffix, MacAddress = "02:00:0a:00:01:06", PrivateIpAddress = "10.0.1.6", Ingress = [] };
        var guestImage = new GuestImage(imageId, ImageFormat.Kernel, PartDigests.Of(Path.Combine(work, "images", imageId)));
        var instance = new DesiredInstance(id, 1, 256, DesiredPower.Running, guestImage, $"console=ttyS0 quiet no_timer_check cryptomgr.notests platform.marker={id}",
            Interfaces: [guestNic], PublicKey: File.ReadAllText(key + ".pub").Trim());
        // The client is a namespace on the bridge, not a VM: the switch's state has both, the hypervisor's only the guest.
        var client = new DesiredInstance("i-0000000000000c1e", 1, 128, DesiredPower.Running, guestImage, "", Interfaces: [clientNic]);
        var network = new HostDesiredState("host-1", 1, [instance, client], [new VpcNetwork("vpc-ssh", 4343, [], Subnets: [new DesiredSubnet("subnet-ssh", "10.0.1.0/24", "10.0.1.1", [])], CidrBlock: "10.0.0.0/16")]);

        await using var database = new OpenVSwitchDatabase();
        await database.EnsureBridgeAsync(new BridgeSpec(bridge));
        TestGuest? peer = null;
        using var libvirt = LibvirtConnection.Open("qemu:///system");
        using var images = new PoolGuestImages(libvirt, poolName, Path.Combine(work, "pool"), Path.Combine(work, "state"),
            new DirectoryImageSource(Path.Combine(work, "images")));
        using var reconciler = new HostReconciler(libvirt, new ReconcilerOptions { Owner = $"host-{Guid.NewGuid():N}", DomainType = "qemu", ConsoleDirectory = work, Bridge = bridge },
            images, new ManualClock());
        string Console() => File.Exists(Path.Combine(work, $"{id}.log")) ? File.ReadAllText(Path.Combine(work, $"{id}.log")) : "";
        try
        {
            peer = await TestGuest.AddAsync(database, bridge, "sc" + suffix, clientNic.MacAddress, clientNic.PrivateIpAddress, prefix: 24, gateway: clientNic.Gateway,
                interfaceId: GuestInterfaceId.For(clientNic.InterfaceId));
            // The userspace datapath hands the guest what the namespace's tap sends; with the checksum left to an
            // offload nobody performs, the guest's TCP drops every segment.
            await Shell.CheckAsync("ip", "netns", "exec", peer.Namespace, "ethtool", "-K", peer.Name, "tx", "off");
            await images.EnsureAsync(guestImage, CancellationToken.None);
            Assert.Empty(reconciler.Apply(new HostDesiredState("host-1", 1, [instance])).Faults);
            var switchState = new GuestNetwork(new IntegrationBridge(database), bridge, "127.0.0.1");
            await WaitForAsync(async () => (await switchState.ApplyAsync(network, CancellationToken.None)).PendingInterfaces.Count == 0, "the guest's port on the bridge");
            await WaitForAsync(() => Task.FromResult(Console().Contains("PLATFORM-GUEST-SSH-READY 22", StringComparison.Ordinal)), "the guest's SSH server");
            Assert.Contains($"PLATFORM-GUEST-IP eth0 {guestNic.PrivateIpAddress}/24", Console(), StringComparison.Ordinal);

            var (exit, output) = await SshAsync(peer, key, guestNic.PrivateIpAddress, "cat /proc/cmdline; curl --version");
            Assert.True(exit == 0, $"ssh exited {exit}: {output}");
            Assert.Contains($"platform.marker={id}", output, StringComparison.Ordinal);
            Assert.Contains("libcurl", output, StringComparison.Ordinal);

            // A key that is not the instance's key pair gets no shell.
            var (refusedExit, refused) = await SshAsync(peer, otherKey, guestNic.PrivateIpAddress, "cat /proc/cmdline");
            Assert.Equal(255, refusedExit);
            Assert.Contains("Permission denied", refused, StringComparison.Ordinal);
            Assert.DoesNotContain("platform.marker", refused, StringComparison.Ordinal);
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

            if (peer is not null)
            {
                await peer.DeleteAsync();
            }

            await Shell.RunAsync("ovs-vsctl", "--if-exists", "del-br", bridge);
            Directory.Delete(work, recursive: true);
        }
    }

    private static Task<(int ExitCode, string Output)> SshAsync(TestGuest from, string key, string address, string command) =>
        Shell.RunAsync("ip", "netns", "exec", from.Namespace, "ssh", "-i", key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=15",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", $"root@{address}", command);

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what}: not there within 120 s");
            await Task.Delay(250);
        }
    }
}
