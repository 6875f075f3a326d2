using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Objects;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Tagging;

/// <summary>PutObjectTagging: replaces the tags of the version named (the current one without an id); an empty set removes them.</summary>
internal sealed record PutObjectTagging(string Bucket, string Key, string? VersionId, IReadOnlyDictionary<string, string> Tags)
    : IRequest<ObjectTags>, IValidatable
{
    public void Validate() => ObjectVersions.Validate(VersionId);
}

/// <summary>GetObjectTagging: the version's tags, an empty set when it has none.</summary>
internal sealed record GetObjectTagging(string Bucket, string Key, string? VersionId) : IRequest<ObjectTags>, IValidatable
{
    public void Validate() => ObjectVersions.Validate(VersionId);
}

internal sealed record DeleteObjectTagging(string Bucket, string Key, string? VersionId) : IRequest<ObjectTags>, IValidatable
{
    public void Validate() => ObjectVersions.Validate(VersionId);
}

/// <summary>The version's tags and its id for x-amz-version-id (null for an unversioned bucket's object).</summary>
internal sealed record ObjectTags(string? VersionId, IReadOnlyDictionary<string, string> Tags);

internal sealed class ObjectTaggingHandlers(StorageDbContext db, BucketAccess access, ObjectCatalog catalog)
    : IRequestHandler<PutObjectTagging, ObjectTags>, IRequestHandler<GetObjectTagging, ObjectTags>, IRequestHandler<DeleteObjectTagging, ObjectTags>
{
    public async ValueTask<ObjectTags> Handle(PutObjectTagging request, CancellationToken cancellationToken)
    {
        var version = await FindAuthorizedAsync(request.Bucket, request.Key, request.VersionId, "s3:PutObjectTagging", "s3:PutObjectVersionTagging",
            ObjectTagConditions.Request(request.Tags), cancellationToken);
        await SetAsync(version, TagSet.ToJson(request.Tags), cancellationToken);
        return new ObjectTags(WireId(version, request.VersionId), request.Tags);
    }

    public async ValueTask<ObjectTags> Handle(GetObjectTagging request, CancellationToken cancellationToken)
    {
        var version = await FindAuthorizedAsync(request.Bucket, request.Key, request.VersionId, "s3:GetObjectTagging", "s3:GetObjectVersionTagging", null,
            cancellationToken);
        return new ObjectTags(WireId(version, request.VersionId), TagSet.FromJson(version.Tags));
    }

    public async ValueTask<ObjectTags> Handle(DeleteObjectTagging request, CancellationToken cancellationToken)
    {
        var version = await FindAuthorizedAsync(request.Bucket, request.Key, request.VersionId, "s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging", null,
            cancellationToken);
        await SetAsync(version, null, cancellationToken);
        return new ObjectTags(WireId(version, request.VersionId), TagSet.Empty);
    }

    private static string? WireId(StoredObject version, string? asked) => version.VersionId ?? (asked is null ? null : ObjectVersions.Null);

    /// <summary>
    /// The version, authorized with its existing tags as condition keys (s3:ExistingObjectTag/&lt;key&gt;). A caller refused
    /// learns nothing of whether the key exists: the decision comes before NoSuchKey.
    /// </summary>
    private async Task<StoredObject> FindAuthorizedAsync(string bucketName, string key, string? versionId, string action, string versionAction,
        IReadOnlyDictionary<string, string>? requestKeys, CancellationToken cancellationToken)
    {
        var bucket = await access.FindAsync(bucketName, cancellationToken);
        var version = versionId is null
            ? await catalog.FindAsync(bucket.Name, key, cancellationToken)
            : await catalog.FindVersionAsync(bucket.Name, key, versionId, cancellationToken);
        var conditions = ObjectTagConditions.Existing(version?.Tags, requestKeys);
        await access.AuthorizeAsync(bucket, versionId is null ? action : versionAction, BucketAccess.Arn(bucket.Name, key), cancellationToken, conditions);
        if (version is null)
        {
            throw versionId is null ? S3Errors.NoSuchKey() : S3Errors.NoSuchVersion();
        }

        // A delete marker has no tags: S3 answers as a GET of it does.
        return version.IsDeleteMarker ? throw S3Errors.DeleteMarker(version.VersionId, named: versionId is not null) : version;
    }

    /// <summary>The version's row, current or kept, as it was found (its id and ETag): tags of a version written since are not touched.</summary>
    private async Task SetAsync(StoredObject version, string? tags, CancellationToken cancellationToken)
    {
        var changed = await db.Objects
            .Where(o => o.BucketName == version.BucketName && o.Key == version.Key && o.VersionId == version.VersionId && o.ETag == version.ETag && !o.IsDeleteMarker)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.Tags, tags), cancellationToken);
        if (changed == 0)
        {
            var id = ObjectVersions.Wire(version.VersionId);
            changed = await db.Versions.Where(v => v.BucketName == version.BucketName && v.Key == version.Key && v.VersionId == id && v.ETag == version.ETag)
                .ExecuteUpdateAsync(s => s.SetProperty(v => v.Tags, tags), cancellationToken);
        }

        if (changed == 0)
        {
            throw S3Errors.NoSuchKey();
        }
    }
}

/// <summary>The condition keys of S3's object tags for a policy: s3:ExistingObjectTag/&lt;key&gt; and s3:RequestObjectTag/&lt;key&gt;.</summary>
internal static class ObjectTagConditions
{
    public static Dictionary<string, string>? Existing(string? tagsJson, IReadOnlyDictionary<string, string>? more = null)
    {
        var tags = TagSet.FromJson(tagsJson);
        if (tags.Count == 0 && more is null)
        {
            return null;
        }

        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            keys["s3:ExistingObjectTag/" + key] = value;
        }

        foreach (var (key, value) in more ?? TagSet.Empty)
        {
            keys[key] = value;
        }

        return keys;
    }

    public static Dictionary<string, string>? Request(IReadOnlyDictionary<string, string>? tags) =>
        tags is null || tags.Count == 0 ? null : tags.ToDictionary(t => "s3:RequestObjectTag/" + t.Key, t => t.Value, StringComparer.Ordinal);
}
