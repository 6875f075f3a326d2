using System.Text.Json;
using Platform.HostAgent.Protocol;
using Platform.Modules.Compute.Hosts;
using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.Images;

internal sealed record ImagePartResponse(string Part, long Size, string Sha256);

internal sealed record ImageResponse(
    string ImageId,
    string Name,
    string? Description,
    string OwnerId,
    string Format,
    string CommandLine,
    string State,
    bool Public,
    IReadOnlyList<string> RequiredParts,
    IReadOnlyList<ImagePartResponse> Parts,
    DateTime CreationDate)
{
    public static ImageResponse From(MachineImage image)
    {
        var parts = ImagePartsMap.Read(image);
        return new ImageResponse(image.Id, image.Name, image.Description, image.AccountId, image.Format, image.CommandLine, image.State,
            image.IsPublic, ImagePartsMap.Required(image.Format),
            parts.Select(p => new ImagePartResponse(p.Key, p.Value.Size, p.Value.Sha256)).ToList(), image.CreatedAt);
    }
}

internal sealed record ImagesResponse(IReadOnlyList<ImageResponse> Images);

internal static class ImageStates
{
    public const string Pending = "pending";
    public const string Available = "available";
    public const string Deregistered = "deregistered";
}

/// <summary>The parts an image is made of, kept as a small JSON map on the image row.</summary>
internal static class ImagePartsMap
{
    public static IReadOnlyList<string> Required(string format) =>
        HostAgent.Protocol.ImageParts.Of(format == ImageFormats.Qcow2 ? ImageFormat.Qcow2 : ImageFormat.Kernel);

    public static SortedDictionary<string, StoredPart> Read(MachineImage image) =>
        JsonSerializer.Deserialize<SortedDictionary<string, StoredPart>>(image.Parts, Json) ?? [];

    public static void Write(MachineImage image, SortedDictionary<string, StoredPart> parts) => image.Parts = JsonSerializer.Serialize(parts, Json);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
