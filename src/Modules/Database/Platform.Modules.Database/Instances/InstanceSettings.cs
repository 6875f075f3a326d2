using System.Text.RegularExpressions;
using Platform.Modules.Database.Backups;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Database.Instances;

/// <summary>RDS's checks of a DB instance's settings for the postgres engine, with RDS's codes and messages.</summary>
internal static partial class InstanceSettings
{
    public const string Engine = "postgres";
    public const string EngineVersion = "15";
    public const int DefaultPort = 5432;
    public const int MinStorageGiB = 5;
    public const int MaxStorageGiB = 65536;
    public const int MaxRetentionDays = 35;

    /// <summary>Roles PostgreSQL and this platform keep for themselves.</summary>
    private static readonly string[] ReservedUsernames = ["postgres", "rdsadmin", "rdsrepladmin", "rds_superuser", "pgbackrest", "platform", "public"];

    public static void CheckEngine(string? engine, string? version)
    {
        Platform.Modules.Shared.Messaging.Parameter.Required(engine, "Engine");
        if (engine != Engine)
        {
            throw RdsErrors.InvalidParameterValue($"Invalid DB engine: {engine}");
        }

        if (version is not null && version != EngineVersion && !version.StartsWith(EngineVersion + ".", StringComparison.Ordinal))
        {
            throw RdsErrors.InvalidParameterCombination($"Cannot find version {version} for {engine}");
        }
    }

    public static InstanceClass CheckClass(string? name)
    {
        Platform.Modules.Shared.Messaging.Parameter.Required(name, "DBInstanceClass");
        return InstanceClasses.Find(name) ?? throw RdsErrors.InvalidParameterValue(
            $"Invalid DB Instance class: {name}. This platform offers {string.Join(", ", InstanceClasses.All.Select(c => c.Name))}.");
    }

    public static void CheckStorage(int? gib)
    {
        if (gib is null)
        {
            throw ApiErrors.MissingParameter("The request must contain the parameter AllocatedStorage.");
        }

        if (gib is < MinStorageGiB or > MaxStorageGiB)
        {
            throw RdsErrors.InvalidParameterValue(
                $"Invalid storage size for engine name postgres and storage type gp2: {gib}. It must be from {MinStorageGiB} to {MaxStorageGiB} GiB.");
        }
    }

    public static void CheckUsername(string? username)
    {
        Platform.Modules.Shared.Messaging.Parameter.Required(username, "MasterUsername");
        if (username.Length > 63 || !UsernamePattern().IsMatch(username))
        {
            throw RdsErrors.InvalidParameterValue(
                "The parameter MasterUsername is not a valid identifier: 1 to 63 letters, digits or underscores, beginning with a letter.");
        }

        if (ReservedUsernames.Contains(username.ToLowerInvariant()) || username.StartsWith("pg_", StringComparison.OrdinalIgnoreCase))
        {
            throw RdsErrors.InvalidParameterValue($"MasterUsername {username} cannot be used as it is a reserved word used by the engine");
        }
    }

    /// <summary>8 to 128 printable ASCII characters other than /, ", @ and space, as RDS requires for postgres.</summary>
    public static void CheckPassword(string? password)
    {
        Platform.Modules.Shared.Messaging.Parameter.Required(password, "MasterUserPassword");
        if (password.Length < 8)
        {
            throw RdsErrors.InvalidParameterValue("The parameter MasterUserPassword is not a valid password because it is shorter than 8 characters.");
        }

        if (password.Length > 128)
        {
            throw RdsErrors.InvalidParameterValue("The parameter MasterUserPassword is not a valid password because it is longer than 128 characters.");
        }

        if (password.Any(c => c is < '!' or > '~' or '/' or '"' or '@'))
        {
            throw RdsErrors.InvalidParameterValue(
                "The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '\"', ' ' may be used.");
        }
    }

    public static void CheckRetention(int? days)
    {
        if (days is < 0 or > MaxRetentionDays)
        {
            throw RdsErrors.InvalidParameterValue($"Invalid backup retention period: {days}. It must be from 0 (no automated backups) to {MaxRetentionDays} days.");
        }
    }

    public static void CheckBackupWindow(string? window)
    {
        if (window is not null && !BackupWindow.TryParse(window, out _))
        {
            throw RdsErrors.InvalidParameterValue(
                $"The parameter PreferredBackupWindow must be provided in the format hh24:mi-hh24:mi, in UTC, and be at least {BackupWindow.MinimumMinutes} minutes long: {window}");
        }
    }

    public static void CheckMaintenanceWindow(string? window)
    {
        if (window is not null && !MaintenanceWindowPattern().IsMatch(window))
        {
            throw RdsErrors.InvalidParameterValue($"The parameter PreferredMaintenanceWindow must be provided in the format ddd:hh24:mi-ddd:hh24:mi: {window}");
        }
    }

    public static void CheckPort(int? port)
    {
        if (port is < 1150 or > 65535)
        {
            throw RdsErrors.InvalidParameterValue($"Invalid port {port}: it must be from 1150 to 65535.");
        }
    }

    /// <summary>A half-hour window in 00:00–08:00 UTC, as RDS picks one from an eight-hour block when none is given.</summary>
    public static string DefaultBackupWindow()
    {
        var start = TimeOnly.MinValue.AddMinutes(30 * Random.Shared.Next(0, 15));
        return new BackupWindow(start, start.AddMinutes(30)).ToString();
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*$")]
    private static partial Regex UsernamePattern();

    [GeneratedRegex("^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$")]
    private static partial Regex MaintenanceWindowPattern();
}
