using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Storage.Multipart;
using Platform.Modules.Storage.Objects;
using Platform.Modules.Storage.Persistence;
using Platform.Modules.Storage.Tagging;

namespace Platform.Modules.Storage.Lifecycle;

/// <summary>
/// Applies every bucket's enabled lifecycle rules as of the clock's now: current versions expire (deleted, or under a
/// delete marker when the bucket keeps versions), noncurrent versions expire beyond the newest ones kept, delete markers
/// left with no version go, incomplete multipart uploads are aborted. The job keeps no state of its own: each run reads
/// what is due from the catalog and each action is conditional on the row as it was read (see
/// <see cref="ObjectCatalog.ExpireCurrentAsync"/>), so a run cut short by a crash is finished by the next one, and two runs
/// at once (two replicas, or a retry beside a late first attempt) act once on each version.
/// </summary>
internal sealed class LifecycleJob(StorageDbContext db, ObjectCatalog catalog, PartCatalog parts, TimeProvider clock, ILogger<LifecycleJob> logger)
{
    public const string RecurringJobId = "storage-lifecycle";
    private const int PageSize = 500;

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public async Task<LifecycleResult> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var total = new LifecycleResult(0, 0, 0, 0);
        var buckets = await db.Buckets.AsNoTracking().Where(b => b.Lifecycle != null).OrderBy(b => b.Name).ToListAsync(cancellationToken);
        foreach (var bucket in buckets)
        {
            var rules = LifecycleConfiguration.FromJson(bucket.Lifecycle)!.Rules.Where(r => r.Enabled).ToList();
            if (rules.Count == 0)
            {
                continue;
            }

            var result = new LifecycleResult(
                await ExpireCurrentAsync(bucket, rules, now, cancellationToken),
                await ExpireNoncurrentAsync(bucket, rules, now, cancellationToken),
                await RemoveDeleteMarkersAsync(bucket, rules, cancellationToken),
                await AbortUploadsAsync(bucket, rules, now, cancellationToken));
            if (result.Total > 0)
            {
                logger.LogInformation("Lifecycle of {Bucket}: {Expired} expired, {Noncurrent} noncurrent versions deleted, {Markers} delete markers removed, {Uploads} uploads aborted",
                    bucket.Name, result.Expired, result.NoncurrentDeleted, result.DeleteMarkersRemoved, result.UploadsAborted);
            }

            total += result;
        }

