using Platform.HostAgent.Libvirt;

namespace Platform.Tests.Common;

/// <summary>What a test made on the shared libvirtd, removed when it ends (also when it fails): TCG guests eat the machine's cores.</summary>
public static class LibvirtCleanup
{
    /// <summary>Stops the domain if it runs and undefines it; nothing when there is none.</summary>
    public static void RemoveDomain(LibvirtConnection libvirt, string name)
    {
        using var domain = libvirt.FindDomain(name);
        if (domain is null)
        {
            return;
        }

        if (domain.IsActive)
        {
            domain.Destroy();
        }

        domain.Undefine();
    }

    /// <summary>Deletes every volume of the pool, stops it and undefines it; nothing when there is none.</summary>
    public static void RemovePool(LibvirtConnection libvirt, string name)
    {
        using var pool = libvirt.FindStoragePool(name);
        if (pool is null)
        {
            return;
        }

        if (pool.IsActive)
        {
            pool.Refresh();
            foreach (var volumeName in pool.ListVolumeNames())
            {
                using var volume = pool.FindVolume(volumeName);
                volume?.Delete();
            }

            pool.Stop();
        }

        pool.Undefine();
    }
}
