using System.Text;
using Microsoft.EntityFrameworkCore;
using Platform.HostAgent.Protocol;
using Platform.Modules.Compute.InstanceTypes;
using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.Hosts;

/// <summary>Composes what one host should run from the instances placed on it.</summary>
internal static class HostDesiredStates
{
    public static async Task<HostDesiredState> ComposeAsync(ComputeDbContext db, HostRecord host, CancellationToken cancellationToken)
    {
        var instances = await db.Instances.AsNoTracking()
            .Where(i => i.HostId == host.Id && i.DesiredPower != DesiredPowers.Absent)
            .OrderBy(i => i.Id)
            .ToListAsync(cancellationToken);
        return new HostDesiredState(host.Id, host.DesiredVersion, instances.Select(Desired).ToList());
    }

    private static DesiredInstance Desired(Instance instance)
    {
        var type = InstanceTypeCatalog.Find(instance.InstanceType)
            ?? throw new InvalidOperationException($"Instance {instance.Id} has the unknown type {instance.InstanceType}.");
        var format = instance.ImageFormat == ImageFormats.Qcow2 ? ImageFormat.Qcow2 : ImageFormat.Kernel;
        return new DesiredInstance(
            instance.Id,
            type.VirtualCpus,
            type.MemoryMiB,
            instance.DesiredPower == DesiredPowers.Running ? DesiredPower.Running : DesiredPower.Stopped,
            new GuestImage(instance.ImageId, format),
            CommandLine(instance),
            instance.RebootCount);
    }

    /// <summary>
    /// The image's parameters, then the instance's own: its id (the console marker) and its SSH key,
    /// base64 so that the key's spaces survive the kernel's parsing.
    /// </summary>
    public static string CommandLine(Instance instance)
    {
        var line = new StringBuilder(instance.ImageCommandLine.Trim());
        line.Append(line.Length > 0 ? " " : "").Append("platform.marker=").Append(instance.Id);
        if (instance.PublicKey is { } key)
        {
            line.Append(" platform.ssh_key=").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(key)));
        }

        return line.ToString();
    }
}

internal static class ImageFormats
{
    public const string Kernel = "kernel";
    public const string Qcow2 = "qcow2";
}
