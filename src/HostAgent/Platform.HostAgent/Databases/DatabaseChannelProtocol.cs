using System.Globalization;
using System.Text;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Databases;

/// <summary>
/// The line protocol between the agent and the database guest's management agent (deploy/db-image/dbagent), one line each
/// way per request, fields separated by one space; every field a tenant or the API chose travels as base64, so no value
/// can add a field or a line:
/// <code>
/// → RID configure GENERATION USER PASSWORD PORT PARAMETERS CERT KEY CA STANZA  (USER, PASSWORD, PARAMETERS "name=value\n"…, PEMs: base64)
/// ← RID ok configure GENERATION | RID busy WHAT | RID error MESSAGE
/// → RID repository HASH ENDPOINT BUCKET REGION PATH KEY SECRET CIPHER CA RETENTION-DAYS ARCHIVE-TIMEOUT   (all but HASH and the numbers base64)
/// ← RID ok repository HASH | RID busy WHAT | RID error MESSAGE
/// → RID restore ENDPOINT BUCKET REGION PATH KEY SECRET CIPHER CA SOURCE-STANZA set|time|latest TARGET   (all but the stanza and the kind base64)
/// ← RID ok restore running | RID ok restore done | RID ok restore failed MESSAGE | RID busy WHAT | RID error MESSAGE
/// → RID backup OPERATION-ID FullBackup|IncrementalBackup|SnapshotBackup   (the automated backups' repository, or the snapshots')
/// ← RID ok backup OPERATION-ID running|waiting | RID ok backup OPERATION-ID done LABEL | RID ok backup OPERATION-ID failed MESSAGE
/// → RID status
/// ← RID ok status STATE GENERATION IN-RECOVERY(t|f) CONNECTIONS FREE-BYTES PENDING-REBOOT(0|1) MESSAGE|- [REPOSITORY-HASH|- [ARCHIVED|- [SETS|-]]]
/// → RID primary TERM STANDBY-NAME|- PASSWORD ADDRESS|- sync|async   (Multi-AZ, the primary's side; PASSWORD base64)
/// ← RID ok primary TERM | RID busy WHAT | RID error MESSAGE
/// → RID standby TERM PRIMARY-ADDRESS PORT STANDBY-NAME PASSWORD CA   (the standby's side; PASSWORD and CA base64)
/// ← RID ok standby TERM running|done | RID ok standby TERM failed MESSAGE | RID busy WHAT | RID error MESSAGE
/// → RID promote TERM
/// ← RID ok promote TERM | RID busy WHAT | RID error MESSAGE
/// → RID replication
/// ← RID ok replication ROLE(primary|standby|-) TERM STREAMING(t|f) LAG-BYTES SYNCHRONOUS(t|f) JOB(-|running|failed) MESSAGE|-
/// </code>
/// A backup runs once per operation id: the guest keeps each one's result on its volume and answers the same id with it
/// again. ARCHIVED is the Unix time of the newest WAL segment archived to the repository; SETS (base64) the repository's
/// backup sets, one a line: <c>LABEL full|incr|diff START STOP SIZE REPOSITORY-SIZE</c>.
/// The repository's HASH (<see cref="RepositoryHash"/>) is what the guest keeps of the repository it set up, so the agent
/// sends it again only when it changed (new credentials, another bucket) or the guest has none (a new volume).
/// The request id is echoed so an answer that arrives after its request timed out is told apart and dropped.
/// </summary>
internal static class DatabaseChannelProtocol
{
    /// <summary>The repositories the guest writes: repo1 the automated backups, repo2 the snapshots (deploy/db-image/dbagent, repository_conf).</summary>
    private const string Layout = "repo1=automated,repo2=snapshots";

    public static string Configure(string requestId, DesiredDatabase database)
    {
        var parameters = string.Concat(database.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}\n"));
        return string.Join(' ', requestId, "configure", database.Generation.ToString(CultureInfo.InvariantCulture),
            Base64(database.MasterUsername), Base64(database.MasterPassword), database.Port.ToString(CultureInfo.InvariantCulture),
            Base64(parameters), Base64(database.Tls.CertificatePem), Base64(database.Tls.PrivateKeyPem), Base64(database.Tls.CaCertificatePem),
            database.ResourceId);
    }

