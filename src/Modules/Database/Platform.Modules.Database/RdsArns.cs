using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database;

/// <summary>RDS's ARNs: <c>arn:aws:rds:REGION:ACCOUNT:db:ID</c> and the same for subgrp, pg, snapshot and auto-backup.</summary>
internal static class RdsArns
{
    public static string Instance(string region, string accountId, string identifier) => Arns.Build("rds", region, accountId, $"db:{identifier}");

    public static string SubnetGroup(string region, string accountId, string name) => Arns.Build("rds", region, accountId, $"subgrp:{name}");

    public static string ParameterGroup(string region, string accountId, string name) => Arns.Build("rds", region, accountId, $"pg:{name}");

    /// <summary>A DB instance's automated backups: <c>auto-backup:ab-…</c>, named by its resource id so the ARN outlives the instance.</summary>
    public static string AutomatedBackups(string region, string accountId, string resourceId) =>
        Arns.Build("rds", region, accountId, $"auto-backup:{AutomatedBackupsId(resourceId)}");

    public static string AutomatedBackupsId(string resourceId) => "ab-" + (resourceId.StartsWith("db-", StringComparison.OrdinalIgnoreCase) ? resourceId[3..] : resourceId).ToLowerInvariant();

    public static string Snapshot(string region, string accountId, string identifier) => Arns.Build("rds", region, accountId, $"snapshot:{identifier}");
}
