using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Platform.Modules.Storage.Objects;

/// <summary>
/// An object's answer to GET and HEAD, the one writer of both APIs (the S3 port and /api/v1/s3): ETag and Last-Modified,
/// 304 when a condition says not modified, else the stored representation headers and user metadata, then the bytes
/// (or the range, 206 with Content-Range) streamed from the blobs.
/// </summary>
internal static class ObjectResponse
{
    /// <param name="decorate">Headers one API adds to a 200 or 206 after the stored ones (S3: response-* overrides, encryption, parts count, checksum).</param>
    public static async Task WriteAsync(HttpContext context, ObjectRead read, Action<HttpResponse>? decorate = null)
    {
        var response = context.Response;
        var stored = read.Object;
        response.Headers.ETag = stored.ETag;
        response.Headers.LastModified = stored.LastModified.ToString("r", CultureInfo.InvariantCulture);
        if (read.NotModified)
        {
            response.StatusCode = 304;
            return;
        }

        response.Headers.AcceptRanges = "bytes";
        response.ContentType = stored.ContentType ?? "binary/octet-stream";
        foreach (var (name, value) in read.Metadata)
        {
            response.Headers[name] = value;
        }

        decorate?.Invoke(response);
        response.ContentLength = read.Length;
        if (read.IsPartial)
        {
            response.StatusCode = 206;
            response.Headers.ContentRange = $"bytes {read.Offset}-{read.Offset + read.Length - 1}/{stored.Size}";
        }
        else
        {
            response.StatusCode = 200;
        }

        if (read.Body is { } body)
        {
            await using (body)
            {
                await ObjectBytes.SendAsync(body, response.BodyWriter, read.Length, context.RequestAborted);
            }
        }
    }
}
