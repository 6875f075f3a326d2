using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Storage.Multipart;

namespace Platform.Modules.Storage.Tests.Multipart;

/// <summary>
/// CompleteMultipartUpload against UploadPart of the same upload, on the module's real database and blob store: whichever
/// commits first, the completed object's bytes are all there and no part row or blob is left behind.
/// </summary>
public sealed class CompletionRaceTests(StorageTestDatabase storage) : IClassFixture<StorageTestDatabase>
{
    [Fact]
    public async Task Given_a_completion_reading_the_parts_When_the_same_part_is_uploaded_again_Then_the_object_keeps_its_bytes_and_the_late_part_is_refused()
    {
        var bucket = await storage.BucketAsync("race-reupload");
        var upload = await storage.UploadAsync(bucket.Name, "object");
        var content = RandomNumberGenerator.GetBytes(64 * 1024);
        var part = await storage.PartAsync(upload, 1, content);
        await storage.InScopeAsync(db => storage.Parts(db).PutAsync(upload, part, CancellationToken.None));

        // A client retrying the part (same bytes, same ETag) while the completion reads the parts: the retry gets until
        // the completion would commit to get in (it cannot while the completion holds the upload's lock).
        var again = await storage.PartAsync(upload, 1, content);
        Task? retry = null;
        var meanwhile = new BeforeCommand("upload_parts", 1, async () =>
        {
            retry = storage.InScopeAsync(db => storage.Parts(db).PutAsync(upload, again, CancellationToken.None));
            await Task.WhenAny(retry, Task.Delay(TimeSpan.FromSeconds(2)));
        });
        await using (var db = storage.Context(meanwhile))
        {
            await storage.Parts(db).CompleteAsync(upload, [new ListedPart(1, part.ETag)], DateTime.UtcNow, CancellationToken.None);
        }

        Assert.True(meanwhile.Fired);
        var refused = await Assert.ThrowsAsync<ApiException>(() => retry!);
        Assert.Equal("NoSuchUpload", refused.Code);
        Assert.Equal(content, await storage.ReadObjectAsync(bucket.Name, "object"));
        Assert.False(storage.BlobExists(again.BlobId));
        Assert.Equal(0, await storage.InScopeAsync(db => db.UploadParts.CountAsync(p => p.UploadId == upload.UploadId)));
        Assert.Equal(0, await storage.InScopeAsync(db => db.MultipartUploads.CountAsync(u => u.UploadId == upload.UploadId)));
    }

    [Fact]
    public async Task Given_a_part_upload_that_found_its_upload_When_the_upload_completes_before_the_part_commits_Then_the_part_is_refused_and_leaves_nothing()
    {
        var bucket = await storage.BucketAsync("race-late-part");
        var upload = await storage.UploadAsync(bucket.Name, "object");
        var content = RandomNumberGenerator.GetBytes(1000);
        var part = await storage.PartAsync(upload, 1, content);
        await storage.InScopeAsync(db => storage.Parts(db).PutAsync(upload, part, CancellationToken.None));

        // The upload was looked up (as UploadPart does first) and its part 2 written; then the completion commits.
        var late = await storage.PartAsync(upload, 2, RandomNumberGenerator.GetBytes(1000));
        await storage.InScopeAsync(db => storage.Parts(db).CompleteAsync(upload, [new ListedPart(1, part.ETag)], DateTime.UtcNow, CancellationToken.None));

        var refused = await Assert.ThrowsAsync<ApiException>(() => storage.InScopeAsync(db => storage.Parts(db).PutAsync(upload, late, CancellationToken.None)));
        Assert.Equal("NoSuchUpload", refused.Code);
        Assert.False(storage.BlobExists(late.BlobId));
        Assert.Equal(0, await storage.InScopeAsync(db => db.UploadParts.CountAsync(p => p.UploadId == upload.UploadId)));
        Assert.Equal(content, await storage.ReadObjectAsync(bucket.Name, "object"));
    }

    [Fact]
    public async Task Given_a_part_replaced_before_the_completion_Then_the_object_has_the_new_bytes_and_the_old_blob_goes()
    {
        var bucket = await storage.BucketAsync("race-replaced");
        var upload = await storage.UploadAsync(bucket.Name, "object");
        var old = await storage.PartAsync(upload, 1, RandomNumberGenerator.GetBytes(1000));
        await storage.InScopeAsync(db => storage.Parts(db).PutAsync(upload, old, CancellationToken.None));
        var content = RandomNumberGenerator.GetBytes(1200);
        var replacement = await storage.PartAsync(upload, 1, content);
        await storage.InScopeAsync(db => storage.Parts(db).PutAsync(upload, replacement, CancellationToken.None));
        Assert.False(storage.BlobExists(old.BlobId));

        // The old ETag no longer names a part: S3's InvalidPart, and nothing changes.
        var stale = await Assert.ThrowsAsync<ApiException>(() =>
            storage.InScopeAsync(db => storage.Parts(db).CompleteAsync(upload, [new ListedPart(1, old.ETag)], DateTime.UtcNow, CancellationToken.None)));
        Assert.Equal("InvalidPart", stale.Code);
        Assert.True(storage.BlobExists(replacement.BlobId));

        await storage.InScopeAsync(db => storage.Parts(db).CompleteAsync(upload, [new ListedPart(1, replacement.ETag)], DateTime.UtcNow, CancellationToken.None));
        Assert.Equal(content, await storage.ReadObjectAsync(bucket.Name, "object"));
    }
}
