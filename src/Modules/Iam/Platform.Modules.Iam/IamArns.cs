using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Iam;

internal static class IamArns
{
    public static string User(string accountId, string path, string userName) => $"arn:{Arns.Partition}:iam::{accountId}:user{path}{userName}";

    public static string Policy(string accountId, string path, string policyName) => $"arn:{Arns.Partition}:iam::{accountId}:policy{path}{policyName}";

    public static string Role(string accountId, string path, string roleName) => $"arn:{Arns.Partition}:iam::{accountId}:role{path}{roleName}";

    public static string AnyRole(string accountId) => $"arn:{Arns.Partition}:iam::{accountId}:role/*";

    /// <summary>An assumed role's session as STS names it: <c>arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION</c>.</summary>
    public static string AssumedRole(string accountId, string roleName, string sessionName) =>
        $"arn:{Arns.Partition}:sts::{accountId}:assumed-role/{roleName}/{sessionName}";

    public static string InstanceProfile(string accountId, string path, string name) => $"arn:{Arns.Partition}:iam::{accountId}:instance-profile{path}{name}";

    public static string AnyInstanceProfile(string accountId) => $"arn:{Arns.Partition}:iam::{accountId}:instance-profile/*";

    /// <summary>The resource of an action on the caller's own account as a whole (listing users, creating policies).</summary>
    public static string AnyUser(string accountId) => $"arn:{Arns.Partition}:iam::{accountId}:user/*";

    public static string Group(string accountId, string path, string groupName) => $"arn:{Arns.Partition}:iam::{accountId}:group{path}{groupName}";

    public static string AnyGroup(string accountId) => $"arn:{Arns.Partition}:iam::{accountId}:group/*";

    public static string AnyPolicy(string accountId) => $"arn:{Arns.Partition}:iam::{accountId}:policy/*";
}
