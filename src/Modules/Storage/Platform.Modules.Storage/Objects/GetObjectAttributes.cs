using Mediator;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Objects;

/// <summary>
/// GetObjectAttributes: a version's ETag, checksum, parts, storage class and size without its bytes (s3:GetObjectAttributes, or
/// s3:GetObjectVersionAttributes with an id; the object ACL's READ too). Its parts are the completed upload's, paged by part number.
/// </summary>
internal sealed record GetObjectAttributes(string Bucket, string Key, string? VersionId) : IRequest<ObjectAttributes>, IValidatable
{
    public void Validate() => ObjectVersions.Validate(VersionId);
}

/// <param name="PartSizes">The sizes of the parts of a multipart upload's object, in part order; empty for an object put whole.</param>
internal sealed record ObjectAttributes(StoredObject Object, string? VersionId, IReadOnlyList<long> PartSizes);

internal sealed class GetObjectAttributesHandler(BucketAccess access, ObjectCatalog catalog) : IRequestHandler<GetObjectAttributes, ObjectAttributes>
{
    public async ValueTask<ObjectAttributes> Handle(GetObjectAttributes request, CancellationToken cancellationToken)
    {
        var (_, version) = await ObjectLookup.FindAuthorizedAsync(access, catalog, request.Bucket, request.Key, request.VersionId,
            "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes", cancellationToken);
        // A completed upload keeps one segment per part; a copy of it is one blob and no longer has parts.
        var segments = Segments.Parse(version.Segments);
        IReadOnlyList<long> parts = version.PartsCount > 0 && segments.Count == version.PartsCount ? [.. segments.Select(s => s.Size)] : [];
        return new ObjectAttributes(version, ObjectLookup.WireId(version, request.VersionId), parts);
    }
}