    public static string Repository(string requestId, DesiredDatabase database, DatabaseBackupRepository repository) =>
        string.Join(' ', requestId, "repository", RepositoryHash(database, repository), Base64(repository.Endpoint), Base64(repository.Bucket),
            Base64(repository.Region), Base64(repository.Path), Base64(repository.AccessKeyId), Base64(repository.SecretAccessKey),
            Base64(repository.CipherPassphrase), Base64(repository.CaCertificatePem ?? ""), repository.RetentionDays.ToString(CultureInfo.InvariantCulture),
            repository.ArchiveTimeoutSeconds.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Fills an empty data volume from another database's repository before its first start: TARGET is the backup set's
    /// label (<c>set</c>: restored to the end of that set), the time as pgBackRest's <c>--target</c> takes it (<c>time</c>), or
    /// nothing (<c>latest</c>: to the end of the archived WAL).
    /// </summary>
    public static string Restore(string requestId, DatabaseRestore restore)
    {
        var repository = restore.Repository;
        var (kind, target) = restore.BackupLabel is { } label ? ("set", label)
            : restore.TargetTime is { } time ? ("time", time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'+00'", CultureInfo.InvariantCulture))
            : ("latest", "-");
        return string.Join(' ', requestId, "restore", Base64(repository.Endpoint), Base64(repository.Bucket), Base64(repository.Region), Base64(repository.Path),
            Base64(repository.AccessKeyId), Base64(repository.SecretAccessKey), Base64(repository.CipherPassphrase), Base64(repository.CaCertificatePem ?? ""),
            restore.SourceResourceId, kind, Base64(target));
    }

    /// <summary>What a restore answer says: null while it runs, else whether it is done and, when it failed, why.</summary>
    /// <exception cref="FormatException">The fields are not a restore answer.</exception>
    public static RestoreOutcome? RestoreResult(IReadOnlyList<string> fields) =>
        fields.Count >= 2 && fields[0] == "restore"
            ? fields[1] switch
            {
                "running" => null,
                "done" => new RestoreOutcome(true, null),
                "failed" => new RestoreOutcome(false, fields.Count >= 3 ? Unbase64(fields[2]) : "the restore failed"),
                _ => throw new FormatException($"Not a restore answer: '{Shorten(string.Join(' ', fields))}'"),
            }
            : throw new FormatException($"Not a restore answer: '{Shorten(string.Join(' ', fields))}'");

    public static string Backup(string requestId, DatabaseOperation operation) => string.Join(' ', requestId, "backup", operation.OperationId, operation.Kind.ToString());

    /// <summary>The result a backup answer carries: null while the backup runs or waits its turn.</summary>
    /// <exception cref="FormatException">The fields are not a backup answer for <paramref name="operationId"/>.</exception>
    public static DatabaseOperationResult? BackupResult(string operationId, IReadOnlyList<string> fields)
    {
        if (fields.Count < 3 || fields[0] != "backup" || fields[1] != operationId)
        {
            throw new FormatException($"Not a backup answer for {operationId}: '{Shorten(string.Join(' ', fields))}'");
        }

        return fields[2] switch
        {
            "running" or "waiting" => null,
            "done" when fields.Count >= 4 && fields[3].Length is > 0 and <= 64 && fields[3].All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
                => new DatabaseOperationResult(operationId, Succeeded: true, BackupLabel: fields[3]),
            "failed" => new DatabaseOperationResult(operationId, Succeeded: false, Error: fields.Count >= 4 ? Unbase64(fields[3]) : "the backup failed"),
            _ => throw new FormatException($"Not a backup answer for {operationId}: '{Shorten(string.Join(' ', fields))}'"),
        };
    }

    /// <summary>
    /// 32 hex digits of SHA-256 over everything the guest's repository configuration is made of (with the archive timeout
    /// it sets beside it): equal exactly when the guest would write the same configuration. <see cref="Layout"/> names the
    /// guest's layout of repositories, so a guest set up before the snapshots had their own repository is set up again.
    /// </summary>
    public static string RepositoryHash(DesiredDatabase database, DatabaseBackupRepository repository)
    {
        var text = string.Join('\n', Layout, database.ResourceId, repository.Endpoint, repository.Bucket, repository.Region, repository.Path, repository.AccessKeyId,
            repository.SecretAccessKey, repository.CipherPassphrase, repository.CaCertificatePem ?? "", repository.RetentionDays.ToString(CultureInfo.InvariantCulture),
            repository.ArchiveTimeoutSeconds.ToString(CultureInfo.InvariantCulture));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }

    /// <summary>The repository hash a status answer's fields carry (null: the guest has set up none).</summary>
    public static string? ReportedRepository(IReadOnlyList<string> fields) =>
        fields.Count >= 9 && fields[8] != "-" && fields[8].Length == 32 && fields[8].All(char.IsAsciiHexDigitLower) ? fields[8] : null;

    public static string Status(string requestId) => $"{requestId} status";

    /// <summary>The answer to <paramref name="requestId"/>, or null when <paramref name="line"/> answers another request.</summary>
    /// <exception cref="FormatException">The line is not an answer of this protocol.</exception>
    public static DatabaseAnswer? Parse(string requestId, string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 2)
        {
            throw new FormatException($"Not an answer: '{Shorten(line)}'");
        }

        if (!string.Equals(fields[0], requestId, StringComparison.Ordinal))
        {
            return null;
        }

        return fields[1] switch
        {
            "ok" when fields.Length >= 3 => new DatabaseAnswer(DatabaseAnswerKind.Ok, fields[2..]),
            "busy" => new DatabaseAnswer(DatabaseAnswerKind.Busy, fields[2..]),
            "error" => new DatabaseAnswer(DatabaseAnswerKind.Error, [fields.Length > 2 ? Unbase64(fields[2]) : "unknown error"]),
            _ => throw new FormatException($"Not an answer: '{Shorten(line)}'"),
        };
    }

    /// <summary>A status answer's fields (after "ok") as the report's state, without the backup sets.</summary>
    /// <exception cref="FormatException">The fields are not a status.</exception>
    public static DatabaseReport Report(IReadOnlyList<string> fields)
    {
        if (fields.Count < 8 || fields[0] != "status"
            || !fields[1].All(char.IsAsciiLetter) || !Enum.TryParse<DatabaseState>(fields[1], ignoreCase: false, out var state)
            || !long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var generation)
            || fields[3] is not ("t" or "f")
            || !int.TryParse(fields[4], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var connections)
            || !long.TryParse(fields[5], NumberStyles.None, CultureInfo.InvariantCulture, out var free)
            || fields[6] is not ("0" or "1"))
        {
            throw new FormatException($"Not a status: '{Shorten(string.Join(' ', fields))}'");
        }

        var message = fields[7] == "-" ? null : Unbase64(fields[7]);
        DateTimeOffset? archived = fields.Count >= 10 && long.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
        var sets = fields.Count >= 11 && fields[10] != "-" ? BackupSets(Unbase64(fields[10])) : [];
        // A Multi-AZ guest's replication lag in seconds ("-", or absent from an older agent: none).
        double? lag = fields.Count >= 12 && double.TryParse(fields[11], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var lagSeconds) ? lagSeconds : null;
        return new DatabaseReport(state, generation, message, PendingReboot: fields[6] == "1",
            // Restorable from the end of the oldest backup set (the first consistent point) to the newest archived segment.
            EarliestRestorableTime: archived is not null && sets.Count > 0 ? sets.Min(b => b.Stopped) : null,
            LatestRestorableTime: sets.Count > 0 ? archived : null,
            Backups: sets.Count > 0 ? sets : null,
            Metrics: new DatabaseMetrics(free, Math.Max(0, connections), 0, 0, lag));
    }

