using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.Images;

/// <summary>
/// A server may fetch an image only while an instance placed on it runs from that image. A server's credential is
/// not a key to every tenant's private images: a compromised server learns no more than what it was given to run.
/// </summary>
internal sealed record EnsureHostNeedsImage(string HostId, string ImageId) : IRequest;

internal sealed class EnsureHostNeedsImageHandler(ComputeDbContext db) : IRequestHandler<EnsureHostNeedsImage>
{
    public async ValueTask<Unit> Handle(EnsureHostNeedsImage request, CancellationToken cancellationToken)
    {
        var needed = await db.Instances.AsNoTracking().AnyAsync(
            i => i.HostId == request.HostId && i.ImageId == request.ImageId && i.State != InstanceStates.Terminated, cancellationToken);

        // The same answer as for an image that does not exist: the server learns nothing of images it does not run.
        return needed ? Unit.Value : throw ApiErrors.NotFound("InvalidAMIID.NotFound", $"The image {request.ImageId} is not used by this host.");
    }
}
