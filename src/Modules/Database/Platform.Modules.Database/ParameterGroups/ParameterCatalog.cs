using System.Globalization;

namespace Platform.Modules.Database.ParameterGroups;

/// <summary>
/// One PostgreSQL setting a DB parameter group may change: its range, unit and whether it is static (takes effect at the
/// next reboot, <c>pending-reboot</c>) or dynamic (applied at once, by a reload).
/// </summary>
internal sealed record ParameterDefinition(string Name, string DataType, long Min, long Max, string? Unit, bool IsStatic, string Description, string? AllowedValues = null)
{
    public string ApplyType => IsStatic ? "static" : "dynamic";

    public string AllowedRange => AllowedValues ?? $"{Min}-{Max}";

    /// <summary>Null when <paramref name="value"/> is acceptable; otherwise RDS's message.</summary>
    public string? Check(string value)
    {
        if (AllowedValues is not null)
        {
            return AllowedValues.Split(',').Contains(value, StringComparer.Ordinal)
                ? null
                : $"Invalid parameter value: {value} for: {Name} allowed values are: {AllowedValues}";
        }

        return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && number >= Min && number <= Max
            ? null
            : $"Invalid parameter value: {value} for: {Name} allowed values are: {Min}-{Max}";
    }
}

/// <summary>The postgres15 family: the subset of settings this platform lets a tenant change (the rest keep the image's defaults).</summary>
internal static class ParameterCatalog
{
    public const string Family = "postgres15";

    public static readonly IReadOnlyList<ParameterDefinition> Postgres15 =
    [
        new("max_connections", "integer", 6, 8388607, null, IsStatic: true, "Sets the maximum number of concurrent connections."),
        new("shared_buffers", "integer", 16, 1073741823, "8kB", IsStatic: true, "Sets the number of shared memory buffers used by the server."),
        new("work_mem", "integer", 64, 2147483647, "kB", IsStatic: false, "Sets the maximum memory to be used for query workspaces."),
        new("maintenance_work_mem", "integer", 1024, 2147483647, "kB", IsStatic: false, "Sets the maximum memory to be used for maintenance operations."),
        new("effective_cache_size", "integer", 1, 2147483647, "8kB", IsStatic: false, "Sets the planner's assumption about the size of the disk cache."),
        new("log_min_duration_statement", "integer", -1, 2147483647, "ms", IsStatic: false, "Sets the minimum execution time above which statements will be logged."),
        new("statement_timeout", "integer", 0, 2147483647, "ms", IsStatic: false, "Sets the maximum allowed duration of any statement."),
        new("idle_in_transaction_session_timeout", "integer", 0, 2147483647, "ms", IsStatic: false, "Sets the maximum allowed idle time between queries, when in a transaction."),
        new("random_page_cost", "integer", 0, 1000, null, IsStatic: false, "Sets the planner's estimate of the cost of a nonsequentially fetched disk page."),
        new("max_wal_size", "integer", 2, 2147483647, "MB", IsStatic: false, "Sets the WAL size that triggers a checkpoint."),
        new("log_connections", "boolean", 0, 1, null, IsStatic: false, "Logs each successful connection.", "0,1"),
        new("log_statement", "string", 0, 0, null, IsStatic: false, "Sets the type of statements logged.", "none,ddl,mod,all"),
        new("timezone", "string", 0, 0, null, IsStatic: false, "Sets the time zone for displaying and interpreting time stamps.", "UTC,Europe/London,Europe/Berlin,America/New_York,Asia/Tokyo"),
    ];

    public static ParameterDefinition? Find(string name) => Postgres15.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal));
}
