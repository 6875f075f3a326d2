using System.Globalization;
using System.Text.Json.Nodes;
using Platform.Modules.Audit.Persistence;

namespace Platform.Modules.Audit;

/// <summary>An audited call as CloudTrail writes one record of its log files (eventVersion 1.08): what LookupEvents returns as CloudTrailEvent too.</summary>
internal static class CloudTrailRecord
{
    public static string Time(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static IReadOnlyList<string> Resources(AuditEvent e) => e.Resources is null ? [] : e.Resources.Split('\n');

    public static JsonObject From(AuditEvent e, string region)
    {
        var identity = new JsonObject
        {
            ["type"] = e.PrincipalArn is null ? "Unknown" : e.PrincipalArn.Contains(":assumed-role/", StringComparison.Ordinal) ? "AssumedRole"
                : e.UserName == "root" ? "Root" : "IAMUser",
        };
        if (e.PrincipalArn is not null)
        {
            identity["arn"] = e.PrincipalArn;
        }

        if (e.AccountId is not null)
        {
            identity["accountId"] = e.AccountId;
        }

        if (e.AccessKeyId is not null)
        {
            identity["accessKeyId"] = e.AccessKeyId;
        }

        if (e.PrincipalArn is not null && e.UserName is not null && e.UserName != "root" && !e.PrincipalArn.Contains(":assumed-role/", StringComparison.Ordinal))
        {
            identity["userName"] = e.UserName;
        }

        var record = new JsonObject
        {
            ["eventVersion"] = "1.08",
            ["userIdentity"] = identity,
            ["eventTime"] = Time(e.EventTime),
            ["eventSource"] = e.EventSource,
            ["eventName"] = e.EventName,
            ["awsRegion"] = region,
            ["sourceIPAddress"] = e.SourceIpAddress,
            ["userAgent"] = e.UserAgent,
        };
        if (e.ErrorCode is not null)
        {
            record["errorCode"] = e.ErrorCode;
            record["errorMessage"] = e.ErrorMessage;
        }

        // Request parameters are never kept (they may carry secrets or object bytes): only what names the call.
        record["requestParameters"] = null;
        record["responseElements"] = null;
        record["additionalEventData"] = new JsonObject
        {
            ["operation"] = e.Operation,
            ["statusCode"] = e.StatusCode,
            ["outcome"] = e.Outcome == AuditOutcome.Pending ? "Unknown" : e.Outcome.ToString(),
        };
        record["requestID"] = e.RequestId;
        record["eventID"] = e.Id;
        record["readOnly"] = e.ReadOnly;
        var resources = new JsonArray();
        foreach (var arn in Resources(e))
        {
            resources.Add(new JsonObject { ["ARN"] = arn, ["accountId"] = e.AccountId });
        }

        record["resources"] = resources;
        record["eventType"] = "AwsApiCall";
        record["managementEvent"] = true;
        record["recipientAccountId"] = e.AccountId;
        return record;
    }
}
