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
        await sender.Send(new CreateBucket(request.Bucket!), ct);
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
        await sender.Send(new HeadBucket(request.Bucket!), ct);
        await S3Response.WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("VersioningConfiguration", S3Xml.Namespace);
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

        // An object's only version is S3's "null" one: an entry naming another deletes nothing (it deleted the object before).
        var named = keys.Select((key, i) => (Key: key, Version: versions[i])).ToList();
        var refused = named.Where(e => !ObjectVersions.IsCurrent(e.Version)).ToList();
        var deletable = named.Where(e => ObjectVersions.IsCurrent(e.Version)).ToList();
        var result = deletable.Count == 0
            ? new DeleteObjectsResult([], [])
            : await sender.Send(new DeleteObjects(request.Bucket!, [.. deletable.Select(e => e.Key)]), ct);
        var askedVersion = deletable.Where(e => e.Version is not null).Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        await S3Response.WriteXmlAsync(request.Context, w =>
        {
            w.WriteStartElement("DeleteResult", S3Xml.Namespace);
            if (!quiet)
            {
                foreach (var key in result.Deleted)
                {
                    w.WriteStartElement("Deleted");
                    w.WriteElementString("Key", key);
                    if (askedVersion.Contains(key))
                    {
                        w.WriteElementString("VersionId", ObjectVersions.Null);
                    }

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

            foreach (var (key, version) in refused)
            {
                var error = S3Errors.InvalidVersionId();
                w.WriteStartElement("Error");
                w.WriteElementString("Key", key);
                w.WriteElementString("VersionId", version);
                w.WriteElementString("Code", error.Code);
                w.WriteElementString("Message", error.Message);
                w.WriteEndElement();
            }

            w.WriteEndElement();
        });
    }
}
