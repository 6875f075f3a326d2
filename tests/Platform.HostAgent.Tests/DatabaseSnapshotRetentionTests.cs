using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Platform.HostAgent.Protocol;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.HostAgent.Tests;

/// <summary>
/// The database guest's repositories as its agent writes them (deploy/db-image/dbagent, <c>repository-conf</c>), with
/// Debian's PostgreSQL 15 and pgBackRest 2.45 on this machine and each S3 repository turned into a directory (what is
/// checked is retention, not S3): automated backups expire and take their WAL with them, while a manual snapshot taken
/// beside them stays whole and restores to exactly its rows after they are gone.
/// </summary>
public sealed class DatabaseSnapshotRetentionTests(ITestOutputHelper output)
{
    private const string PostgresBin = "/usr/lib/postgresql/15/bin";
    private const string Stanza = "db-snapshotretention";

    [PgBackRestFact]
    public async Task Given_a_snapshot_beside_automated_backups_When_the_automated_ones_expire_Then_the_snapshot_keeps_its_set_and_WAL_and_restores_its_rows()
    {
        var work = Directory.CreateTempSubdirectory("platform-pgbr-").FullName;
        var bucket = Path.Combine(work, "bucket");
        var source = Path.Combine(work, "source");
        var restored = Path.Combine(work, "restored");
        var config = Path.Combine(work, "pgbackrest.conf");
        var port = FreePort();
        try
        {
            Directory.CreateDirectory(bucket);
            await File.WriteAllTextAsync(config, "[global]\n" + Posix(await RepositoryOptionsAsync(retentionDays: 1), bucket)
                + $"log-level-console=warn\nlog-level-file=off\nlock-path={work}/lock\n[{Stanza}]\npg1-path={source}\npg1-socket-path={work}\npg1-port={port}\n");
            await RunAsync("chown", "-R", "postgres:postgres", work);
            await AsPostgresAsync($"{PostgresBin}/initdb -D {source} -A trust -U postgres --no-sync");
            await File.AppendAllTextAsync(source + "/postgresql.conf",
                $"port = {port}\nlisten_addresses = ''\nunix_socket_directories = '{work}'\narchive_mode = on\n"
                + $"archive_command = 'pgbackrest --config={config} --stanza={Stanza} archive-push \"%p\"'\n");
            await AsPostgresAsync($"{PostgresBin}/pg_ctl start -D {source} -l {work}/source.log -w -t 60");
            await PgBackRestAsync(config, "stanza-create");

            await SqlAsync(work, port, "CREATE TABLE orders (id int); INSERT INTO orders VALUES (1)");
            // The guest's backup commands: an automated backup in repo1, a manual snapshot in repo2.
            await PgBackRestAsync(config, "--repo=1 --type=full backup");
            await SqlAsync(work, port, "INSERT INTO orders VALUES (2)");
            await PgBackRestAsync(config, "--repo=2 --type=full backup");
            var snapshot = (await SetsAsync(config, 2)).Single();
            await SqlAsync(work, port, "INSERT INTO orders VALUES (3)");
            await PgBackRestAsync(config, "--repo=1 --type=full backup");
            var automated = await SetsAsync(config, 1);
            Assert.Equal(2, automated.Count);
            var firstWal = Path.Combine(bucket, Stanza, "archive", Stanza, "15-1", "0000000100000000");
            var oldestSegment = Directory.GetFiles(firstWal).Select(Path.GetFileName).Order(StringComparer.Ordinal).First()!;

            // The configured retention (1 day) expires nothing yet; one full set, as after the retention period has passed,
            // expires the older automated set and the WAL before the newer one. The snapshot's repository keeps its set.
            await PgBackRestAsync(config, "expire");
            Assert.Equal(2, (await SetsAsync(config, 1)).Count);
            await PgBackRestAsync(config, "--repo1-retention-full-type=count --repo1-retention-full=1 expire");
            Assert.Equal(new[] { automated[1] }, await SetsAsync(config, 1));
            Assert.DoesNotContain(Directory.GetFiles(firstWal), f => Path.GetFileName(f) == oldestSegment);
            Assert.Equal(new[] { snapshot }, await SetsAsync(config, 2));
            // Expiring every repository as pgBackRest does after each backup (repo2's retention: the highest count) keeps it too.
            await PgBackRestAsync(config, "expire");
            Assert.Equal(new[] { snapshot }, await SetsAsync(config, 2));

            // A second snapshot, deleted as DeleteDBSnapshot deletes it (SnapshotDeletion.SetPrefixes: the set's directory
            // and its manifest's copy in backup.history, nothing else): the next snapshot's backup drops it from
            // backup.info, and the first snapshot is untouched (restored below).
            await SqlAsync(work, port, "INSERT INTO orders VALUES (4)");
            await PgBackRestAsync(config, "--repo=2 --type=full backup");
            var deleted = (await SetsAsync(config, 2)).Last();
            var sets = Path.Combine(bucket, Stanza, "snapshots", "backup", Stanza);
            var history = Path.Combine(sets, "backup.history", deleted[..4], deleted + ".manifest.gz");
            Assert.True(File.Exists(history), $"no {history}");
            Directory.Delete(Path.Combine(sets, deleted), recursive: true);
            File.Delete(history);
            await PgBackRestAsync(config, "--repo=2 --type=full backup");
            var after = await SetsAsync(config, 2);
            Assert.Equal(2, after.Count);
            Assert.Equal(snapshot, after[0]);
            Assert.DoesNotContain(deleted, after);

            // The source goes (a deleted instance); the snapshot restores from its own repository alone, as a restored
            // instance's guest reads it (the path the API names: DatabaseBackupRepository.SnapshotRepositoryPath).
            await AsPostgresAsync($"{PostgresBin}/pg_ctl stop -D {source} -m fast -w");
            var restoreConfig = Path.Combine(work, "restore.conf");
            var snapshotPath = DatabaseBackupRepository.SnapshotRepositoryPath(Stanza);
            await File.WriteAllTextAsync(restoreConfig,
                $"[global]\nrepo1-type=posix\nrepo1-path={bucket}/{snapshotPath}\nrepo1-cipher-type=aes-256-cbc\nrepo1-cipher-pass=passphrase\n"
                + $"log-level-console=warn\nlog-level-file=off\nlock-path={work}/lock-restore\n[{Stanza}]\npg1-path={restored}\npg1-socket-path={work}\n");
            Directory.CreateDirectory(restored);
            await RunAsync("chown", "-R", "postgres:postgres", work);
            await RunAsync("chmod", "700", restored);
            await PgBackRestAsync(restoreConfig, $"--set={snapshot} --type=immediate --target-action=promote restore");
            var restoredPort = FreePort();
            await File.AppendAllTextAsync(restored + "/postgresql.conf", $"port = {restoredPort}\narchive_mode = off\n");
            await AsPostgresAsync($"{PostgresBin}/pg_ctl start -D {restored} -l {work}/restored.log -w -t 60");
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while ((await SqlAsync(work, restoredPort, "SELECT pg_is_in_recovery()")).Trim() != "f")
            {
                Assert.True(DateTime.UtcNow < deadline, "the restored cluster did not leave recovery in 90 s");
                await Task.Delay(200);
            }

            Assert.Equal("1,2", (await SqlAsync(work, restoredPort, "SELECT string_agg(id::text, ',' ORDER BY id) FROM orders")).Trim());
        }
        finally
        {
            foreach (var cluster in new[] { source, restored })
            {
                if (File.Exists(Path.Combine(cluster, "postmaster.pid")))
                {
                    await RunAllowingFailureAsync("runuser", "-u", "postgres", "--", $"{PostgresBin}/pg_ctl", "stop", "-D", cluster, "-m", "immediate", "-w");
                }
            }

            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The repository options the guest writes, from the guest's own agent script.</summary>
    private static async Task<string> RepositoryOptionsAsync(int retentionDays) =>
        await RunAsync("sh", Path.Combine(Repository.Root, "deploy", "db-image", "dbagent"), "repository-conf",
            "s3.platform.test", "443", "platform-rds-backups", "us-east-1", Stanza, "AKIDEXAMPLE", "secret", "passphrase",
            retentionDays.ToString(CultureInfo.InvariantCulture), "/data/backup/ca.pem");

    /// <summary>Each S3 repository as a directory of <paramref name="bucket"/> at the same path; every other option as written.</summary>
    private static string Posix(string options, string bucket)
    {
        var lines = options.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.Contains("-s3-", StringComparison.Ordinal) && !l.Contains("-storage-", StringComparison.Ordinal));
        Assert.Contains("repo1-path=/" + Stanza, lines);
        Assert.Contains("repo2-path=/" + Stanza + "/snapshots", lines);
        return string.Concat(lines.Select(l => (l.EndsWith("-type=s3", StringComparison.Ordinal) ? l[..^2] + "posix"
            : l.Contains("-path=/", StringComparison.Ordinal) ? l.Replace("-path=/", "-path=" + bucket + "/", StringComparison.Ordinal) : l) + "\n"));
    }

    /// <summary>The labels of one repository's backup sets, oldest first.</summary>
    private static async Task<List<string>> SetsAsync(string config, int repo)
    {
        var text = await AsPostgresAsync($"pgbackrest --config={config} --stanza={Stanza} --repo={repo} info --output=text");
        return [.. text.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("full backup: ", StringComparison.Ordinal)).Select(l => l["full backup: ".Length..])];
    }

