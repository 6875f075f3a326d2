using System.Globalization;
using Mediator;
using Microsoft.AspNetCore.Http;
using Platform.Modules.Shared.Http;
using Platform.Modules.Storage.Objects;

namespace Platform.Modules.Storage.S3;

/// <summary>S3's object operations: PutObject, GetObject and HeadObject (through the shared <see cref="ObjectResponse"/>), CopyObject.</summary>
internal static class S3ObjectOperations
{
    internal static async Task PutObjectAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var http = request.Context.Request;
        if (request.DeclaredLength is null && !http.Headers.TransferEncoding.ToString().Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            throw S3Errors.MissingContentLength();
        }

        var result = await sender.Send(new PutObject(request.Bucket!, request.Key!, http.Body, request.DeclaredLength, request.Header("Content-MD5"),
            http.ContentType, request.ObjectMetadata(), request.WantsEncryption, request.BodyChecksum(), request.Tags(), request.Acl(),
            S3ObjectLockOperations.LockHeaders(request)), ct);
        var response = request.Context.Response;
        response.Headers.ETag = result.ETag;
        S3Response.WriteVersionId(response, result.VersionId);
        S3Response.WriteChecksum(response, result.Checksum);
        if (result.Encrypted)
        {
            response.Headers["x-amz-server-side-encryption"] = "AES256";
        }

