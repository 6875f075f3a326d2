using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Compute.Images;

/// <summary>The account's own images and the public ones, optionally only the ids asked for.</summary>
internal sealed record DescribeImages(IReadOnlyList<string> ImageIds) : IRequest<ImagesResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DescribeImages", "*");
}

internal sealed class DescribeImagesHandler(ComputeDbContext db, ICallerContext caller) : IRequestHandler<DescribeImages, ImagesResponse>
{
    public async ValueTask<ImagesResponse> Handle(DescribeImages request, CancellationToken cancellationToken)
    {
        foreach (var id in request.ImageIds)
        {
            ImageLookup.EnsureWellFormed(id);
        }

        var accountId = caller.Identity.AccountId;
        var query = db.Images.AsNoTracking().Where(i => (i.AccountId == accountId || i.IsPublic) && i.State != ImageStates.Deregistered);
        if (request.ImageIds.Count > 0)
        {
            query = query.Where(i => request.ImageIds.Contains(i.Id));
        }

        var images = await query.OrderBy(i => i.CreatedAt).ThenBy(i => i.Id).ToListAsync(cancellationToken);
        if (request.ImageIds.FirstOrDefault(id => images.All(i => i.Id != id)) is { } missing)
        {
            throw ImageLookup.NotFound(missing);
        }

        return new ImagesResponse(images.Select(ImageResponse.From).ToList());
    }
}
