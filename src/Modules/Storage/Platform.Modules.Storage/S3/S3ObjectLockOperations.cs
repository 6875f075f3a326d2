using System.Security.Cryptography;
using System.Xml.Linq;
using Mediator;
using Platform.Modules.Storage.Locking;

namespace Platform.Modules.Storage.S3;

/// <summary>S3's object lock operations: the bucket's configuration, a version's retention and legal hold.</summary>
internal static class S3ObjectLockOperations
{
    internal static async Task PutConfigurationAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var configuration = ObjectLockConfiguration.Parse(await ReadCheckedXmlAsync(request, ct));
        await sender.Send(new PutObjectLockConfiguration(request.Bucket!, configuration), ct);
        request.Context.Response.StatusCode = 200;
    }

    internal static async Task GetConfigurationAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var configuration = await sender.Send(new GetObjectLockConfiguration(request.Bucket!), ct);
        await S3Response.WriteXmlAsync(request.Context, configuration.Write);
    }

    internal static async Task PutRetentionAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var root = await ReadCheckedXmlAsync(request, ct);
        if (root.Name.LocalName != "Retention" || root.Elements().Any(e => e.Name.LocalName is not ("Mode" or "RetainUntilDate")))
        {
            throw S3Errors.MalformedXml();
        }

        var mode = root.Child("Mode")?.Trim();
        var until = root.Child("RetainUntilDate") is { } text ? ObjectLockRequest.ParseDate(text) ?? throw S3Errors.MalformedXml() : (DateTime?)null;
        var versionId = await sender.Send(new PutObjectRetention(request.Bucket!, request.Key!, request.Query("versionId"), mode, until,
            BypassGovernance(request)), ct);
        S3Response.WriteVersionId(request.Context.Response, versionId);
        request.Context.Response.StatusCode = 200;
    }

    internal static async Task GetRetentionAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var retention = await sender.Send(new GetObjectRetention(request.Bucket!, request.Key!, request.Query("versionId")), ct);
        await S3Response.WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("Retention", S3Xml.Namespace);
            w.WriteElementString("Mode", retention.Mode);
            w.WriteElementString("RetainUntilDate", S3Xml.Timestamp(retention.RetainUntil!.Value));
            w.WriteEndElement();
        });
    }

    internal static async Task PutLegalHoldAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var root = await ReadCheckedXmlAsync(request, ct);
        if (root.Name.LocalName != "LegalHold" || root.Elements().Any(e => e.Name.LocalName != "Status") || root.Child("Status") is not { } status)
        {
            throw S3Errors.MalformedXml();
        }

        var on = status.Trim() switch
        {
            "ON" => true,
            "OFF" => false,
            _ => throw S3Errors.MalformedXml(),
        };
        var versionId = await sender.Send(new PutObjectLegalHold(request.Bucket!, request.Key!, request.Query("versionId"), on), ct);
        S3Response.WriteVersionId(request.Context.Response, versionId);
        request.Context.Response.StatusCode = 200;
    }

    internal static async Task GetLegalHoldAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var hold = await sender.Send(new GetObjectLegalHold(request.Bucket!, request.Key!, request.Query("versionId")), ct);
        await S3Response.WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("LegalHold", S3Xml.Namespace);
            w.WriteElementString("Status", hold.LegalHold == true ? "ON" : "OFF");
            w.WriteEndElement();
        });
    }

    /// <summary>x-amz-bypass-governance-retention: true (any case); anything else, or none, is false.</summary>
    internal static bool BypassGovernance(S3Request request) =>
        string.Equals(request.Header("x-amz-bypass-governance-retention")?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The x-amz-object-lock-* headers of a write; null when none is sent.</summary>
    internal static ObjectLockRequest? LockHeaders(S3Request request) => ObjectLockRequest.FromHeaders(request.Header("x-amz-object-lock-mode"),
        request.Header("x-amz-object-lock-retain-until-date"), request.Header("x-amz-object-lock-legal-hold"));

    /// <summary>
    /// The object lock calls' bodies, which S3 takes only with an integrity check: Content-MD5 (compared with the body) or an
    /// x-amz-checksum-* value (checked as the body is read); InvalidRequest without either.
    /// </summary>
    private static async Task<XElement> ReadCheckedXmlAsync(S3Request request, CancellationToken ct)
    {
        var checksum = request.BodyChecksum();
        var md5 = Objects.ContentMd5Header.Parse(request.Header("Content-MD5"));
        if (md5 is null && checksum is null)
        {
            throw S3Errors.MissingContentMd5();
        }

        var body = checksum?.Wrap(request.Context.Request.Body) ?? request.Context.Request.Body;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > S3Xml.MaxRequestBody)
            {
                throw S3Errors.MalformedXml();
            }

            buffer.Write(chunk, 0, read);
        }

        // Content-MD5 is S3's integrity check of the body, not a security measure: MD5 is what the header carries.
#pragma warning disable CA5351
        if (md5 is not null && !CryptographicOperations.FixedTimeEquals(md5, MD5.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length))))
#pragma warning restore CA5351
        {
            throw S3Errors.BadDigest();
        }

        buffer.Position = 0;
        return await S3Xml.ReadAsync(buffer, ct);
    }
}
