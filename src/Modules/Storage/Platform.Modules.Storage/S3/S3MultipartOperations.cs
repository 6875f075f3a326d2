using System.Globalization;
using Mediator;
using Microsoft.AspNetCore.Http;
using Platform.Modules.Shared.Payloads;
using Platform.Modules.Storage.Multipart;
using Platform.Modules.Storage.Objects;

namespace Platform.Modules.Storage.S3;

/// <summary>S3's multipart operations: CreateMultipartUpload, UploadPart (and UploadPartCopy), CompleteMultipartUpload, ListParts, ListMultipartUploads.</summary>
internal static class S3MultipartOperations
{
    internal static async Task CreateUploadAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        await S3Response.DrainAsync(request.Context.Request.Body, ct);
        if (S3ObjectLockOperations.LockHeaders(request) is not null)
        {
            // An upload's own retention or legal hold would have to be kept until it completes: not built (the bucket's default
            // retention applies to completed uploads).
            throw S3Errors.NotImplemented();
        }

        var created = await sender.Send(new CreateMultipartUpload(request.Bucket!, request.Key!, request.Context.Request.ContentType,
            request.ObjectMetadata(), request.WantsEncryption, request.Header("x-amz-checksum-algorithm"), request.Header("x-amz-checksum-type"),
            request.Tags(), request.Acl()), ct);
        if (created.Encrypted)
        {
            request.Context.Response.Headers["x-amz-server-side-encryption"] = "AES256";
        }

        if (created.ChecksumAlgorithm is not null)
        {
            request.Context.Response.Headers["x-amz-checksum-algorithm"] = created.ChecksumAlgorithm;
            request.Context.Response.Headers["x-amz-checksum-type"] = created.ChecksumType;
        }

