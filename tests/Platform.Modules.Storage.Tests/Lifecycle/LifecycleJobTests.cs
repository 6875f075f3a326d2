using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Modules.Storage.Lifecycle;
using Platform.Modules.Storage.Objects;
using Platform.Modules.Storage.Persistence;
using Platform.Modules.Storage.Tagging;

namespace Platform.Modules.Storage.Tests.Lifecycle;

/// <summary>
/// The lifecycle job on the module's real database and blob store, driven by a fixed clock: what is due goes and nothing
/// else, a second run does nothing, two runs at once act once on each version, and a run cut short mid-way is finished by
/// the next one.
/// </summary>
public sealed class LifecycleJobTests : IAsyncLifetime
{
    private static readonly DateTime Now = new(2026, 6, 10, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>A database of each test's own: the job acts on every bucket there is.</summary>
    private readonly StorageTestDatabase _storage = new();

    public Task InitializeAsync() => _storage.InitializeAsync();

    public Task DisposeAsync() => _storage.DisposeAsync();

    [Fact]
    public async Task Given_an_unversioned_bucket_with_rules_by_prefix_tags_and_size_When_the_job_runs_Then_only_what_is_due_and_covered_goes()
    {
        var bucket = await BucketAsync("lc-plain", versioning: null, """
            <LifecycleConfiguration>
              <Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>
              <Rule><ID>big-temp</ID><Filter><And><Prefix>tmp/</Prefix><Tag><Key>class</Key><Value>temp</Value></Tag>
                <ObjectSizeGreaterThan>100</ObjectSizeGreaterThan></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>
              <Rule><ID>off</ID><Filter></Filter><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>
              <Rule><ID>dated</ID><Filter><Prefix>old/</Prefix></Filter><Status>Enabled</Status><Expiration><Date>2026-06-10T00:00:00Z</Date></Expiration></Rule>
              <Rule><ID>uploads</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>
                <AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>
            </LifecycleConfiguration>
            """);
        var blobs = new Dictionary<string, string>
        {
            ["logs/old"] = await PutAsync(bucket, "logs/old", 10, Now.AddDays(-31)),
            // Written 30 days ago at 13:00: due at the midnight after 30 days have passed, tomorrow.
            ["logs/30-days-less-an-hour"] = await PutAsync(bucket, "logs/30-days-less-an-hour", 10, new DateTime(2026, 5, 11, 13, 0, 0, DateTimeKind.Utc)),
            ["logs/new"] = await PutAsync(bucket, "logs/new", 10, Now.AddDays(-5)),
            ["other/old"] = await PutAsync(bucket, "other/old", 10, Now.AddDays(-100)),
            ["old/x"] = await PutAsync(bucket, "old/x", 10, Now.AddHours(-1)),
            ["tmp/big-temp"] = await PutAsync(bucket, "tmp/big-temp", 200, Now.AddDays(-2), new() { ["class"] = "temp" }),
            ["tmp/small-temp"] = await PutAsync(bucket, "tmp/small-temp", 50, Now.AddDays(-2), new() { ["class"] = "temp" }),
            ["tmp/big-kept"] = await PutAsync(bucket, "tmp/big-kept", 200, Now.AddDays(-2), new() { ["class"] = "keep" }),
            ["tmp/big-untagged"] = await PutAsync(bucket, "tmp/big-untagged", 200, Now.AddDays(-2)),
        };
        var oldUpload = await UploadAsync(bucket, "up/old", Now.AddDays(-8));
        var newUpload = await UploadAsync(bucket, "up/new", Now.AddDays(-6));

        var result = await RunAsync(Now);

        Assert.Equal(new LifecycleResult(3, 0, 0, 1), result);
        Assert.Equal(["logs/30-days-less-an-hour", "logs/new", "other/old", "tmp/big-kept", "tmp/big-untagged", "tmp/small-temp"], await KeysAsync(bucket));
        foreach (var (key, blob) in blobs)
        {
            Assert.True(_storage.BlobExists(blob) == (key is not ("logs/old" or "old/x" or "tmp/big-temp")), key);
        }

        Assert.False(_storage.BlobExists(oldUpload.BlobId));
        Assert.True(_storage.BlobExists(newUpload.BlobId));
        Assert.Equal(["up/new"], await _storage.InScopeAsync(db => db.MultipartUploads.Where(u => u.BucketName == bucket).Select(u => u.Key).ToListAsync()));

        Assert.Equal(new LifecycleResult(0, 0, 0, 0), await RunAsync(Now));
        // A day later the object written 30 days less an hour ago is due as well.
        Assert.Equal(new LifecycleResult(1, 0, 0, 0), await RunAsync(Now.AddDays(1)));
    }

    [Fact]
    public async Task Given_a_versioned_bucket_When_two_runs_go_at_once_Then_each_version_is_acted_on_once()
    {
        var bucket = await BucketAsync("lc-versioned", ObjectVersions.Enabled, """
            <LifecycleConfiguration>
              <Rule><ID>docs</ID><Filter><Prefix>docs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>10</Days></Expiration>
                <NoncurrentVersionExpiration><NoncurrentDays>5</NoncurrentDays><NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>
              <Rule><ID>markers</ID><Filter><Prefix>gone/</Prefix></Filter><Status>Enabled</Status>
                <Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>
            </LifecycleConfiguration>
            """);
        var v1 = await PutAsync(bucket, "docs/a", 10, Now.AddDays(-40), versionId: ObjectVersions.NewId());
        var v2 = await PutAsync(bucket, "docs/a", 10, Now.AddDays(-30), versionId: ObjectVersions.NewId());
        var v3 = await PutAsync(bucket, "docs/a", 10, Now.AddDays(-20), versionId: ObjectVersions.NewId());
        await PutAsync(bucket, "gone/kept", 10, Now.AddDays(-3), versionId: ObjectVersions.NewId());
        await MarkerAsync(bucket, "gone/kept", Now.AddDays(-2));
        await MarkerAsync(bucket, "gone/lone", Now.AddDays(-2));

        var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => RunAsync(Now))));

        var total = results[0] + results[1];
        Assert.Equal(new LifecycleResult(1, 2, 1, 0), total);
        // docs/a: a delete marker over v3 kept (the one newer noncurrent version), v1 and v2 gone with their bytes.
        var docs = await VersionsAsync(bucket, "docs/a");
        Assert.Equal([(true, true), (false, false)], docs.Select(v => (v.IsDeleteMarker, v.IsCurrent)));
        Assert.False(_storage.BlobExists(v1));
        Assert.False(_storage.BlobExists(v2));
        Assert.True(_storage.BlobExists(v3));
        Assert.Equal(2, (await VersionsAsync(bucket, "gone/kept")).Count);
        Assert.Empty(await VersionsAsync(bucket, "gone/lone"));

        Assert.Equal(new LifecycleResult(0, 0, 0, 0), await RunAsync(Now));
        // Six days on, v3 has been noncurrent for more than five days but is the one newer version kept.
        Assert.Equal(new LifecycleResult(0, 0, 0, 0), await RunAsync(Now.AddDays(6)));
    }

    [Fact]
    public async Task Given_a_run_that_crashes_half_way_When_the_job_runs_again_Then_every_due_version_is_expired_once()
    {
        var bucket = await BucketAsync("lc-crash", ObjectVersions.Enabled, """
            <LifecycleConfiguration>
              <Rule><ID>all</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>
            </LifecycleConfiguration>
            """);
        var keys = Enumerable.Range(0, 5).Select(i => $"k{i}").ToList();
        foreach (var key in keys)
        {
            await PutAsync(bucket, key, 10, Now.AddDays(-3), versionId: ObjectVersions.NewId());
        }

        // The third expiration's transaction dies before it commits, as a killed process's would.
        var crash = new BeforeCommand("INSERT INTO", 3, () => throw new IOException("killed"));
        await using (var db = _storage.Context(crash))
        {
            var killed = await Assert.ThrowsAsync<DbUpdateException>(() => Job(db, Now).RunAsync(CancellationToken.None));
            Assert.IsType<IOException>(killed.InnerException);
        }

        Assert.True(crash.Fired);
        var markersAfterCrash = 0;
        foreach (var key in keys)
        {
            markersAfterCrash += (await VersionsAsync(bucket, key)).Count(v => v.IsDeleteMarker);
        }

        Assert.Equal(2, markersAfterCrash);

        Assert.Equal(new LifecycleResult(3, 0, 0, 0), await RunAsync(Now));
        foreach (var key in keys)
        {
            Assert.Equal([(true, true), (false, false)], (await VersionsAsync(bucket, key)).Select(v => (v.IsDeleteMarker, v.IsCurrent)));
        }
    }

    [Fact]
    public async Task Given_a_version_read_by_a_run_When_another_run_expired_it_or_a_new_version_was_written_since_Then_the_stale_read_changes_nothing()
    {
        var bucket = await BucketAsync("lc-stale", ObjectVersions.Enabled, """
            <LifecycleConfiguration><Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>
            """);
        await PutAsync(bucket, "twice", 10, Now.AddDays(-3), versionId: ObjectVersions.NewId());
        await PutAsync(bucket, "rewritten", 10, Now.AddDays(-3), versionId: ObjectVersions.NewId());
        var seen = await _storage.InScopeAsync(db => db.Objects.AsNoTracking().Where(o => o.BucketName == bucket).OrderBy(o => o.Key).ToListAsync());

        // Two runs that both read "twice" before either acted: one delete marker.
        Assert.True(await ExpireAsync(seen[1]));
        Assert.False(await ExpireAsync(seen[1]));
        Assert.Equal([(true, true), (false, false)], (await VersionsAsync(bucket, "twice")).Select(v => (v.IsDeleteMarker, v.IsCurrent)));

        // A version written after the run read "rewritten" is not the one it found due: it stays current.
        var fresh = await PutAsync(bucket, "rewritten", 10, Now, versionId: ObjectVersions.NewId());
        Assert.False(await ExpireAsync(seen[0]));
        Assert.Equal([(false, true), (false, false)], (await VersionsAsync(bucket, "rewritten")).Select(v => (v.IsDeleteMarker, v.IsCurrent)));
        Assert.True(_storage.BlobExists(fresh));
    }

    [Fact]
    public async Task Given_noncurrent_versions_under_retention_or_legal_hold_When_they_are_due_Then_the_job_leaves_them_until_the_lock_ends()
    {
        var bucket = await BucketAsync("lc-locked", ObjectVersions.Enabled, """
            <LifecycleConfiguration>
              <Rule><ID>all</ID><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>
            </LifecycleConfiguration>
            """);
        await _storage.InScopeAsync(db => db.Buckets.Where(b => b.Name == bucket).ExecuteUpdateAsync(s => s.SetProperty(b => b.ObjectLockEnabled, true)));
        var free = await PutAsync(bucket, "free", 10, Now.AddDays(-10), versionId: ObjectVersions.NewId());
        var retained = await PutAsync(bucket, "retained", 10, Now.AddDays(-10), versionId: ObjectVersions.NewId());
        var held = await PutAsync(bucket, "held", 10, Now.AddDays(-10), versionId: ObjectVersions.NewId());
        foreach (var key in new[] { "free", "retained", "held" })
        {
            await PutAsync(bucket, key, 10, Now.AddDays(-5), versionId: ObjectVersions.NewId());
        }

        await _storage.InScopeAsync(db => db.Versions.Where(v => v.BucketName == bucket && v.Key == "retained")
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.LockMode, Locking.LockModes.Compliance).SetProperty(v => v.LockRetainUntil, Now.AddDays(2))));
        await _storage.InScopeAsync(db => db.Versions.Where(v => v.BucketName == bucket && v.Key == "held")
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.LegalHold, true)));

        Assert.Equal(new LifecycleResult(0, 1, 0, 0), await RunAsync(Now));
        Assert.False(_storage.BlobExists(free));
        Assert.True(_storage.BlobExists(retained));
        Assert.True(_storage.BlobExists(held));

        // Once the retention has passed it goes; the legal hold keeps its version whatever the date.
        Assert.Equal(new LifecycleResult(0, 1, 0, 0), await RunAsync(Now.AddDays(3)));
        Assert.False(_storage.BlobExists(retained));
        Assert.Equal(new LifecycleResult(0, 0, 0, 0), await RunAsync(Now.AddYears(10)));
        Assert.True(_storage.BlobExists(held));
        Assert.Equal(2, (await VersionsAsync(bucket, "held")).Count);
    }

    private Task<bool> ExpireAsync(StoredObject seen) => _storage.InScopeAsync(db =>
        _storage.Objects(db).ExpireCurrentAsync(seen, versioned: true, ObjectVersions.NewId(), Now, CancellationToken.None));

    private async Task<LifecycleResult> RunAsync(DateTime now)
    {
        await using var db = _storage.Context();
        return await Job(db, now).RunAsync(CancellationToken.None);
    }

    private LifecycleJob Job(StorageDbContext db, DateTime now) =>
        new(db, _storage.Objects(db), _storage.Parts(db), new FixedClock(new DateTimeOffset(now)), NullLogger<LifecycleJob>.Instance);

    private async Task<string> BucketAsync(string name, string? versioning, string lifecycle)
    {
        var bucket = await _storage.BucketAsync(name);
        var json = LifecycleConfiguration.Parse(XElement.Parse(lifecycle)).ToJson();
        await _storage.InScopeAsync(db => db.Buckets.Where(b => b.Name == name)
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.Lifecycle, json).SetProperty(b => b.Versioning, versioning)));
        return bucket.Name;
    }

    /// <summary>Writes a version as PutObject does, at the given time; returns its blob.</summary>
    private async Task<string> PutAsync(string bucket, string key, int size, DateTime at, Dictionary<string, string>? tags = null, string? versionId = null)
    {
        var content = RandomNumberGenerator.GetBytes(size);
        var written = await _storage.Bytes.WriteAsync(new MemoryStream(content), content.Length, encrypt: false, CancellationToken.None);
        await _storage.InScopeAsync(db => _storage.Objects(db).PutAsync(new StoredObject
        {
            BucketName = bucket, Key = key, Segments = Segments.Serialize([written.Segment]), Size = size, ETag = $"\"{written.Md5Hex}\"",
            LastModified = at, VersionId = versionId, Tags = tags is null ? null : TagSet.ToJson(tags),
        }, CancellationToken.None));
        return written.Segment.BlobId;
    }

    private Task MarkerAsync(string bucket, string key, DateTime at) =>
        _storage.InScopeAsync(db => _storage.Objects(db).PutAsync(ObjectCatalog.DeleteMarker(bucket, key, ObjectVersions.NewId(), at), CancellationToken.None));

    private async Task<StoredPart> UploadAsync(string bucket, string key, DateTime initiated)
    {
        var upload = await _storage.UploadAsync(bucket, key);
        await _storage.InScopeAsync(db => db.MultipartUploads.Where(u => u.UploadId == upload.UploadId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.InitiatedAt, initiated)));
        var part = await _storage.PartAsync(upload, 1, RandomNumberGenerator.GetBytes(100));
        await _storage.InScopeAsync(db => _storage.Parts(db).PutAsync(upload, part, CancellationToken.None));
        return part;
    }

    private Task<List<string>> KeysAsync(string bucket) =>
        _storage.InScopeAsync(db => db.Objects.Where(o => o.BucketName == bucket).OrderBy(o => o.Key).Select(o => o.Key).ToListAsync());

    /// <summary>The key's versions, current first, then the kept ones newest first.</summary>
    private async Task<List<(bool IsDeleteMarker, bool IsCurrent)>> VersionsAsync(string bucket, string key)
    {
        var current = await _storage.InScopeAsync(db => db.Objects.Where(o => o.BucketName == bucket && o.Key == key).Select(o => o.IsDeleteMarker).ToListAsync());
        var kept = await _storage.InScopeAsync(db => db.Versions.Where(v => v.BucketName == bucket && v.Key == key)
            .OrderByDescending(v => v.NoncurrentSince).Select(v => v.IsDeleteMarker).ToListAsync());
        return [.. current.Select(m => (m, true)), .. kept.Select(m => (m, false))];
    }
}
