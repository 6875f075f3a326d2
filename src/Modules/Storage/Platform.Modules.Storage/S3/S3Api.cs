using System.Globalization;
using System.Xml;
using Mediator;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Modules.Shared.Http;
using Platform.Modules.Shared.Payloads;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Multipart;
using Platform.Modules.Storage.Objects;

namespace Platform.Modules.Storage.S3;

/// <summary>
/// The S3 REST API: routes each request by method, bucket, key and sub-resource (?uploads, ?policy, ...)
/// to the same Mediator requests the native API sends, and answers in S3's XML.
/// </summary>
internal static class S3Api
{
    public static async Task HandleAsync(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<StorageOptions>>().Value.S3;
        var request = S3Request.From(context, options);
        var sender = context.RequestServices.GetRequiredService<ISender>();
        var ct = context.RequestAborted;
        context.Items[S3ErrorMiddleware.ResourceItem] = request.Resource;

        if (request.Bucket is null)
        {
            await (request.Method == "GET" ? ListBucketsAsync(context, sender, ct) : throw MethodNotAllowed());
            return;
        }

        if (string.IsNullOrEmpty(request.Key))
        {
            await BucketAsync(request, sender, ct);
            return;
        }

        await ObjectAsync(request, sender, ct);
    }

    private static Task BucketAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var bucket = request.Bucket!;
        var context = request.Context;
        return (request.Method, request.SubResource) switch
        {
            ("PUT", null) => CreateBucketAsync(request, sender, ct),
            ("PUT", "policy") => PutPolicyAsync(request, sender, ct),
            ("PUT", "encryption") => PutEncryptionAsync(request, sender, ct),
            ("HEAD", null) => NoContentAsync(context, sender.Send(new HeadBucket(bucket), ct), 200),
            ("DELETE", null) => NoContentAsync(context, sender.Send(new DeleteBucket(bucket), ct), 204),
            ("DELETE", "policy") => NoContentAsync(context, sender.Send(new DeleteBucketPolicy(bucket), ct), 204),
            ("DELETE", "encryption") => NoContentAsync(context, sender.Send(new PutBucketEncryption(bucket, false), ct), 204),
            ("POST", "delete") => DeleteObjectsAsync(request, sender, ct),
            ("GET", null) => ListObjectsAsync(request, sender, ct),
            ("GET", "policy") => GetPolicyAsync(request, sender, ct),
            ("GET", "encryption") => GetEncryptionAsync(request, sender, ct),
            ("GET", "location") => GetLocationAsync(request, sender, ct),
            ("GET", "versioning") => GetVersioningAsync(request, sender, ct),
            ("GET", "uploads") => ListUploadsAsync(request, sender, ct),
            // A browser's form upload (presigned POST) is a bucket POST without a sub-resource.
            ("POST", null) => throw S3Errors.NotImplemented(),
            (_, not null) => throw S3Errors.NotImplemented(),
            _ => throw MethodNotAllowed(),
        };
    }

    private static Task ObjectAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var context = request.Context;
        // GetObject of one part (?partNumber without an upload) would answer the whole object: not implemented.
        var sub = request.SubResource ?? (request.Has("partNumber") ? "partNumber" : null);
        return (request.Method, sub) switch
        {
            ("PUT", null) when request.Header("x-amz-copy-source") is not null => CopyObjectAsync(request, sender, ct),
            ("PUT", null) => PutObjectAsync(request, sender, ct),
            ("PUT", "uploadId") => UploadPartAsync(request, sender, ct),
            ("GET", null) => GetObjectAsync(request, sender, headOnly: false, ct),
            ("GET", "uploadId") => ListPartsAsync(request, sender, ct),
            ("HEAD", null) => GetObjectAsync(request, sender, headOnly: true, ct),
            ("DELETE", null) => NoContentAsync(context, sender.Send(new DeleteObject(request.Bucket!, request.Key!), ct), 204),
            ("DELETE", "uploadId") =>
                NoContentAsync(context, sender.Send(new AbortMultipartUpload(request.Bucket!, request.Key!, request.Query("uploadId")!), ct), 204),
            ("POST", "uploads") => CreateUploadAsync(request, sender, ct),
            ("POST", "uploadId") => CompleteUploadAsync(request, sender, ct),
            (_, not null) => throw S3Errors.NotImplemented(),
            _ => throw MethodNotAllowed(),
        };
    }

    private static async Task ListBucketsAsync(HttpContext context, ISender sender, CancellationToken ct)
    {
        var list = await sender.Send(new ListBuckets(), ct);
        await WriteXmlAsync(context, w =>
        {
            w.WriteStartElement("ListAllMyBucketsResult", S3Xml.Namespace);
            w.WriteStartElement("Owner");
            w.WriteElementString("ID", list.OwnerId);
            w.WriteElementString("DisplayName", list.OwnerId);
            w.WriteEndElement();
            w.WriteStartElement("Buckets");
            foreach (var bucket in list.Buckets)
            {
                w.WriteStartElement("Bucket");
                w.WriteElementString("Name", bucket.Name);
                w.WriteElementString("CreationDate", S3Xml.Timestamp(bucket.CreatedAt));
                w.WriteEndElement();
            }

            w.WriteEndElement();
            w.WriteEndElement();
        });
    }

    private static async Task CreateBucketAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        // The body may carry a LocationConstraint: this cloud has one region, so any is accepted.
        await DrainAsync(request.Context.Request.Body, ct);
        await sender.Send(new CreateBucket(request.Bucket!), ct);
        request.Context.Response.Headers.Location = "/" + request.Bucket;
        request.Context.Response.StatusCode = 200;
    }

    private static async Task PutPolicyAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Context.Request.Body);
        var policy = await reader.ReadToEndAsync(ct);
        await sender.Send(new PutBucketPolicy(request.Bucket!, policy), ct);
        request.Context.Response.StatusCode = 204;
    }

    private static async Task GetPolicyAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var policy = await sender.Send(new GetBucketPolicy(request.Bucket!), ct);
        request.Context.Response.ContentType = "application/json";
        await request.Context.Response.WriteAsync(policy, ct);
    }

    private static async Task PutEncryptionAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var algorithms = S3Xml.EncryptionAlgorithms(await S3Xml.ReadAsync(request.Context.Request.Body, ct));

        if (algorithms.Any(a => a != "AES256"))
        {
            throw S3Errors.InvalidArgument("Only SSE-S3 (AES256) server-side encryption is supported.");
        }

        await sender.Send(new PutBucketEncryption(request.Bucket!, true), ct);
        request.Context.Response.StatusCode = 200;
    }

    private static async Task GetEncryptionAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        if (!await sender.Send(new GetBucketEncryption(request.Bucket!), ct))
        {
            throw S3Errors.NoSuchEncryptionConfiguration();
        }

        await WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("ServerSideEncryptionConfiguration", S3Xml.Namespace);
            w.WriteStartElement("Rule");
            w.WriteStartElement("ApplyServerSideEncryptionByDefault");
            w.WriteElementString("SSEAlgorithm", "AES256");
            w.WriteEndElement();
            w.WriteEndElement();
            w.WriteEndElement();
        });
    }

    private static async Task GetLocationAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        await sender.Send(new HeadBucket(request.Bucket!), ct);
        await WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("LocationConstraint", S3Xml.Namespace);
            w.WriteEndElement();
        });
    }

    private static async Task GetVersioningAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        await sender.Send(new HeadBucket(request.Bucket!), ct);
        await WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("VersioningConfiguration", S3Xml.Namespace);
            w.WriteEndElement();
        });
    }

    private static async Task ListObjectsAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var v2 = request.Query("list-type") == "2";
        var urlEncoded = UrlEncoded(request);
        var prefix = request.Query("prefix");
        var delimiter = request.Query("delimiter");
        var maxKeys = request.QueryInt("max-keys", 1000);
        var token = request.Query("continuation-token");
        var startAfter = request.Query("start-after");
        var marker = request.Query("marker");
        var after = v2 ? ListObjectsHandler.FromToken(token) ?? startAfter : marker;
        var listing = await sender.Send(new ListObjects(request.Bucket!, prefix, delimiter, maxKeys, after), ct);
        string? Encode(string? value) => urlEncoded ? UrlEncode(value) : value;

        await WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("ListBucketResult", S3Xml.Namespace);
            w.WriteElementString("Name", request.Bucket);
            w.WriteElementString("Prefix", Encode(prefix) ?? "");
            if (v2)
            {
                w.Element("ContinuationToken", token);
                w.Element("StartAfter", Encode(startAfter));
                w.WriteElementString("KeyCount", (listing.Contents.Count + listing.CommonPrefixes.Count).ToString(CultureInfo.InvariantCulture));
                if (listing.IsTruncated)
                {
                    w.WriteElementString("NextContinuationToken", ListObjectsHandler.Token(listing.NextAfter!));
                }
            }
            else
            {
                w.WriteElementString("Marker", Encode(marker) ?? "");
                if (listing.IsTruncated)
                {
                    w.WriteElementString("NextMarker", Encode(listing.NextAfter));
                }
            }

            w.WriteElementString("MaxKeys", maxKeys.ToString(CultureInfo.InvariantCulture));
            w.Element("Delimiter", Encode(delimiter));
            if (urlEncoded)
            {
                w.WriteElementString("EncodingType", "url");
            }

            w.WriteElementString("IsTruncated", listing.IsTruncated ? "true" : "false");
            foreach (var item in listing.Contents)
            {
                w.WriteStartElement("Contents");
                w.WriteElementString("Key", Encode(item.Key));
                w.WriteElementString("LastModified", S3Xml.Timestamp(item.LastModified));
                w.WriteElementString("ETag", item.ETag);
                w.WriteElementString("Size", item.Size.ToString(CultureInfo.InvariantCulture));
                w.WriteElementString("StorageClass", "STANDARD");
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

    private static async Task DeleteObjectsAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var (keys, quiet) = S3Xml.DeleteList(await S3Xml.ReadAsync(request.Context.Request.Body, ct));

        var result = await sender.Send(new DeleteObjects(request.Bucket!, keys), ct);
        await WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("DeleteResult", S3Xml.Namespace);
            if (!quiet)
            {
                foreach (var key in result.Deleted)
                {
                    w.WriteStartElement("Deleted");
                    w.WriteElementString("Key", key);
                    w.WriteEndElement();
                }
            }

            foreach (var error in result.Errors)
            {
                w.WriteStartElement("Error");
                w.WriteElementString("Key", error.Key);
                w.WriteElementString("Code", error.Code);
                w.WriteElementString("Message", error.Message);
                w.WriteEndElement();
            }

            w.WriteEndElement();
        });
    }

    private static async Task PutObjectAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var http = request.Context.Request;
        if (request.DeclaredLength is null && !http.Headers.TransferEncoding.ToString().Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            throw S3Errors.MissingContentLength();
        }

        var result = await sender.Send(new PutObject(request.Bucket!, request.Key!, http.Body, request.DeclaredLength, request.Header("Content-MD5"),
            http.ContentType, request.ObjectMetadata(), request.WantsEncryption, request.BodyChecksum()), ct);
        var response = request.Context.Response;
        response.Headers.ETag = result.ETag;
        WriteChecksum(response, result.Checksum);
        if (result.Encrypted)
        {
            response.Headers["x-amz-server-side-encryption"] = "AES256";
        }

        response.StatusCode = 200;
    }

    private static async Task GetObjectAsync(S3Request request, ISender sender, bool headOnly, CancellationToken ct)
    {
        var conditions = new ObjectConditions(request.Header("If-Match"), request.Header("If-None-Match"),
            ObjectConditions.ParseDate(request.Header("If-Modified-Since")), ObjectConditions.ParseDate(request.Header("If-Unmodified-Since")));
        var read = await sender.Send(new GetObject(request.Bucket!, request.Key!, request.Header("Range"), conditions, headOnly), ct);
        var response = request.Context.Response;
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

        // S3's response-* query parameters override the stored headers (presigned download links use them).
        foreach (var (parameter, header) in ResponseOverrides)
        {
            if (request.Query(parameter) is { } value)
            {
                response.Headers[header] = value;
            }
        }

        if (stored.Encrypted)
        {
            response.Headers["x-amz-server-side-encryption"] = "AES256";
        }

        if (stored.PartsCount > 0)
        {
            response.Headers["x-amz-mp-parts-count"] = stored.PartsCount.ToString(CultureInfo.InvariantCulture);
        }

        // As S3: only when asked for, and for the whole object (a range's bytes are not what the checksum covers).
        if (string.Equals(request.Header("x-amz-checksum-mode"), "ENABLED", StringComparison.OrdinalIgnoreCase) && !read.IsPartial)
        {
            WriteChecksum(response, StoredChecksum.From(stored.ChecksumAlgorithm, stored.Checksum, stored.ChecksumType));
        }

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
                await ObjectBytes.SendAsync(body, response.BodyWriter, read.Length, ct);
            }
        }
    }

    private static readonly (string Parameter, string Header)[] ResponseOverrides =
    [
        ("response-content-type", "Content-Type"), ("response-content-language", "Content-Language"), ("response-expires", "Expires"),
        ("response-cache-control", "Cache-Control"), ("response-content-disposition", "Content-Disposition"),
        ("response-content-encoding", "Content-Encoding"),
    ];

    private static async Task CopyObjectAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var (sourceBucket, sourceKey) = CopySourceHeader(request.Header("x-amz-copy-source")!);
        var directive = request.Header("x-amz-metadata-directive") ?? "COPY";
        if (directive is not ("COPY" or "REPLACE"))
        {
            throw S3Errors.InvalidArgument("Unknown metadata directive.");
        }

        await DrainAsync(request.Context.Request.Body, ct);
        var result = await sender.Send(new CopyObject(sourceBucket, sourceKey, request.Bucket!, request.Key!, CopyConditions(request),
            directive == "REPLACE", request.Context.Request.ContentType, request.ObjectMetadata(), request.WantsEncryption,
            request.Header("x-amz-checksum-algorithm")), ct);
        await WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("CopyObjectResult", S3Xml.Namespace);
            w.WriteElementString("LastModified", S3Xml.Timestamp(result.LastModified));
            w.WriteElementString("ETag", result.ETag);
            if (result.Checksum is { } checksum)
            {
                w.WriteElementString("ChecksumType", checksum.Type);
                w.WriteElementString(ChecksumElement(checksum.Algorithm), checksum.Value);
            }

            w.WriteEndElement();
        });
    }

    private static async Task CreateUploadAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        await DrainAsync(request.Context.Request.Body, ct);
        var created = await sender.Send(new CreateMultipartUpload(request.Bucket!, request.Key!, request.Context.Request.ContentType,
            request.ObjectMetadata(), request.WantsEncryption, request.Header("x-amz-checksum-algorithm"), request.Header("x-amz-checksum-type")), ct);
        if (created.Encrypted)
        {
            request.Context.Response.Headers["x-amz-server-side-encryption"] = "AES256";
        }

        if (created.ChecksumAlgorithm is not null)
        {
            request.Context.Response.Headers["x-amz-checksum-algorithm"] = created.ChecksumAlgorithm;
            request.Context.Response.Headers["x-amz-checksum-type"] = created.ChecksumType;
        }

        await WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("InitiateMultipartUploadResult", S3Xml.Namespace);
            w.WriteElementString("Bucket", request.Bucket);
            w.WriteElementString("Key", request.Key);
            w.WriteElementString("UploadId", created.UploadId);
            w.WriteEndElement();
        });
    }

    private static async Task UploadPartAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var partNumber = request.QueryInt("partNumber", 0);
        var copySource = request.Header("x-amz-copy-source") is { } header
            ? CopySourceHeader(header) is var (bucket, key) ? new CopySource(bucket, key, request.Header("x-amz-copy-source-range"), CopyConditions(request)) : null
            : null;
        if (copySource is null && request.DeclaredLength is null)
        {
            throw S3Errors.MissingContentLength();
        }

        if (copySource is not null)
        {
            await DrainAsync(request.Context.Request.Body, ct);
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

        await WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("CopyPartResult", S3Xml.Namespace);
            w.WriteElementString("LastModified", S3Xml.Timestamp(uploaded.LastModified));
            w.WriteElementString("ETag", uploaded.ETag);
            if (uploaded.ChecksumAlgorithm is { } algorithm)
            {
                w.WriteElementString(ChecksumElement(algorithm), uploaded.Checksum);
            }

            w.WriteEndElement();
        });
    }

    private static async Task CompleteUploadAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var parts = S3Xml.CompletedParts(await S3Xml.ReadAsync(request.Context.Request.Body, ct));

        // The whole object's checksum may come as a header: for this request it describes the object, not the XML body.
        var expected = FlexibleChecksum.All.Select(a => request.Header(a.HeaderName)).FirstOrDefault(v => v is not null);
        var completed = await sender.Send(new CompleteMultipartUpload(request.Bucket!, request.Key!, request.Query("uploadId")!, parts, expected), ct);
        if (completed.Encrypted)
        {
            request.Context.Response.Headers["x-amz-server-side-encryption"] = "AES256";
        }

        await WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("CompleteMultipartUploadResult", S3Xml.Namespace);
            w.WriteElementString("Location", $"/{request.Bucket}/{request.Key}");
            w.WriteElementString("Bucket", request.Bucket);
            w.WriteElementString("Key", request.Key);
            w.WriteElementString("ETag", completed.ETag);
            if (completed.Checksum is { } checksum)
            {
                w.WriteElementString(ChecksumElement(checksum.Algorithm), checksum.Value);
                w.WriteElementString("ChecksumType", checksum.Type);
            }

            w.WriteEndElement();
        });
    }

    private static async Task ListPartsAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var marker = request.QueryInt("part-number-marker", 0);
        var max = request.QueryInt("max-parts", 1000);
        var listing = await sender.Send(new ListParts(request.Bucket!, request.Key!, request.Query("uploadId")!, max, marker), ct);
        await WriteXmlAsync(request.Context, w =>
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
                    w.WriteElementString(ChecksumElement(algorithm), part.Checksum);
                }

                w.WriteEndElement();
            }

            w.WriteEndElement();
        });
    }

    private static async Task ListUploadsAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var urlEncoded = UrlEncoded(request);
        var max = request.QueryInt("max-uploads", ListMultipartUploadsHandler.MaxUploads);
        var prefix = request.Query("prefix");
        var delimiter = request.Query("delimiter");
        var keyMarker = request.Query("key-marker");
        var uploadIdMarker = request.Query("upload-id-marker");
        var listing = await sender.Send(new ListMultipartUploads(request.Bucket!, prefix, delimiter, max, keyMarker, uploadIdMarker), ct);
        string? Encode(string? value) => urlEncoded ? UrlEncode(value) : value;
        await WriteXmlAsync(request.Context, w =>
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

    /// <summary>The XML element of a checksum: ChecksumCRC32, ChecksumCRC64NVME, ChecksumSHA256, ...</summary>
    private static string ChecksumElement(FlexibleChecksum algorithm) => S3Xml.ChecksumElement(algorithm);

    /// <summary>x-amz-checksum-{algorithm} and x-amz-checksum-type, as S3 answers a stored checksum.</summary>
    private static void WriteChecksum(HttpResponse response, StoredChecksum? checksum)
    {
        if (checksum is not null)
        {
            response.Headers[checksum.Algorithm.HeaderName] = checksum.Value;
            response.Headers["x-amz-checksum-type"] = checksum.Type;
        }
    }

    private static readonly string[] UploadPrincipals = ["Initiator", "Owner"];

    /// <summary>encoding-type=url: keys, prefixes, markers and delimiters come back encoded as S3 encodes them (<see cref="S3Xml.UrlEncode"/>).</summary>
    private static bool UrlEncoded(S3Request request) => request.Query("encoding-type") switch
    {
        null => false,
        "url" => true,
        _ => throw S3Errors.InvalidArgument("Invalid Encoding Method specified in Request"),
    };

    private static string? UrlEncode(string? value) => value is null ? null : S3Xml.UrlEncode(value);

    private static ObjectConditions CopyConditions(S3Request request) => new(request.Header("x-amz-copy-source-if-match"),
        request.Header("x-amz-copy-source-if-none-match"), ObjectConditions.ParseDate(request.Header("x-amz-copy-source-if-modified-since")),
        ObjectConditions.ParseDate(request.Header("x-amz-copy-source-if-unmodified-since")));

    /// <summary>x-amz-copy-source: <c>/bucket/key</c> or <c>bucket/key</c>, URL-encoded, optionally with <c>?versionId=</c>.</summary>
    private static (string Bucket, string Key) CopySourceHeader(string header)
    {
        var question = header.IndexOf('?', StringComparison.Ordinal);
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

        return (source[..slash], source[(slash + 1)..]);
    }

    private static async Task NoContentAsync<T>(HttpContext context, ValueTask<T> operation, int status)
    {
        await operation;
        context.Response.StatusCode = status;
    }

    private static async Task WriteXmlAsync(HttpContext context, Action<XmlWriter> write)
    {
        var document = S3Xml.Document(write);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/xml";
        context.Response.ContentLength = document.Length;
        await context.Response.Body.WriteAsync(document, context.RequestAborted);
    }

    private static async Task DrainAsync(Stream body, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        while (await body.ReadAsync(buffer, ct) > 0)
        {
        }
    }

    private static Shared.Errors.ApiException MethodNotAllowed() =>
        new(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
}
