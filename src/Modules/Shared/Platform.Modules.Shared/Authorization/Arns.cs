namespace Platform.Modules.Shared.Authorization;

/// <summary>ARNs in the AWS form, so policies written for AWS read the same here.</summary>
public static class Arns
{
    public const string Partition = "aws";

    public static string Build(string service, string region, string accountId, string resource) =>
        $"arn:{Partition}:{service}:{region}:{accountId}:{resource}";

    public static string AccountRoot(string accountId) => $"arn:{Partition}:iam::{accountId}:root";
}
