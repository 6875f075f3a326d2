using System.Globalization;
using Mediator;
using Microsoft.AspNetCore.Http;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Objects;

namespace Platform.Modules.Storage.S3;

/// <summary>S3's bucket operations: ListBuckets, CreateBucket, policy, encryption, location, versioning, ListObjects (V1 and V2), DeleteObjects.</summary>
internal static class S3BucketOperations
{
    internal static async Task ListBucketsAsync(HttpContext context, ISender sender, CancellationToken ct)
    {
        var list = await sender.Send(new ListBuckets(), ct);
        await S3Response.WriteXmlAsync(context, w =>
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

    internal static async Task CreateBucketAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        // The body may carry a LocationConstraint: this cloud has one region, so any is accepted.
        await S3Response.DrainAsync(request.Context.Request.Body, ct);
        var objectLock = request.Header("x-amz-bucket-object-lock-enabled")?.Trim().ToLowerInvariant() switch
        {
            null or "false" => false,
            "true" => true,
            _ => throw S3Errors.InvalidArgument("Invalid x-amz-bucket-object-lock-enabled header value"),
        };
        await sender.Send(new CreateBucket(request.Bucket!, S3AclOperations.ObjectOwnershipHeader(request), request.Acl(), objectLock), ct);
        request.Context.Response.Headers.Location = "/" + request.Bucket;
        request.Context.Response.StatusCode = 200;
    }

    internal static async Task PutPolicyAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Context.Request.Body);
        var policy = await reader.ReadToEndAsync(ct);
        await sender.Send(new PutBucketPolicy(request.Bucket!, policy), ct);
        request.Context.Response.StatusCode = 204;
    }

    internal static async Task GetPolicyAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var policy = await sender.Send(new GetBucketPolicy(request.Bucket!), ct);
        request.Context.Response.ContentType = "application/json";
        await request.Context.Response.WriteAsync(policy, ct);
    }

    internal static async Task PutEncryptionAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var algorithms = S3Xml.EncryptionAlgorithms(await S3Xml.ReadAsync(request.Context.Request.Body, ct));

        if (algorithms.Any(a => a != "AES256"))
        {
            throw S3Errors.InvalidArgument("Only SSE-S3 (AES256) server-side encryption is supported.");
        }

        await sender.Send(new PutBucketEncryption(request.Bucket!, true), ct);
        request.Context.Response.StatusCode = 200;
    }

    internal static async Task GetEncryptionAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        if (!await sender.Send(new GetBucketEncryption(request.Bucket!), ct))
        {
            throw S3Errors.NoSuchEncryptionConfiguration();
        }

        await S3Response.WriteXmlAsync(request.Context, w =>
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

    internal static async Task GetLocationAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        await sender.Send(new HeadBucket(request.Bucket!), ct);
        await S3Response.WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("LocationConstraint", S3Xml.Namespace);
            w.WriteEndElement();
        });
    }

    internal static async Task GetVersioningAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var status = await sender.Send(new GetBucketVersioning(request.Bucket!), ct);
        await S3Response.WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("VersioningConfiguration", S3Xml.Namespace);
            w.Element("Status", status);
            w.WriteEndElement();
        });
    }

    internal static async Task PutVersioningAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var body = await S3Xml.ReadAsync(request.Context.Request.Body, ct);
        // MFA delete needs a device this cloud does not have: refused rather than ignored.
        if (body.Child("MfaDelete") == "Enabled")
        {
            throw S3Errors.NotImplemented();
        }

        await sender.Send(new PutBucketVersioning(request.Bucket!, body.Child("Status")), ct);
        request.Context.Response.StatusCode = 200;
    }

    internal static async Task ListVersionsAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var urlEncoded = S3Response.UrlEncoded(request);
        var prefix = request.Query("prefix");
        var delimiter = request.Query("delimiter");
        var maxKeys = request.QueryInt("max-keys", 1000);
        var keyMarker = request.Query("key-marker");
        var versionIdMarker = request.Query("version-id-marker");
        if (versionIdMarker is not null && string.IsNullOrEmpty(keyMarker))
        {
            throw S3Errors.InvalidArgument("A version-id marker cannot be specified without a key marker.");
        }

        ObjectVersions.Validate(string.IsNullOrEmpty(versionIdMarker) ? null : versionIdMarker);
        var page = await sender.Send(new ListObjectVersions(request.Bucket!, prefix, delimiter, maxKeys, keyMarker, versionIdMarker), ct);
        string? Encode(string? value) => urlEncoded ? S3Response.UrlEncode(value) : value;
        await S3Response.WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("ListVersionsResult", S3Xml.Namespace);
            w.WriteElementString("Name", request.Bucket);
            w.WriteElementString("Prefix", Encode(prefix) ?? "");
            w.WriteElementString("KeyMarker", Encode(keyMarker) ?? "");
            w.WriteElementString("VersionIdMarker", versionIdMarker ?? "");
            if (page.IsTruncated)
            {
                w.WriteElementString("NextKeyMarker", Encode(page.NextKeyMarker));
                w.Element("NextVersionIdMarker", page.NextVersionIdMarker);
            }

            w.WriteElementString("MaxKeys", maxKeys.ToString(CultureInfo.InvariantCulture));
            w.Element("Delimiter", Encode(delimiter));
            if (urlEncoded)
            {
                w.WriteElementString("EncodingType", "url");
            }

            w.WriteElementString("IsTruncated", page.IsTruncated ? "true" : "false");
            foreach (var entry in page.Entries)
            {
                w.WriteStartElement(entry.IsDeleteMarker ? "DeleteMarker" : "Version");
                w.WriteElementString("Key", Encode(entry.Key));
                w.WriteElementString("VersionId", entry.VersionId);
                w.WriteElementString("IsLatest", entry.IsLatest ? "true" : "false");
                w.WriteElementString("LastModified", S3Xml.Timestamp(entry.LastModified));
                if (!entry.IsDeleteMarker)
                {
                    w.WriteElementString("ETag", entry.ETag);
                    w.WriteElementString("Size", entry.Size.ToString(CultureInfo.InvariantCulture));
                    w.WriteElementString("StorageClass", "STANDARD");
                }

                w.WriteEndElement();
            }

            foreach (var common in page.CommonPrefixes)
            {
                w.WriteStartElement("CommonPrefixes");
                w.WriteElementString("Prefix", Encode(common));
                w.WriteEndElement();
            }

            w.WriteEndElement();
        });
    }

    internal static async Task ListObjectsAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var v2 = request.Query("list-type") == "2";
        var urlEncoded = S3Response.UrlEncoded(request);
        var prefix = request.Query("prefix");
        var delimiter = request.Query("delimiter");
        var maxKeys = request.QueryInt("max-keys", 1000);
        var token = request.Query("continuation-token");
        var startAfter = request.Query("start-after");
        var marker = request.Query("marker");
        var after = v2 ? ListObjectsHandler.FromToken(token) ?? startAfter : marker;
        var listing = await sender.Send(new ListObjects(request.Bucket!, prefix, delimiter, maxKeys, after), ct);
        string? Encode(string? value) => urlEncoded ? S3Response.UrlEncode(value) : value;

        await S3Response.WriteXmlAsync(request.Context, w =>
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

    internal static async Task DeleteObjectsAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var body = await S3Xml.ReadAsync(request.Context.Request.Body, ct);
        var (keys, quiet) = S3Xml.DeleteList(body);
        var versions = S3Xml.DeleteVersions(body);

        var result = await sender.Send(new DeleteObjects(request.Bucket!, [.. keys.Select((key, i) => new ObjectToDelete(key, versions[i]))],
            S3ObjectLockOperations.BypassGovernance(request)), ct);
        await S3Response.WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("DeleteResult", S3Xml.Namespace);
            if (!quiet)
            {
                foreach (var deleted in result.Deleted)
                {
                    w.WriteStartElement("Deleted");
                    w.WriteElementString("Key", deleted.Key);
                    w.Element("VersionId", deleted.VersionId);
                    if (deleted.DeleteMarker)
                    {
                        w.WriteElementString("DeleteMarker", "true");
                        w.Element("DeleteMarkerVersionId", deleted.DeleteMarkerVersionId);
                    }

                    w.WriteEndElement();
                }
            }

            foreach (var error in result.Errors)
            {
                w.WriteStartElement("Error");
                w.WriteElementString("Key", error.Key);
                w.Element("VersionId", error.VersionId);
                w.WriteElementString("Code", error.Code);
                w.WriteElementString("Message", error.Message);
                w.WriteEndElement();
            }

            w.WriteEndElement();
        });
    }
}
