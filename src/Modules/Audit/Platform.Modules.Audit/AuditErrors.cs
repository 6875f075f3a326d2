using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Audit;

/// <summary>CloudTrail's own error codes, with the statuses CloudTrail answers them with.</summary>
internal static class AuditErrors
{
    public static ApiException InvalidTimeRange(string message) => new(400, "InvalidTimeRangeException", message);

    public static ApiException InvalidMaxResults() => new(400, "InvalidMaxResultsException", "Value for max_results must be between 1 and 50.");

    public static ApiException InvalidNextToken() => new(400, "InvalidNextTokenException", "The next_token is not valid.");

    public static ApiException InvalidLookupAttributes(string message) => new(400, "InvalidLookupAttributesException", message);

    public static ApiException BucketDoesNotExist(string bucket) => new(400, "S3BucketDoesNotExistException", $"S3 bucket {bucket} does not exist.");

    public static ApiException InsufficientBucketPolicy(string bucket) =>
        new(403, "InsufficientS3BucketPolicyException", $"Incorrect S3 bucket policy is detected for bucket: {bucket}; the bucket must belong to the trail's account.");

    public static ApiException TrailNotFound() => new(404, "TrailNotFoundException", "The account has no trail.");
}
