using Mediator;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Compute.Images;

/// <summary>
/// Deregisters an image: no new launches from it. Its bytes stay while the platform runs instances of it
/// (as EC2, deregistering does not affect running instances), so hosts can still fetch it; the housekeeping
/// job (<see cref="Instances.ComputeHousekeepingJob"/>) deletes image and bytes once none is left.
/// </summary>
internal sealed record DeregisterImage(string ImageId) : IRequest, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DeregisterImage", Arns.Build("ec2", region, "", $"image/{ImageId}"));
}

internal sealed class DeregisterImageHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<DeregisterImage>
{
    public async ValueTask<Unit> Handle(DeregisterImage request, CancellationToken cancellationToken)
    {
        var image = await ImageLookup.OwnedAsync(db, caller.Identity.AccountId, request.ImageId, cancellationToken);
        image.State = ImageStates.Deregistered;
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
