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
    /// <summary>Whether every part of the image is here and complete (a local look, no download).</summary>
    bool IsPresent(GuestImage image);

    /// <summary>
    /// Fetches the parts not here yet and checks them. Throws <see cref="ImageRejectedException"/> for an image that will
    /// never do (its bytes do not match the recorded SHA-256, or a disk that is not a standalone qcow2 image).
    /// </summary>
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
/// For libvirt's simulated hosts (<c>test:///</c>), which run no guest and read no file: the paths handed to the domain
/// definition are never opened. With a source, images are fetched from it as on a server and their bytes checked
/// against the recorded SHA-256, then dropped (a marker in <c>&lt;state&gt;/images</c> remembers them), so a slow or
/// failing download behaves as it would on a server. Without one (reconciler tests), every image is present.
/// </summary>
public sealed class SimulatedGuestImages(IImageSource? source = null, string? stateDirectory = null) : IGuestImages
{
    private readonly string? _markers = source is null ? null
        : Directory.CreateDirectory(Path.Combine(stateDirectory ?? throw new ArgumentNullException(nameof(stateDirectory)), "images")).FullName;

    public bool IsPresent(GuestImage image) => source is null || ImageParts.Of(image.Format).All(part => File.Exists(Marker(image, part)));

    public async Task EnsureAsync(GuestImage image, CancellationToken cancellationToken)
    {
        if (source is null)
        {
            return;
        }

        foreach (var part in ImageParts.Of(image.Format))
        {
            if (File.Exists(Marker(image, part)))
            {
                continue;
            }

            _ = ImageDigests.Expected(image, part);
            using var download = await source.OpenAsync(image.ImageId, part, cancellationToken);
            using var hashing = new HashingStream(download.Content);
            await hashing.CopyToAsync(Stream.Null, cancellationToken);
            if (hashing.BytesRead != download.Length)
            {
                throw new EndOfStreamException($"The download of {image.ImageId}/{part} ended after {hashing.BytesRead} of {download.Length} bytes.");
            }

            ImageDigests.Verify(image, part, hashing);
            await File.WriteAllTextAsync(Marker(image, part), "", cancellationToken);
        }
    }

    private string Marker(GuestImage image, string part) => Path.Combine(_markers!, $"{image.ImageId}-{part}.complete");

    public GuestBootFiles Prepare(string instanceId, GuestImage image) => image.Format == ImageFormat.Kernel
        ? new GuestBootFiles($"/simulated/{image.ImageId}/kernel", $"/simulated/{image.ImageId}/initrd", null)
        : new GuestBootFiles(null, null, $"/simulated/{instanceId}-root");

    public string PrepareConfigDrive(DesiredInstance instance) => $"/simulated/{instance.InstanceId}-config";

    public void DeleteInstanceDisks(string instanceId)
    {
    }

    public (long Total, long Free) Capacity() => (0, 0);
}