    /// <summary>The backup sets of a status answer, one a line; a line that is not one is left out.</summary>
    public static IReadOnlyList<DatabaseBackupSet> BackupSets(string text)
    {
        var sets = new List<DatabaseBackupSet>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ');
            if (parts.Length == 6 && parts[1] is "full" or "incr" or "diff"
                && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                && long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var stop)
                && long.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
                && long.TryParse(parts[5], NumberStyles.None, CultureInfo.InvariantCulture, out var repository))
            {
                sets.Add(new DatabaseBackupSet(parts[0], parts[1] == "full" ? DatabaseOperationKind.FullBackup : DatabaseOperationKind.IncrementalBackup,
                    DateTimeOffset.FromUnixTimeSeconds(start), DateTimeOffset.FromUnixTimeSeconds(stop), size, repository));
            }
        }

        return sets;
    }

    /// <summary>The primary's side of a Multi-AZ pair: its synchronous standby (or none) and the one address let in for replication.</summary>
    public static string Primary(string requestId, DatabaseReplication replication) =>
        string.Join(' ', requestId, "primary", replication.Term.ToString(CultureInfo.InvariantCulture), replication.StandbyName ?? "-",
            Base64(replication.Password), replication.PeerAddress ?? "-", replication.Synchronous ? "sync" : "async");

    /// <summary>The standby's side: made from the primary at <see cref="DatabaseReplication.PeerAddress"/> on the database's port (or PeerPort), its TLS checked against the platform CA.</summary>
    public static string Standby(string requestId, DesiredDatabase database, DatabaseReplication replication) =>
        string.Join(' ', requestId, "standby", replication.Term.ToString(CultureInfo.InvariantCulture), replication.PeerAddress ?? "-",
            (replication.PeerPort ?? database.Port).ToString(CultureInfo.InvariantCulture), replication.StandbyName ?? "-", Base64(replication.Password), Base64(database.Tls.CaCertificatePem));

    public static string Promote(string requestId, long term) => string.Join(' ', requestId, "promote", term.ToString(CultureInfo.InvariantCulture));

    public static string Replication(string requestId) => $"{requestId} replication";

    /// <summary>What a standby answer says: null while the standby is being made, else whether it is done and, when the last attempt failed, why.</summary>
    /// <exception cref="FormatException">The fields are not a standby answer.</exception>
    public static RestoreOutcome? StandbyResult(IReadOnlyList<string> fields) =>
        fields.Count >= 3 && fields[0] == "standby"
            ? fields[2] switch
            {
                "running" => null,
                "done" => new RestoreOutcome(true, null),
                "failed" => new RestoreOutcome(false, fields.Count >= 4 ? Unbase64(fields[3]) : "the standby could not be made"),
                _ => throw new FormatException($"Not a standby answer: '{Shorten(string.Join(' ', fields))}'"),
            }
            : throw new FormatException($"Not a standby answer: '{Shorten(string.Join(' ', fields))}'");

    /// <summary>A replication answer's fields (after "ok").</summary>
    /// <exception cref="FormatException">The fields are not a replication answer.</exception>
    public static DatabaseReplicationReport ReplicationReport(IReadOnlyList<string> fields)
    {
        if (fields.Count < 8 || fields[0] != "replication" || fields[1] is not ("primary" or "standby" or "-")
            || !long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var term)
            || fields[3] is not ("t" or "f")
            || !long.TryParse(fields[4], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var lag)
            || fields[5] is not ("t" or "f")
            || fields[6] is not ("-" or "running" or "failed"))
        {
            throw new FormatException($"Not a replication answer: '{Shorten(string.Join(' ', fields))}'");
        }

        DatabaseReplicationRole? role = fields[1] switch { "primary" => DatabaseReplicationRole.Primary, "standby" => DatabaseReplicationRole.Standby, _ => null };
        var message = fields[6] switch
        {
            "running" => "The standby is being made from its primary.",
            "failed" => "The standby could not be made: " + (fields[7] == "-" ? "unknown error" : Unbase64(fields[7])),
            _ => null,
        };
        return new DatabaseReplicationReport(role, term, fields[3] == "t", Math.Max(0, lag), fields[5] == "t", message);
    }

    private static string Base64(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));

    private static string Unbase64(string value)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(value));
        }
        catch (FormatException)
        {
            return value;
        }
    }

    private static string Shorten(string line) => line.Length <= 200 ? line : line[..200] + "…";
}

internal enum DatabaseAnswerKind
{
    Ok,

    /// <summary>The guest cannot take the request yet (its data volume is still being prepared): ask again later.</summary>
    Busy,

    Error,
}

internal sealed record RestoreOutcome(bool Succeeded, string? Error);

internal sealed record DatabaseAnswer(DatabaseAnswerKind Kind, IReadOnlyList<string> Fields);
