using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database;

/// <summary>RDS's ARNs: <c>arn:aws:rds:REGION:ACCOUNT:db:ID</c> and the same for subgrp, pg and snapshot.</summary>
internal static class RdsArns
{
    public static string Instance(string region, string accountId, string identifier) => Arns.Build("rds", region, accountId, $"db:{identifier}");

    public static string SubnetGroup(string region, string accountId, string name) => Arns.Build("rds", region, accountId, $"subgrp:{name}");

    public static string ParameterGroup(string region, string accountId, string name) => Arns.Build("rds", region, accountId, $"pg:{name}");

    public static string Snapshot(string region, string accountId, string identifier) => Arns.Build("rds", region, accountId, $"snapshot:{identifier}");
}
