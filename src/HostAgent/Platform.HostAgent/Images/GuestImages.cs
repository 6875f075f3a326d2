using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Images;

/// <summary>Where a guest boots from on this host: a kernel and initrd, or a root disk made for the instance.</summary>
public sealed record GuestBootFiles(string? KernelPath, string? InitrdPath, string? RootDiskPath);

/// <summary>
/// The host's image cache and instance disks. <see cref="EnsureAsync"/> fetches what the desired state
/// needs before the reconciler runs; the reconciler's calls then only touch local storage.
/// </summary>
public interface IGuestImages
{
    Task EnsureAsync(GuestImage image, CancellationToken cancellationToken);

    /// <summary>The files an instance boots from, creating its copy-on-write root disk on first use.</summary>
    GuestBootFiles Prepare(string instanceId, GuestImage image);

    /// <summary>The instance's config drive (<see cref="ConfigDrive"/>), made on first use; a disk image's path.</summary>
    string PrepareConfigDrive(DesiredInstance instance);

    void DeleteInstanceDisks(string instanceId);

    /// <summary>Bytes of the storage instances and images live in, and how many are free.</summary>
    (long Total, long Free) Capacity();
}

/// <summary>An image part's bytes and length.</summary>
public sealed record ImageDownload(Stream Content, long Length) : IDisposable
{
    public void Dispose() => Content.Dispose();
}

/// <summary>Where image parts come from: the API (<c>GET /api/v1/agent/images/…</c>), or a local directory.</summary>
public interface IImageSource
{
    Task<ImageDownload> OpenAsync(string imageId, string part, CancellationToken cancellationToken);
}

/// <summary>Image parts from a directory laid out as <c>&lt;image id&gt;/&lt;part&gt;</c> (pre-seeded hosts, tests).</summary>
public sealed class DirectoryImageSource(string root) : IImageSource
{
    public Task<ImageDownload> OpenAsync(string imageId, string part, CancellationToken cancellationToken)
    {
        var file = new FileStream(Path.Combine(root, imageId, part), FileMode.Open, FileAccess.Read);
        return Task.FromResult(new ImageDownload(file, file.Length));
    }
}

/// <summary>
/// For libvirt's simulated hosts (<c>test:///</c>), which run no guest and read no file: images are not
/// fetched, and the paths handed to the domain definition are never opened.
/// </summary>
public sealed class SimulatedGuestImages : IGuestImages
{
    public Task EnsureAsync(GuestImage image, CancellationToken cancellationToken) => Task.CompletedTask;

    public GuestBootFiles Prepare(string instanceId, GuestImage image) => image.Format == ImageFormat.Kernel
        ? new GuestBootFiles($"/simulated/{image.ImageId}/kernel", $"/simulated/{image.ImageId}/initrd", null)
        : new GuestBootFiles(null, null, $"/simulated/{instanceId}-root");

    public string PrepareConfigDrive(DesiredInstance instance) => $"/simulated/{instance.InstanceId}-config";

    public void DeleteInstanceDisks(string instanceId)
    {
    }

    public (long Total, long Free) Capacity() => (0, 0);
}
