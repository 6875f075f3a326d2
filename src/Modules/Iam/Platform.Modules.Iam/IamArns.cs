using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Iam;

internal static class IamArns
{
    public static string User(string accountId, string path, string userName) => $"arn:{Arns.Partition}:iam::{accountId}:user{path}{userName}";

    public static string Policy(string accountId, string path, string policyName) => $"arn:{Arns.Partition}:iam::{accountId}:policy{path}{policyName}";

    /// <summary>The resource of an action on the caller's own account as a whole (listing users, creating policies).</summary>
    public static string AnyUser(string accountId) => $"arn:{Arns.Partition}:iam::{accountId}:user/*";

    public static string AnyPolicy(string accountId) => $"arn:{Arns.Partition}:iam::{accountId}:policy/*";
}