        response.StatusCode = 200;
    }

    internal static async Task GetObjectAsync(S3Request request, ISender sender, bool headOnly, CancellationToken ct)
    {
        var conditions = new ObjectConditions(request.Header("If-Match"), request.Header("If-None-Match"),
            ObjectConditions.ParseDate(request.Header("If-Modified-Since")), ObjectConditions.ParseDate(request.Header("If-Unmodified-Since")));
        var versionId = request.Query("versionId");
        var read = await sender.Send(new GetObject(request.Bucket!, request.Key!, request.Header("Range"), conditions, headOnly, versionId), ct);
        await ObjectResponse.WriteAsync(request.Context, read, response =>
        {
            // S3's response-* query parameters override the stored headers (presigned download links use them).
            foreach (var (parameter, header) in ResponseOverrides)
            {
                if (request.Query(parameter) is { } value)
                {
                    response.Headers[header] = value;
                }
            }

            var stored = read.Object;
            // The null version's id only where it was asked for by name: an unversioned bucket's answers carry none.
            S3Response.WriteVersionId(response, stored.VersionId ?? (versionId is null ? null : ObjectVersions.Null));
            if (stored.Encrypted)
            {
                response.Headers["x-amz-server-side-encryption"] = "AES256";
            }

            if (Tagging.TagSet.FromJson(stored.Tags).Count is > 0 and var tagCount)
            {
                response.Headers["x-amz-tagging-count"] = tagCount.ToString(CultureInfo.InvariantCulture);
            }

            if (stored.LockMode is { } lockMode)
            {
                response.Headers["x-amz-object-lock-mode"] = lockMode;
                response.Headers["x-amz-object-lock-retain-until-date"] = S3Xml.Timestamp(stored.LockRetainUntil!.Value);
            }

            if (stored.LegalHold is { } hold)
            {
                response.Headers["x-amz-object-lock-legal-hold"] = hold ? "ON" : "OFF";
            }

            if (stored.PartsCount > 0)
            {
                response.Headers["x-amz-mp-parts-count"] = stored.PartsCount.ToString(CultureInfo.InvariantCulture);
            }

            // As S3: only when asked for, and for the whole object (a range's bytes are not what the checksum covers).
            if (string.Equals(request.Header("x-amz-checksum-mode"), "ENABLED", StringComparison.OrdinalIgnoreCase) && !read.IsPartial)
            {
                S3Response.WriteChecksum(response, StoredChecksum.From(stored.ChecksumAlgorithm, stored.Checksum, stored.ChecksumType));
            }
        });
    }

    private static readonly (string Parameter, string Header)[] ResponseOverrides =
    [
        ("response-content-type", "Content-Type"), ("response-content-language", "Content-Language"), ("response-expires", "Expires"),
        ("response-cache-control", "Cache-Control"), ("response-content-disposition", "Content-Disposition"),
        ("response-content-encoding", "Content-Encoding"),
    ];

    internal static async Task CopyObjectAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var (sourceBucket, sourceKey, sourceVersion) = CopySourceHeader(request.Header("x-amz-copy-source")!);
        var directive = request.Header("x-amz-metadata-directive") ?? "COPY";
        if (directive is not ("COPY" or "REPLACE"))
        {
            throw S3Errors.InvalidArgument("Unknown metadata directive.");
        }

        var tagging = request.Header("x-amz-tagging-directive") ?? "COPY";
        if (tagging is not ("COPY" or "REPLACE"))
        {
            throw S3Errors.InvalidArgument("Unknown tagging directive.");
        }

        var replaceTags = tagging == "REPLACE" ? request.Tags() ?? Tagging.TagSet.Empty : null;
        await S3Response.DrainAsync(request.Context.Request.Body, ct);
        var result = await sender.Send(new CopyObject(sourceBucket, sourceKey, request.Bucket!, request.Key!, CopyConditions(request),
            directive == "REPLACE", request.Context.Request.ContentType, request.ObjectMetadata(), request.WantsEncryption,
            request.Header("x-amz-checksum-algorithm"), sourceVersion, replaceTags, request.Acl(), S3ObjectLockOperations.LockHeaders(request)), ct);
        S3Response.WriteVersionId(request.Context.Response, result.VersionId);
        if (sourceVersion is not null || result.SourceVersionId is not null)
        {
            request.Context.Response.Headers["x-amz-copy-source-version-id"] = ObjectVersions.Wire(result.SourceVersionId);
        }

        await S3Response.WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("CopyObjectResult", S3Xml.Namespace);
            w.WriteElementString("LastModified", S3Xml.Timestamp(result.LastModified));
            w.WriteElementString("ETag", result.ETag);
            if (result.Checksum is { } checksum)
            {
                w.WriteElementString("ChecksumType", checksum.Type);
                w.WriteElementString(S3Xml.ChecksumElement(checksum.Algorithm), checksum.Value);
            }

            w.WriteEndElement();
        });
    }

    internal static async Task DeleteObjectAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var deleted = await sender.Send(new DeleteObject(request.Bucket!, request.Key!, request.Query("versionId"), S3ObjectLockOperations.BypassGovernance(request)), ct);
        var response = request.Context.Response;
        S3Response.WriteVersionId(response, deleted.VersionId);
        if (deleted.DeleteMarker)
        {
            response.Headers["x-amz-delete-marker"] = "true";
        }

        response.StatusCode = 204;
    }

    /// <summary>GetObjectAttributes: x-amz-object-attributes names what to answer (ETag, Checksum, ObjectParts, StorageClass, ObjectSize).</summary>
    internal static async Task GetAttributesAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var wanted = (request.Header("x-amz-object-attributes") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .ToHashSet(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            throw S3Errors.InvalidArgument("The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty");
        }

        if (wanted.Any(a => !ObjectAttributeNames.Contains(a, StringComparer.Ordinal)))
        {
            throw S3Errors.InvalidArgument("Invalid attribute name specified.");
        }

        var maxParts = HeaderInt(request, "x-amz-max-parts", 1000);
        var marker = HeaderInt(request, "x-amz-part-number-marker", 0);
        var result = await sender.Send(new GetObjectAttributes(request.Bucket!, request.Key!, request.Query("versionId")), ct);
        var stored = result.Object;
        var response = request.Context.Response;
        response.Headers.LastModified = stored.LastModified.ToString("R", CultureInfo.InvariantCulture);
        S3Response.WriteVersionId(response, result.VersionId);
        await S3Response.WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("GetObjectAttributesResponse", S3Xml.Namespace);
            if (wanted.Contains("ETag"))
            {
                // As S3 answers here: the ETag without its quotes.
                w.WriteElementString("ETag", stored.ETag.Trim('"'));
            }

            if (wanted.Contains("Checksum") && StoredChecksum.From(stored.ChecksumAlgorithm, stored.Checksum, stored.ChecksumType) is { } checksum)
            {
                w.WriteStartElement("Checksum");
                w.WriteElementString(S3Xml.ChecksumElement(checksum.Algorithm), checksum.Value);
                w.WriteElementString("ChecksumType", checksum.Type);
                w.WriteEndElement();
            }

            if (wanted.Contains("ObjectParts") && stored.PartsCount > 0)
            {
                var page = result.PartSizes.Select((size, i) => (Number: i + 1, Size: size)).Where(p => p.Number > marker).Take(maxParts + 1).ToList();
                var truncated = page.Count > maxParts;
                page = page.Take(maxParts).ToList();
                w.WriteStartElement("ObjectParts");
                w.WriteElementString("PartsCount", stored.PartsCount.ToString(CultureInfo.InvariantCulture));
                w.WriteElementString("PartNumberMarker", marker.ToString(CultureInfo.InvariantCulture));
                w.WriteElementString("NextPartNumberMarker", (page.Count > 0 ? page[^1].Number : marker).ToString(CultureInfo.InvariantCulture));
                w.WriteElementString("MaxParts", maxParts.ToString(CultureInfo.InvariantCulture));
                w.WriteElementString("IsTruncated", truncated ? "true" : "false");
                foreach (var (number, size) in page)
                {
                    w.WriteStartElement("Part");
                    w.WriteElementString("PartNumber", number.ToString(CultureInfo.InvariantCulture));
                    w.WriteElementString("Size", size.ToString(CultureInfo.InvariantCulture));
                    w.WriteEndElement();
                }

                w.WriteEndElement();
            }

            if (wanted.Contains("StorageClass"))
            {
                w.WriteElementString("StorageClass", "STANDARD");
            }

            if (wanted.Contains("ObjectSize"))
            {
                w.WriteElementString("ObjectSize", stored.Size.ToString(CultureInfo.InvariantCulture));
            }

            w.WriteEndElement();
        });
    }

    private static readonly string[] ObjectAttributeNames = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"];

    private static int HeaderInt(S3Request request, string name, int fallback) => request.Header(name) switch
    {
        null => fallback,
        var text when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) => value,
        _ => throw S3Errors.InvalidArgument($"Provided {name} not an integer or within integer range"),
    };

    internal static async Task PutTaggingAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var tags = Tagging.TagSet.Parse(await S3Xml.ReadAsync(request.Context.Request.Body, ct), Tagging.TagSet.ObjectLimit);
        var result = await sender.Send(new Tagging.PutObjectTagging(request.Bucket!, request.Key!, request.Query("versionId"), tags), ct);
        S3Response.WriteVersionId(request.Context.Response, result.VersionId);
        request.Context.Response.StatusCode = 200;
    }

    internal static async Task GetTaggingAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var result = await sender.Send(new Tagging.GetObjectTagging(request.Bucket!, request.Key!, request.Query("versionId")), ct);
        S3Response.WriteVersionId(request.Context.Response, result.VersionId);
        await S3Response.WriteXmlAsync(request.Context, w => Tagging.TagSet.Write(w, result.Tags));
    }

    internal static async Task DeleteTaggingAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var result = await sender.Send(new Tagging.DeleteObjectTagging(request.Bucket!, request.Key!, request.Query("versionId")), ct);
        S3Response.WriteVersionId(request.Context.Response, result.VersionId);
        request.Context.Response.StatusCode = 204;
    }

    internal static ObjectConditions CopyConditions(S3Request request) => new(request.Header("x-amz-copy-source-if-match"),
        request.Header("x-amz-copy-source-if-none-match"), ObjectConditions.ParseDate(request.Header("x-amz-copy-source-if-modified-since")),
        ObjectConditions.ParseDate(request.Header("x-amz-copy-source-if-unmodified-since")));

    /// <summary>x-amz-copy-source: <c>/bucket/key</c> or <c>bucket/key</c>, URL-encoded, optionally with <c>?versionId=</c>.</summary>
    internal static (string Bucket, string Key, string? VersionId) CopySourceHeader(string header)
    {
        var question = header.IndexOf('?', StringComparison.Ordinal);
        var versionId = question >= 0 && header[(question + 1)..].Split('&').FirstOrDefault(p => p.StartsWith("versionId=", StringComparison.Ordinal)) is { } version
            ? Uri.UnescapeDataString(version["versionId=".Length..])
            : null;
        ObjectVersions.Validate(versionId);

        if (!StrictPercentDecoding.TryDecode(question < 0 ? header : header[..question], out var decoded))
        {
            throw S3Errors.InvalidArgument("Invalid copy source encoding.");
        }

        var source = decoded.TrimStart('/');
        var slash = source.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == source.Length - 1)
        {
            throw S3Errors.InvalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
        }

        return (source[..slash], source[(slash + 1)..], versionId);
    }
}