        return total;
    }

    private async Task<int> ExpireCurrentAsync(Bucket bucket, List<LifecycleRule> rules, DateTime now, CancellationToken cancellationToken)
    {
        var expiring = rules.Where(r => r.ExpirationDays is not null || r.ExpirationDate is not null).ToList();
        if (expiring.Count == 0)
        {
            return 0;
        }

        var expired = 0;
        await foreach (var current in PagesAsync(db.Objects.AsNoTracking().Where(o => o.BucketName == bucket.Name && !o.IsDeleteMarker), o => o.Key, cancellationToken))
        {
            var tags = TagSet.FromJson(current.Tags);
            var due = expiring.Any(r => r.Filter.Matches(current.Key, current.Size, tags)
                && ((r.ExpirationDays is { } days && LifecycleRule.Due(current.LastModified, days) <= now) || (r.ExpirationDate is { } date && date <= now)));
            if (due && await catalog.ExpireCurrentAsync(current, bucket.Versioning is not null, ObjectVersions.NewIdFor(bucket), now, cancellationToken))
            {
                expired++;
            }
        }

        return expired;
    }

    private async Task<int> ExpireNoncurrentAsync(Bucket bucket, List<LifecycleRule> rules, DateTime now, CancellationToken cancellationToken)
    {
        var expiring = rules.Where(r => r.NoncurrentDays is not null).ToList();
        if (expiring.Count == 0)
        {
            return 0;
        }

        var deleted = 0;
        string? key = null;
        var newer = 0;
        // Each key's kept versions newest first, so a rule's NewerNoncurrentVersions counts the ones to keep.
        // Read whole before any delete: no reader stays open across the writes (SQL Server without MARS refuses that).
        var versions = await db.Versions.AsNoTracking().Where(v => v.BucketName == bucket.Name)
            .OrderBy(v => v.Key).ThenByDescending(v => v.NoncurrentSince).ThenByDescending(v => v.LastModified).ThenBy(v => v.VersionId)
            .ToListAsync(cancellationToken);
        foreach (var version in versions)
        {
            newer = version.Key == key ? newer + 1 : 0;
            key = version.Key;
            var tags = TagSet.FromJson(version.Tags);
            var due = expiring.Any(r => r.Filter.Matches(version.Key, version.Size, tags)
                && newer >= (r.NewerNoncurrentVersions ?? 0)
                && LifecycleRule.Due(version.NoncurrentSince, r.NoncurrentDays!.Value) <= now);
            if (due && await catalog.DeleteNoncurrentAsync(version, now, cancellationToken))
            {
                deleted++;
            }
        }

        return deleted;
    }

    private async Task<int> RemoveDeleteMarkersAsync(Bucket bucket, List<LifecycleRule> rules, CancellationToken cancellationToken)
    {
        var removing = rules.Where(r => r.ExpiredObjectDeleteMarker == true).ToList();
        if (removing.Count == 0)
        {
            return 0;
        }

        var removed = 0;
        var markers = db.Objects.AsNoTracking().Where(o => o.BucketName == bucket.Name && o.IsDeleteMarker
            && !db.Versions.Any(v => v.BucketName == o.BucketName && v.Key == o.Key));
        await foreach (var marker in PagesAsync(markers, o => o.Key, cancellationToken))
        {
            if (removing.Any(r => r.Filter.Matches(marker.Key, 0, TagSet.Empty))
                && await catalog.RemoveLoneDeleteMarkerAsync(bucket.Name, marker.Key, marker.VersionId, cancellationToken))
            {
                removed++;
            }
        }

        return removed;
    }

    private async Task<int> AbortUploadsAsync(Bucket bucket, List<LifecycleRule> rules, DateTime now, CancellationToken cancellationToken)
    {
        var aborting = rules.Where(r => r.AbortDaysAfterInitiation is not null).ToList();
        if (aborting.Count == 0)
        {
            return 0;
        }

        var aborted = 0;
        var uploads = await db.MultipartUploads.AsNoTracking().Where(u => u.BucketName == bucket.Name).ToListAsync(cancellationToken);
        foreach (var upload in uploads.OrderBy(u => u.Key, StringComparer.Ordinal))
        {
            // An upload has no size or tags yet: the rule's prefix alone says whether it is covered (S3 refuses tags there).
            var due = aborting.Any(r => (r.Filter.Prefix is null || upload.Key.StartsWith(r.Filter.Prefix, StringComparison.Ordinal))
                && LifecycleRule.Due(upload.InitiatedAt, r.AbortDaysAfterInitiation!.Value) <= now);
            if (!due)
            {
                continue;
            }

            try
            {
                await parts.AbortAsync(upload, cancellationToken);
                aborted++;
            }
            catch (ApiException e) when (e.Code == "NoSuchUpload")
            {
                // Completed or aborted since it was listed.
            }
        }

        return aborted;
    }

    /// <summary>The rows in key order, a page at a time, so a large bucket is never held whole and each page's reads end before its writes.</summary>
    private static async IAsyncEnumerable<StoredObject> PagesAsync(IQueryable<StoredObject> query, Func<StoredObject, string> keyOf,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? after = null;
        while (true)
        {
            var from = after;
            var page = await (from is null ? query : query.Where(o => o.Key.CompareTo(from) > 0)).OrderBy(o => o.Key).Take(PageSize).ToListAsync(cancellationToken);
            foreach (var row in page)
            {
                yield return row;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            after = keyOf(page[^1]);
        }
    }
}

/// <summary>What one run did.</summary>
internal sealed record LifecycleResult(int Expired, int NoncurrentDeleted, int DeleteMarkersRemoved, int UploadsAborted)
{
    public int Total => Expired + NoncurrentDeleted + DeleteMarkersRemoved + UploadsAborted;

    public static LifecycleResult operator +(LifecycleResult a, LifecycleResult b) =>
        new(a.Expired + b.Expired, a.NoncurrentDeleted + b.NoncurrentDeleted, a.DeleteMarkersRemoved + b.DeleteMarkersRemoved, a.UploadsAborted + b.UploadsAborted);
}
