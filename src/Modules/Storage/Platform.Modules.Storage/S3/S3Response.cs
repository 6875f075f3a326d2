using System.Xml;
using Microsoft.AspNetCore.Http;
using Platform.Modules.Storage.Objects;

namespace Platform.Modules.Storage.S3;

/// <summary>What S3's operations answer with alike: XML documents, empty answers, checksum headers, encoding-type=url.</summary>
internal static class S3Response
{
    internal static async Task NoContentAsync<T>(HttpContext context, ValueTask<T> operation, int status)
    {
        await operation;
        context.Response.StatusCode = status;
    }

    internal static async Task WriteXmlAsync(HttpContext context, Action<XmlWriter> write)
    {
        var document = S3Xml.Document(write);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/xml";
        context.Response.ContentLength = document.Length;
        await context.Response.Body.WriteAsync(document, context.RequestAborted);
    }

    internal static async Task DrainAsync(Stream body, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        while (await body.ReadAsync(buffer, ct) > 0)
        {
        }
    }

    /// <summary>x-amz-checksum-{algorithm} and x-amz-checksum-type, as S3 answers a stored checksum.</summary>
    /// <summary>x-amz-version-id of a new version: only a versioning-enabled bucket's versions have an id to send.</summary>
    internal static void WriteVersionId(HttpResponse response, string? versionId)
    {
        if (versionId is not null)
        {
            response.Headers["x-amz-version-id"] = versionId;
        }
    }

    internal static void WriteChecksum(HttpResponse response, StoredChecksum? checksum)
    {
        if (checksum is not null)
        {
            response.Headers[checksum.Algorithm.HeaderName] = checksum.Value;
            response.Headers["x-amz-checksum-type"] = checksum.Type;
        }
    }

    internal static string? UrlEncode(string? value) => value is null ? null : S3Xml.UrlEncode(value);

    /// <summary>encoding-type=url: keys, prefixes, markers and delimiters come back encoded as S3 encodes them (<see cref="S3Xml.UrlEncode"/>).</summary>
    internal static bool UrlEncoded(S3Request request) => request.Query("encoding-type") switch
    {
        null => false,
        "url" => true,
        _ => throw S3Errors.InvalidArgument("Invalid Encoding Method specified in Request"),
    };
}
