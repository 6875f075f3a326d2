using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Modules.Storage.Objects;

/// <summary>One blob of an object's bytes: its plaintext length and, when encrypted, its wrapped data key.</summary>
internal sealed record Segment(
    [property: JsonPropertyName("b")] string BlobId,
    [property: JsonPropertyName("n")] long Size,
    [property: JsonPropertyName("k")] string? WrappedKey);

/// <summary>The JSON form of an object's segment list, as the s3_objects row keeps it.</summary>
internal static class Segments
{
    public static string Serialize(IReadOnlyList<Segment> segments) => JsonSerializer.Serialize(segments);

    public static IReadOnlyList<Segment> Parse(string json) => JsonSerializer.Deserialize<List<Segment>>(json) ?? [];
}
