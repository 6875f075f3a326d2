using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.Images;

/// <summary>
/// Uploads one part of a pending image, streamed to disk. The image becomes available with its last
/// part; available images are immutable (register a new one instead). A qcow2 disk with a backing file
/// or an external data file, or one that is encrypted or not qcow2 at all, is refused (InvalidParameterValue).
/// </summary>
internal sealed record UploadImagePart(string ImageId, string Part, Stream Body, string? ExpectedSha256)
    : IRequest<ImageResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:RegisterImage", Arns.Build("ec2", region, "", $"image/{ImageId}"));
}

internal sealed class UploadImagePartHandler(ComputeDbContext db, ICallerContext caller, ImageFiles files, IOptions<ComputeOptions> options)
    : IRequestHandler<UploadImagePart, ImageResponse>
{
    public async ValueTask<ImageResponse> Handle(UploadImagePart request, CancellationToken cancellationToken)
    {
        var image = await ImageLookup.OwnedAsync(db, caller.Identity.AccountId, request.ImageId, cancellationToken);
        var required = ImagePartsMap.Required(image.Format);
        if (!required.Contains(request.Part, StringComparer.Ordinal))
        {
            throw ApiErrors.InvalidParameterValue($"A {image.Format} image is made of {string.Join(" and ", required)}, not '{request.Part}'.");
        }

        if (image.State != ImageStates.Pending)
        {
            throw new ApiException(400, "IncorrectState", $"The image {image.Id} is {image.State}; its parts can no longer change.");
        }

        // A disk must be a qcow2 image that stands alone: no backing file, no external data file (see Qcow2Header).
        var stored = await files.StoreAsync(image.Id, request.Part, request.Body, options.Value.MaxImagePartBytes, request.ExpectedSha256, cancellationToken,
            request.Part == HostAgent.Protocol.ImageParts.Disk ? path => Qcow2Header.EnsureStandalone(path) : null);
        // Parts of one image may upload at once: the parts map is re-read and written under a retry.
        for (var attempt = 0; ; attempt++)
        {
            var parts = ImagePartsMap.Read(image);
            parts[request.Part] = stored;
            ImagePartsMap.Write(image, parts);
            if (required.All(parts.ContainsKey))
            {
                image.State = ImageStates.Available;
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return ImageResponse.From(image);
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                db.ChangeTracker.Clear();
                image = await ImageLookup.OwnedAsync(db, caller.Identity.AccountId, request.ImageId, cancellationToken);
            }
        }
    }
}
