using System.Text.RegularExpressions;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.Images;

internal static partial class ImageLookup
{
    public static void EnsureWellFormed(string? imageId)
    {
        if (imageId is null || !ImageId().IsMatch(imageId))
        {
            throw new ApiException(400, "InvalidAMIID.Malformed", $"Invalid id: \"{imageId}\" (expecting \"ami-...\")");
        }
    }

    /// <summary>An image the account owns (whatever its state but deregistered), or NotFound: another account's images do not exist for it.</summary>
    public static async Task<MachineImage> OwnedAsync(ComputeDbContext db, string accountId, string? imageId, CancellationToken cancellationToken)
    {
        EnsureWellFormed(imageId);
        return await db.Images.SingleOrDefaultAsync(
                i => i.Id == imageId && i.AccountId == accountId && i.State != ImageStates.Deregistered, cancellationToken)
            ?? throw NotFound(imageId!);
    }

    /// <summary>An image the account may launch: its own or a public one, available.</summary>
    public static async Task<MachineImage> LaunchableAsync(ComputeDbContext db, string accountId, string? imageId, CancellationToken cancellationToken)
    {
        EnsureWellFormed(imageId);
        var image = await db.Images.AsNoTracking().SingleOrDefaultAsync(
                i => i.Id == imageId && (i.AccountId == accountId || i.IsPublic) && i.State != ImageStates.Deregistered, cancellationToken)
            ?? throw NotFound(imageId!);
        if (image.State != ImageStates.Available)
        {
            throw ApiErrors.InvalidParameterValue($"The image {imageId} is {image.State}: upload its parts ({string.Join(", ", ImagePartsMap.Required(image.Format))}) first.");
        }

        return image;
    }

    /// <summary>
    /// The image the platform launches for itself (a managed instance's) by name: the newest available one the management
    /// account registered. A tenant's image of the same name is never taken, so no tenant can put its image under another's database.
    /// </summary>
    public static async Task<string> PlatformImageIdAsync(ComputeDbContext db, ISender sender, string name, CancellationToken cancellationToken)
    {
        var candidates = await db.Images.AsNoTracking().Where(i => i.Name == name && i.State == ImageStates.Available)
            .OrderByDescending(i => i.CreatedAt).ThenBy(i => i.Id).Select(i => new { i.Id, i.AccountId }).ToListAsync(cancellationToken);
        foreach (var candidate in candidates)
        {
            if (await sender.Send(new IsManagementAccount(candidate.AccountId), cancellationToken))
            {
                return candidate.Id;
            }
        }

        throw new InvalidOperationException($"No available image named '{name}' of the management account: platform.sh up registers it (deploy/db-image/build.sh).");
    }

    public static ApiException NotFound(string imageId) =>
        new(400, "InvalidAMIID.NotFound", $"The image id '[{imageId}]' does not exist");

    [GeneratedRegex("^ami-[0-9a-f]{8,17}$")]
    private static partial Regex ImageId();
}
