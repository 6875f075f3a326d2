using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Storage;

/// <summary>S3's error codes with the status and message S3 gives each, so clients branch on them as on AWS.</summary>
internal static class S3Errors
{
    public static ApiException NoSuchBucket() => new(404, "NoSuchBucket", "The specified bucket does not exist");

    public static ApiException NoSuchKey() => new(404, "NoSuchKey", "The specified key does not exist.");

    public static ApiException NoSuchVersion() =>
        new(404, "NoSuchVersion", "The specified version does not exist.");

    /// <summary>
    /// The key's current version (or the version named) is a delete marker: NoSuchKey for GET/HEAD of the key, MethodNotAllowed
    /// when the marker is named by id; both answers carry x-amz-delete-marker and the marker's x-amz-version-id, as S3's do.
    /// </summary>
    public static ApiException DeleteMarker(string? versionId, bool named)
    {
        var error = named ? MethodNotAllowed() : NoSuchKey();
        error.Data[HeaderPrefix + "x-amz-delete-marker"] = "true";
        error.Data[HeaderPrefix + "x-amz-version-id"] = Objects.ObjectVersions.Wire(versionId);
        return error;
    }

    /// <summary>Data entries of an error named so are headers of its answer (the error middleware writes them).</summary>
    public const string HeaderPrefix = "header:";

    public static ApiException NoSuchUpload() =>
        new(404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.");

    public static ApiException NoSuchBucketPolicy() => new(404, "NoSuchBucketPolicy", "The bucket policy does not exist");

    public static ApiException BucketAlreadyExists() =>
        new(409, "BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.");

    public static ApiException BucketAlreadyOwnedByYou() =>
        new(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.");

    public static ApiException BucketNotEmpty() => new(409, "BucketNotEmpty", "The bucket you tried to delete is not empty");

    public static ApiException BadDigest() => new(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");

    public static ApiException InvalidDigest() => new(400, "InvalidDigest", "The Content-MD5 you specified is not valid.");

    /// <summary>What S3 answers a request target it cannot decode (a malformed escape, bytes that are not UTF-8).</summary>
    public static ApiException InvalidUri() => new(400, "InvalidURI", "Couldn't parse the specified URI.");

    public static ApiException KeyTooLong() => new(400, "KeyTooLongError", "Your key is too long");

    public static ApiException InvalidRange() => new(416, "InvalidRange", "The requested range is not satisfiable");

    public static ApiException PreconditionFailed() => new(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");

    public static ApiException InvalidArgument(string message) => new(400, "InvalidArgument", message);

    public static ApiException InvalidRequest(string message) => new(400, "InvalidRequest", message);

    public static ApiException MalformedXml() =>
        new(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");

    public static ApiException InvalidPart() =>
        new(400, "InvalidPart", "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");

    public static ApiException InvalidPartOrder() => new(400, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.");

    public static ApiException EntityTooSmall() => new(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.");

    public static ApiException EntityTooLarge() => new(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.");

    public static ApiException MetadataTooLarge() => new(400, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.");

    /// <summary>CopyObject (and a part copied whole) reads at most what one PUT may write; larger sources are copied in parts with ranges.</summary>
    public static ApiException CopySourceTooLarge() =>
        InvalidRequest($"The specified copy source is larger than the maximum allowable size for a copy source: {Objects.PutObject.MaxSize}");

    public static ApiException MissingContentLength() => new(411, "MissingContentLength", "You must provide the Content-Length HTTP header.");

    public static ApiException IncompleteBody() => new(400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.");

    public static ApiException NotImplemented() => new(501, "NotImplemented", "A header or query you provided implies functionality that is not implemented.");

    /// <summary>A versionId that names no version: no bucket keeps versions here, so only S3's "null" version exists.</summary>
    public static ApiException InvalidVersionId() => InvalidArgument("Invalid version id specified");

    public static ApiException MethodNotAllowed() => new(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");

    public static ApiException NoSuchEncryptionConfiguration() =>
        new(404, "ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found");

    public static ApiException NoSuchLifecycleConfiguration() =>
        new(404, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist");

    public static ApiException NoSuchTagSet() => new(404, "NoSuchTagSet", "The TagSet does not exist");

    public static ApiException NoSuchCorsConfiguration() => new(404, "NoSuchCORSConfiguration", "The CORS configuration does not exist");

    public static ApiException NoSuchPublicAccessBlockConfiguration() =>
        new(404, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found");

    /// <summary>A preflight or cross-origin request no CORS rule allows (S3 answers 403 AccessForbidden).</summary>
    public static ApiException CorsNotAllowed() => new(403, "AccessForbidden",
        "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.");

    public static ApiException CorsNotEnabled() => new(403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.");

    public static ApiException InvalidTag(string message) => new(400, "InvalidTag", message);

    public static ApiException MalformedAclError() =>
        new(400, "MalformedACLError", "The XML you provided was not well-formed or did not validate against our published schema");

    /// <summary>An ACL other than the bucket owner's full control, sent to a bucket whose ACLs are disabled (BucketOwnerEnforced).</summary>
    public static ApiException AccessControlListNotSupported() => new(400, "AccessControlListNotSupported", "The bucket does not allow ACLs");

    public static ApiException InvalidBucketAclWithObjectOwnership() =>
        new(400, "InvalidBucketAclWithObjectOwnership", "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");

    public static ApiException OwnershipControlsNotFound() =>
        new(404, "OwnershipControlsNotFoundError", "The bucket ownership controls were not found");

    /// <summary>Deleting (or shortening the retention of) a version its retention or legal hold protects.</summary>
    public static ApiException ObjectLocked() => new(403, "AccessDenied", "Access Denied because object protected by object lock.");

    public static ApiException ObjectLockNotEnabled() => InvalidRequest("Bucket is missing Object Lock Configuration");

    public static ApiException NoSuchObjectLockConfiguration() =>
        new(404, "ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket");

    public static ApiException NoSuchObjectLockOnObject() =>
        new(404, "NoSuchObjectLockConfiguration", "The specified object does not have a ObjectLock configuration");

    public static ApiException InvalidBucketState(string message) => new(409, "InvalidBucketState", message);

    /// <summary>A request S3 takes only with an integrity check of its body (Content-MD5 or an x-amz-checksum-* value).</summary>
    public static ApiException MissingContentMd5() => InvalidRequest("Missing required header for this request: Content-MD5");

    /// <summary>A browser upload's form that is not one: a part without a form-data disposition.</summary>
    public static ApiException MalformedPostRequest() =>
        new(400, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.");
}
