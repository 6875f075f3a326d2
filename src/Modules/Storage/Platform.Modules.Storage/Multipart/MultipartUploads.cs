using Microsoft.EntityFrameworkCore;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Multipart;

/// <summary>Finds an upload in progress for a bucket and key; NoSuchUpload otherwise.</summary>
internal static class MultipartUploads
{
    public const int MinPartSize = 5 * 1024 * 1024;
    public const int MaxParts = 10000;

    public static async Task<MultipartUpload> FindAsync(StorageDbContext db, string bucket, string key, string uploadId, CancellationToken cancellationToken) =>
        await db.MultipartUploads.AsNoTracking().SingleOrDefaultAsync(u => u.UploadId == uploadId && u.BucketName == bucket && u.Key == key, cancellationToken)
        ?? throw S3Errors.NoSuchUpload();

    public static void ValidatePartNumber(int partNumber)
    {
        if (partNumber is < 1 or > MaxParts)
        {
            throw S3Errors.InvalidArgument("Part number must be an integer between 1 and 10000, inclusive");
        }
    }
}