    private async Task PgBackRestAsync(string config, string command)
    {
        var started = Stopwatch.StartNew();
        await AsPostgresAsync($"pgbackrest --config={config} --stanza={Stanza} {command}");
        output.WriteLine($"pgbackrest {command}: {started.Elapsed.TotalSeconds:F1} s");
    }

    private static Task<string> SqlAsync(string socketDirectory, int port, string sql) =>
        RunAsync("runuser", "-u", "postgres", "--", "psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h", socketDirectory, "-p", port.ToString(CultureInfo.InvariantCulture), "-d", "postgres", "-c", sql);

    private static Task<string> AsPostgresAsync(string command) => RunAsync("runuser", "-u", "postgres", "--", "sh", "-c", command);

    private static async Task<string> RunAsync(string file, params string[] arguments)
    {
        var (code, text) = await RunAllowingFailureAsync(file, arguments);
        return code == 0 ? text : throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {code}: {text}");
    }

    private static async Task<(int Code, string Output)> RunAllowingFailureAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A fact that runs Debian's PostgreSQL 15 and pgBackRest as the <c>postgres</c> user: skipped only where they cannot run (not installed, not root).</summary>
public sealed class PgBackRestFactAttribute : FactAttribute
{
    public PgBackRestFactAttribute()
    {
        if (!File.Exists("/usr/bin/pgbackrest") || !File.Exists("/usr/lib/postgresql/15/bin/initdb"))
        {
            Skip = "pgBackRest or PostgreSQL 15 is not installed (deploy/install-prerequisites.sh installs them)";
        }
        else if (Environment.UserName != "root")
        {
            Skip = "runs PostgreSQL as the postgres user: needs root";
        }
    }
}
