using System.Xml.Linq;
using Mediator;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Objects;

namespace Platform.Modules.Storage.S3;

/// <summary>S3's access-control operations: bucket and object ACLs, the bucket's ownership controls.</summary>
internal static class S3AclOperations
{
    internal static async Task GetBucketAclAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var acl = await sender.Send(new GetBucketAcl(request.Bucket!), ct);
        await S3Response.WriteXmlAsync(request.Context, acl.Write);
    }

    internal static async Task PutBucketAclAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        await sender.Send(new PutBucketAcl(request.Bucket!, await ReadAclAsync(request, ct)), ct);
        request.Context.Response.StatusCode = 200;
    }

    internal static async Task GetObjectAclAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var result = await sender.Send(new GetObjectAcl(request.Bucket!, request.Key!, request.Query("versionId")), ct);
        S3Response.WriteVersionId(request.Context.Response, result.VersionId);
        await S3Response.WriteXmlAsync(request.Context, result.Acl.Write);
    }

    internal static async Task PutObjectAclAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var acl = await ReadAclAsync(request, ct);
        var result = await sender.Send(new PutObjectAcl(request.Bucket!, request.Key!, request.Query("versionId"), acl), ct);
        S3Response.WriteVersionId(request.Context.Response, result.VersionId);
        request.Context.Response.StatusCode = 200;
    }

    internal static async Task PutOwnershipControlsAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var ownership = OwnershipControlsDocument.Parse(await S3Xml.ReadAsync(request.Context.Request.Body, ct));
        await sender.Send(new PutBucketOwnershipControls(request.Bucket!, ownership), ct);
        request.Context.Response.StatusCode = 200;
    }

    internal static async Task GetOwnershipControlsAsync(S3Request request, ISender sender, CancellationToken ct)
    {
        var ownership = await sender.Send(new GetBucketOwnershipControls(request.Bucket!), ct);
        await S3Response.WriteXmlAsync(request.Context, w => OwnershipControlsDocument.Write(w, ownership));
    }

    /// <summary>x-amz-object-ownership of CreateBucket: null when absent, InvalidArgument when not one of S3's three.</summary>
    internal static string? ObjectOwnershipHeader(S3Request request) => request.Header("x-amz-object-ownership") switch
    {
        null => null,
        var value when ObjectOwnership.IsValid(value) => value,
        _ => throw S3Errors.InvalidArgument("Invalid x-amz-object-ownership header"),
    };

    /// <summary>The ACL a Put*Acl sends: its headers or its AccessControlPolicy body, one of the two.</summary>
    private static async Task<AclRequest> ReadAclAsync(S3Request request, CancellationToken ct)
    {
        var headers = request.Acl();
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Context.Request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxDocument)
            {
                throw S3Errors.MalformedAclError();
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            return headers ?? throw MissingSecurityHeader();
        }

        if (headers is not null)
        {
            throw new ApiException(400, "UnexpectedContent", "This request does not support content");
        }

        buffer.Position = 0;
        XElement document;
        try
        {
            document = await S3Xml.ReadAsync(buffer, ct);
        }
        catch (ApiException)
        {
            throw S3Errors.MalformedAclError();
        }

        var (owner, grants) = AccessControlList.Parse(document);
        return new AclRequest(null, grants, owner);
    }

    /// <summary>An AccessControlPolicy of S3's 100 grants is well under this.</summary>
    private const int MaxDocument = 256 * 1024;

    private static ApiException MissingSecurityHeader() => new(400, "MissingSecurityHeader", "Your request was missing a required header");
}
