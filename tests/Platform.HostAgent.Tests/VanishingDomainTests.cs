using System.Security.Cryptography;
using Platform.HostAgent.Images;
using Platform.HostAgent.Libvirt;
using Platform.HostAgent.Protocol;
using Platform.HostAgent.Reconciliation;
using Platform.HostAgent.Volumes;
using Platform.Tests.Common;

namespace Platform.HostAgent.Tests;

/// <summary>
/// Domains that are undefined between the agent's listing and its look at them (its own removal of a terminated
/// instance, or anyone else's on the same libvirtd): the agent's walks over the server's domains take them for gone,
/// and report neither a fault nor an exception. Real libvirtd (qemu:///system): a second connection defines and
/// undefines instance-named domains as fast as it can while the agent observes and converges over and over.
/// </summary>
public sealed class VanishingDomainTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("platform-vanish-pool-").FullName;
    private readonly string _state = Directory.CreateTempSubdirectory("platform-vanish-state-").FullName;
    private readonly string _poolName = $"platform-vanish-{Guid.NewGuid():N}"[..30];
    private readonly LibvirtConnection _libvirt = LibvirtConnection.Open("qemu:///system");

    [Fact]
    public async Task Given_domains_undefined_while_the_agent_walks_the_server_Then_its_observations_and_convergence_report_no_fault()
    {
        using var instances = new HostReconciler(_libvirt, new ReconcilerOptions { Owner = $"host-{Guid.NewGuid():N}", DomainType = "qemu" },
            new SimulatedGuestImages(), new ManualClock());
        var volumes = new VolumeReconciler(_libvirt, new VolumeReconcilerOptions { Pool = _poolName, PoolPath = _directory, StateDirectory = _state },
            new MemorySnapshots());

        using var stop = new CancellationTokenSource();
        var churned = 0;
        var churn = Task.Run(() =>
        {
            using var other = LibvirtConnection.Open("qemu:///system");
            while (!stop.IsCancellationRequested)
            {
                var name = $"i-{RandomNumberGenerator.GetHexString(17, lowercase: true)}";
                using (var domain = other.DefineDomain($"""
                    <domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
                    <os><type arch='x86_64'>hvm</type></os><devices/></domain>
                    """))
                {
                    domain.Undefine();
                }

                Interlocked.Increment(ref churned);
            }
        });

        int during;
        try
        {
            // The walks start once the churn runs, and go on until 300 domains have come and gone beside them.
            var started = DateTime.UtcNow.AddSeconds(30);
            while (Volatile.Read(ref churned) == 0 && !churn.IsCompleted && DateTime.UtcNow < started)
            {
                await Task.Delay(10);
            }

            var from = Volatile.Read(ref churned);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            var faults = new List<string>();
            for (var round = 1; Volatile.Read(ref churned) - from < 300 && !churn.IsCompleted && DateTime.UtcNow < deadline; round++)
            {
                faults.AddRange(instances.Apply(new HostDesiredState("host-1", round, [])).Faults.Select(f => $"{f.InstanceId}: {f.Message}"));
                faults.AddRange((await volumes.ApplyAsync([], CancellationToken.None)).Select(f => $"{f.VolumeId}: {f.Message}"));
                _ = volumes.Observe();
            }

            during = Volatile.Read(ref churned) - from;
            Assert.Empty(faults);
        }
        finally
        {
            await stop.CancelAsync();
            await churn;
        }

        // The churn really ran beside the walks (and failed nothing itself: awaiting it above rethrows).
        Assert.True(during >= 300, $"only {during} domains came and went during the walks");
    }

    public void Dispose()
    {
        LibvirtCleanup.RemovePool(_libvirt, _poolName);
        _libvirt.Dispose();
        Directory.Delete(_directory, recursive: true);
        Directory.Delete(_state, recursive: true);
    }
}