        await S3Response.WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("InitiateMultipartUploadResult", S3Xml.Namespace);
            w.WriteElementString("Bucket", request.Bucket);
            w.WriteElementString("Key", request.Key);
            w.WriteElementString("UploadId", created.UploadId);
            w.WriteEndElement();
        });
    }

    internal static async Task UploadPartAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var partNumber = request.QueryInt("partNumber", 0);
        var copySource = request.Header("x-amz-copy-source") is { } header
            ? S3ObjectOperations.CopySourceHeader(header) is var (bucket, key, version)
                ? new CopySource(bucket, key, request.Header("x-amz-copy-source-range"), S3ObjectOperations.CopyConditions(request), version)
                : null
            : null;
        if (copySource is null && request.DeclaredLength is null)
        {
            throw S3Errors.MissingContentLength();
        }

        if (copySource is not null)
        {
            await S3Response.DrainAsync(request.Context.Request.Body, ct);
        }

        var uploaded = await sender.Send(new UploadPart(request.Bucket!, request.Key!, request.Query("uploadId")!, partNumber,
            copySource is null ? request.Context.Request.Body : null, request.DeclaredLength, request.Header("Content-MD5"), copySource,
            copySource is null ? request.BodyChecksum() : null), ct);
        if (copySource is null)
        {
            request.Context.Response.Headers.ETag = uploaded.ETag;
            if (uploaded.ChecksumAlgorithm is { } algorithm)
            {
                request.Context.Response.Headers[algorithm.HeaderName] = uploaded.Checksum;
            }

            request.Context.Response.StatusCode = 200;
            return;
        }

        await S3Response.WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("CopyPartResult", S3Xml.Namespace);
            w.WriteElementString("LastModified", S3Xml.Timestamp(uploaded.LastModified));
            w.WriteElementString("ETag", uploaded.ETag);
            if (uploaded.ChecksumAlgorithm is { } algorithm)
            {
                w.WriteElementString(S3Xml.ChecksumElement(algorithm), uploaded.Checksum);
            }

            w.WriteEndElement();
        });
    }

    internal static async Task CompleteUploadAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var parts = S3Xml.CompletedParts(await S3Xml.ReadAsync(request.Context.Request.Body, ct));

        // The whole object's checksum may come as a header: for this request it describes the object, not the XML body.
        var expected = FlexibleChecksum.All.Select(a => request.Header(a.HeaderName)).FirstOrDefault(v => v is not null);
        var completed = await sender.Send(new CompleteMultipartUpload(request.Bucket!, request.Key!, request.Query("uploadId")!, parts, expected), ct);
        if (completed.Encrypted)
        {
            request.Context.Response.Headers["x-amz-server-side-encryption"] = "AES256";
        }

        S3Response.WriteVersionId(request.Context.Response, completed.VersionId);

        await S3Response.WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("CompleteMultipartUploadResult", S3Xml.Namespace);
            w.WriteElementString("Location", $"/{request.Bucket}/{request.Key}");
            w.WriteElementString("Bucket", request.Bucket);
            w.WriteElementString("Key", request.Key);
            w.WriteElementString("ETag", completed.ETag);
            if (completed.Checksum is { } checksum)
            {
                w.WriteElementString(S3Xml.ChecksumElement(checksum.Algorithm), checksum.Value);
                w.WriteElementString("ChecksumType", checksum.Type);
            }

            w.WriteEndElement();
        });
    }

    internal static async Task ListPartsAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var marker = request.QueryInt("part-number-marker", 0);
        var max = request.QueryInt("max-parts", 1000);
        var listing = await sender.Send(new ListParts(request.Bucket!, request.Key!, request.Query("uploadId")!, max, marker), ct);
        await S3Response.WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("ListPartsResult", S3Xml.Namespace);
            w.WriteElementString("Bucket", request.Bucket);
            w.WriteElementString("Key", request.Key);
            w.WriteElementString("UploadId", listing.Upload.UploadId);
            w.WriteElementString("PartNumberMarker", marker.ToString(CultureInfo.InvariantCulture));
            if (listing.Parts.Count > 0)
            {
                w.WriteElementString("NextPartNumberMarker", listing.Parts[^1].PartNumber.ToString(CultureInfo.InvariantCulture));
            }

            w.WriteElementString("MaxParts", max.ToString(CultureInfo.InvariantCulture));
            w.WriteElementString("IsTruncated", listing.IsTruncated ? "true" : "false");
            w.WriteElementString("StorageClass", "STANDARD");
            if (listing.Upload.ChecksumAlgorithm is not null)
            {
                w.WriteElementString("ChecksumAlgorithm", listing.Upload.ChecksumAlgorithm);
                w.WriteElementString("ChecksumType", listing.Upload.ChecksumType);
            }

            foreach (var part in listing.Parts)
            {
                w.WriteStartElement("Part");
                w.WriteElementString("PartNumber", part.PartNumber.ToString(CultureInfo.InvariantCulture));
                w.WriteElementString("LastModified", S3Xml.Timestamp(part.LastModified));
                w.WriteElementString("ETag", part.ETag);
                w.WriteElementString("Size", part.Size.ToString(CultureInfo.InvariantCulture));
                if (FlexibleChecksum.FromName(part.ChecksumAlgorithm) is { } algorithm && part.Checksum is not null)
                {
                    w.WriteElementString(S3Xml.ChecksumElement(algorithm), part.Checksum);
                }

                w.WriteEndElement();
            }

            w.WriteEndElement();
        });
    }

    internal static async Task ListUploadsAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var urlEncoded = S3Response.UrlEncoded(request);
        var max = request.QueryInt("max-uploads", ListMultipartUploadsHandler.MaxUploads);
        var prefix = request.Query("prefix");
        var delimiter = request.Query("delimiter");
        var keyMarker = request.Query("key-marker");
        var uploadIdMarker = request.Query("upload-id-marker");
        var listing = await sender.Send(new ListMultipartUploads(request.Bucket!, prefix, delimiter, max, keyMarker, uploadIdMarker), ct);
        string? Encode(string? value) => urlEncoded ? S3Response.UrlEncode(value) : value;
        await S3Response.WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("ListMultipartUploadsResult", S3Xml.Namespace);
            w.WriteElementString("Bucket", request.Bucket);
            w.WriteElementString("KeyMarker", Encode(keyMarker) ?? "");
            w.WriteElementString("UploadIdMarker", uploadIdMarker ?? "");
            if (listing.IsTruncated)
            {
                w.WriteElementString("NextKeyMarker", Encode(listing.NextKeyMarker));
                w.WriteElementString("NextUploadIdMarker", listing.NextUploadIdMarker);
            }

            w.Element("Delimiter", Encode(delimiter));
            w.WriteElementString("Prefix", Encode(prefix) ?? "");
            w.WriteElementString("MaxUploads", max.ToString(CultureInfo.InvariantCulture));
            if (urlEncoded)
            {
                w.WriteElementString("EncodingType", "url");
            }

            w.WriteElementString("IsTruncated", listing.IsTruncated ? "true" : "false");
            foreach (var upload in listing.Uploads)
            {
                w.WriteStartElement("Upload");
                w.WriteElementString("Key", Encode(upload.Key));
                w.WriteElementString("UploadId", upload.UploadId);
                foreach (var who in UploadPrincipals)
                {
                    w.WriteStartElement(who);
                    w.WriteElementString("ID", upload.AccountId);
                    w.WriteElementString("DisplayName", upload.AccountId);
                    w.WriteEndElement();
                }

                w.WriteElementString("StorageClass", "STANDARD");
                w.WriteElementString("Initiated", S3Xml.Timestamp(upload.InitiatedAt));
                w.WriteEndElement();
            }

            foreach (var common in listing.CommonPrefixes)
            {
                w.WriteStartElement("CommonPrefixes");
                w.WriteElementString("Prefix", Encode(common));
                w.WriteEndElement();
            }

            w.WriteEndElement();
        });
    }

    private static readonly string[] UploadPrincipals = ["Initiator", "Owner"];
}
