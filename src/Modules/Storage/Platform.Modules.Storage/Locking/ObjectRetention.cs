using Mediator;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Objects;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Locking;

/// <summary>
/// PutObjectRetention: s3:PutObjectRetention. Sets the retention of a version (the current one without a version id), or removes it
/// when <paramref name="Mode"/> is null. An unexpired retention may be extended by anyone allowed the call; shortened, removed or
/// turned from compliance into governance never under compliance, and under governance only with
/// <paramref name="BypassGovernance"/> and s3:BypassGovernanceRetention.
/// </summary>
internal sealed record PutObjectRetention(string Bucket, string Key, string? VersionId, string? Mode, DateTime? RetainUntil, bool BypassGovernance)
    : IRequest<string?>, IValidatable
{
    public void Validate()
    {
        ObjectVersions.Validate(VersionId);
        if ((Mode is null) != (RetainUntil is null) || (Mode is not null && !LockModes.IsValid(Mode)))
        {
            throw S3Errors.MalformedXml();
        }
    }
}

/// <summary>GetObjectRetention: s3:GetObjectRetention; NoSuchObjectLockConfiguration when the version has none.</summary>
internal sealed record GetObjectRetention(string Bucket, string Key, string? VersionId) : IRequest<ObjectLockState>, IValidatable
{
    public void Validate() => ObjectVersions.Validate(VersionId);
}

/// <summary>PutObjectLegalHold: s3:PutObjectLegalHold; ON keeps the version from deletion whatever its retention, OFF lets it go.</summary>
internal sealed record PutObjectLegalHold(string Bucket, string Key, string? VersionId, bool On) : IRequest<string?>, IValidatable
{
    public void Validate() => ObjectVersions.Validate(VersionId);
}

/// <summary>GetObjectLegalHold: s3:GetObjectLegalHold; NoSuchObjectLockConfiguration when none was ever set on the version.</summary>
internal sealed record GetObjectLegalHold(string Bucket, string Key, string? VersionId) : IRequest<ObjectLockState>, IValidatable
{
    public void Validate() => ObjectVersions.Validate(VersionId);
}

internal sealed class ObjectRetentionHandlers(BucketAccess access, ObjectCatalog catalog, TimeProvider clock)
    : IRequestHandler<PutObjectRetention, string?>, IRequestHandler<GetObjectRetention, ObjectLockState>,
        IRequestHandler<PutObjectLegalHold, string?>, IRequestHandler<GetObjectLegalHold, ObjectLockState>
{
    public async ValueTask<string?> Handle(PutObjectRetention request, CancellationToken cancellationToken)
    {
        var bucket = await LockedBucketAsync(request.Bucket, request.Key, "s3:PutObjectRetention", cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        if (request.RetainUntil is { } until && until <= now)
        {
            throw S3Errors.InvalidArgument("The retain until date must be in the future!");
        }

        var bypass = request.BypassGovernance
            && await access.IsAllowedAsync(bucket, "s3:BypassGovernanceRetention", BucketAccess.Arn(request.Bucket, request.Key), cancellationToken);
        var changed = await catalog.UpdateLockAsync(request.Bucket, request.Key, request.VersionId, found =>
        {
            if (found.HasActiveRetention(now) && Weakens(found, request.Mode, request.RetainUntil) && !(found.Mode == LockModes.Governance && bypass))
            {
                throw S3Errors.ObjectLocked();
            }

            return found with { Mode = request.Mode, RetainUntil = request.RetainUntil };
        }, cancellationToken);
        return changed.VersionId;
    }

    /// <summary>Whether the new retention protects less than the one in force: removed, sooner, or compliance turned into governance.</summary>
    private static bool Weakens(ObjectLockState found, string? mode, DateTime? until) =>
        mode is null || until < found.RetainUntil || (found.Mode == LockModes.Compliance && mode != LockModes.Compliance);

    public async ValueTask<ObjectLockState> Handle(GetObjectRetention request, CancellationToken cancellationToken)
    {
        await LockedBucketAsync(request.Bucket, request.Key, "s3:GetObjectRetention", cancellationToken);
        var version = await FindAsync(request.Bucket, request.Key, request.VersionId, cancellationToken);
        return version.LockMode is null ? throw S3Errors.NoSuchObjectLockOnObject() : ObjectLockState.Of(version);
    }

    public async ValueTask<string?> Handle(PutObjectLegalHold request, CancellationToken cancellationToken)
    {
        await LockedBucketAsync(request.Bucket, request.Key, "s3:PutObjectLegalHold", cancellationToken);
        var changed = await catalog.UpdateLockAsync(request.Bucket, request.Key, request.VersionId, found => found with { LegalHold = request.On },
            cancellationToken);
        return changed.VersionId;
    }

    public async ValueTask<ObjectLockState> Handle(GetObjectLegalHold request, CancellationToken cancellationToken)
    {
        await LockedBucketAsync(request.Bucket, request.Key, "s3:GetObjectLegalHold", cancellationToken);
        var version = await FindAsync(request.Bucket, request.Key, request.VersionId, cancellationToken);
        return version.LegalHold is null ? throw S3Errors.NoSuchObjectLockOnObject() : ObjectLockState.Of(version);
    }

    /// <summary>The bucket, the action decided first; InvalidRequest when it has no object lock.</summary>
    private async Task<Bucket> LockedBucketAsync(string name, string key, string action, CancellationToken cancellationToken)
    {
        var bucket = await access.AuthorizeAsync(name, action, BucketAccess.Arn(name, key), cancellationToken);
        return bucket.ObjectLockEnabled ? bucket : throw S3Errors.ObjectLockNotEnabled();
    }

    private async Task<StoredObject> FindAsync(string bucket, string key, string? versionId, CancellationToken cancellationToken)
    {
        var version = versionId is null
            ? await catalog.FindAsync(bucket, key, cancellationToken) ?? throw S3Errors.NoSuchKey()
            : await catalog.FindVersionAsync(bucket, key, versionId, cancellationToken) ?? throw S3Errors.NoSuchVersion();
        return version.IsDeleteMarker ? throw S3Errors.DeleteMarker(version.VersionId, named: versionId is not null) : version;
    }
}
