namespace Platform.Modules.Storage.Objects;

/// <summary>
/// Versions as S3 names them where a bucket never had versioning enabled (none here yet): each object's one version is
/// the "null" version, so a request naming it addresses the object and one naming any other id addresses nothing.
/// </summary>
internal static class ObjectVersions
{
    public const string Null = "null";

    /// <summary>True when the versionId given (or none) addresses the object as it is.</summary>
    public static bool IsCurrent(string? versionId) => versionId is null or Null;
}
