using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.HostAgent.Tests;

/// <summary>
/// A backup killed half way, as the guest's agent dying during it leaves it: the guest's own agent script
/// (deploy/db-image/dbagent, its <c>backup</c> request and <c>run-backup</c> process, under <c>DBAGENT_ROOT</c>) with
/// Debian's PostgreSQL 15 and pgBackRest on this machine, each S3 repository turned into a directory as in
/// DatabaseSnapshotRetentionTests. The backup's processes are killed with SIGKILL while pgBackRest is copying files: the
/// operation is then answered failed (the API drops the day's lease on a failed automated backup and asks again under a new
/// operation id: GuestReportRecorderTests), the repository lists no set (so the guest reports none and nothing unrestorable
/// is shown as complete), and the backup asked again completes and restores to the rows written before it.
/// </summary>
public sealed class DatabaseInterruptedBackupTests(ITestOutputHelper output)
{
    private const string PostgresBin = "/usr/lib/postgresql/15/bin";
    private const string Stanza = "db-interruptedbackup";

    [PgBackRestFact]
    public async Task Given_a_backup_killed_half_way_Then_it_is_answered_failed_no_set_is_listed_and_the_backup_asked_again_completes_and_restores()
    {
        var work = Directory.CreateTempSubdirectory("platform-pgbr-kill-").FullName;
        var root = Path.Combine(work, "root");
        var data = Path.Combine(root, "data");
        var pgdata = Path.Combine(data, "pgdata");
        var bucket = Path.Combine(work, "bucket");
        var restored = Path.Combine(work, "restored");
        var config = Path.Combine(data, "backup", "pgbackrest.conf");
        var port = FreePort();
        try
        {
            foreach (var directory in new[] { Path.Combine(root, "bin"), Path.Combine(data, "backup"), Path.Combine(data, "platform"), Path.Combine(root, "run", "db"), bucket })
            {
                Directory.CreateDirectory(directory);
            }

            File.Copy(Path.Combine(Repository.Root, "deploy", "db-image", "dbagent"), Path.Combine(root, "bin", "dbagent"));
            await RunAsync("chmod", "755", Path.Combine(root, "bin", "dbagent"));
            // What the guest's repository request leaves: the options, the stanza's name, the repository's hash.
            var options = await RunAsync("sh", Path.Combine(root, "bin", "dbagent"), "repository-conf", "s3.platform.test", "443", "platform-rds-backups", "us-east-1",
                Stanza, "AKIDEXAMPLE", "secret", "passphrase", "1", "/data/backup/ca.pem");
            await File.WriteAllTextAsync(config, "[global]\n" + Posix(options, bucket)
                + $"log-level-console=warn\nlog-level-file=off\nlock-path={work}/lock\n[{Stanza}]\npg1-path={pgdata}\npg1-socket-path={work}\npg1-port={port}\n");
            await File.WriteAllTextAsync(Path.Combine(data, "backup", "stanza"), Stanza + "\n");
            await File.WriteAllTextAsync(Path.Combine(data, "platform", "repository"), "hash\n");
            await RunAsync("chown", "-R", "postgres:postgres", work);
            await AsPostgresAsync($"{PostgresBin}/initdb -D {pgdata} -A trust -U postgres --no-sync");
            await File.AppendAllTextAsync(pgdata + "/postgresql.conf",
                $"port = {port}\nlisten_addresses = ''\nunix_socket_directories = '{work}'\narchive_mode = on\n"
                + $"archive_command = 'pgbackrest --config={config} --stanza={Stanza} archive-push \"%p\"'\n");
            await AsPostgresAsync($"{PostgresBin}/pg_ctl start -D {pgdata} -l {work}/source.log -w -t 60");
            await AsPostgresAsync($"pgbackrest --config={config} --stanza={Stanza} stanza-create");
            // Enough data that the backup is still copying files when it is killed (compressed and encrypted as the guest's).
            await SqlAsync(work, port, "CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS pad FROM generate_series(1, 1000000) g");

            // The API asks for the day's backup: the guest starts it in a process of its own and answers running.
            Assert.Equal("r1 ok backup op-first running", await AnswerAsync(root, "r1 backup op-first FullBackup"));
            var pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(root, "run", "db", "backup-op-first.pid"))).Trim(), CultureInfo.InvariantCulture);
            Assert.Equal("r2 ok backup op-first running", await AnswerAsync(root, "r2 backup op-first FullBackup"));

            // Half way: pgBackRest has started copying the cluster's files into the set's directory. Then the backup's
            // processes (dbagent run-backup, su, pgbackrest and its workers) are killed at once, as a crash kills them.
            var sets = Path.Combine(bucket, Stanza, "backup", Stanza);
            var clock = Stopwatch.StartNew();
            string? partial = null;
            while ((partial = Directory.Exists(sets) ? Directory.GetDirectories(sets, "*F").FirstOrDefault(d => Directory.Exists(Path.Combine(d, "pg_data", "base"))) : null) is null)
            {
                Assert.True(File.Exists($"/proc/{pid}/stat"), $"the backup ended before it could be killed: {await LogAsync(root, "op-first")}");
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), $"pgBackRest did not start copying within 120 s: {await LogAsync(root, "op-first")}; "
                    + string.Join(", ", Directory.Exists(bucket) ? Directory.GetFileSystemEntries(bucket, "*", SearchOption.AllDirectories).Take(40) : []));
                await Task.Delay(50);
            }

            var killed = await KillTreeAsync(pid);
            output.WriteLine($"killed {killed} processes {clock.Elapsed.TotalSeconds:F1} s into the backup, its set {Path.GetFileName(partial)} half written");
            Assert.True(killed >= 2, $"only {killed} process of the backup was found to kill");

            // Asked again (the same operation id, as the agent keeps asking): failed, interrupted; never started a second time.
            var answer = await AnswerAsync(root, "r3 backup op-first FullBackup");
            Assert.StartsWith("r3 ok backup op-first failed ", answer, StringComparison.Ordinal);
            Assert.Contains("interrupted", Encoding.UTF8.GetString(Convert.FromBase64String(answer.Split(' ')[^1])), StringComparison.Ordinal);
            Assert.Equal(answer.Replace("r3 ", "r4 ", StringComparison.Ordinal), await AnswerAsync(root, "r4 backup op-first FullBackup"));

            // No set is listed: neither by pgBackRest nor in what the guest reports (its backup list, refreshed from the repository).
            Assert.Empty(await SetsAsync(config));
            await RunAsync("env", $"DBAGENT_ROOT={root}", "sh", Path.Combine(root, "bin", "dbagent"), "refresh-info");
            Assert.Equal("", (await File.ReadAllTextAsync(Path.Combine(root, "run", "db", "backups"))).Trim());

            // The API asks again under a new id: the backup runs to its end, and it is the one set listed.
            await SqlAsync(work, port, "INSERT INTO orders VALUES (0, 'after the kill')");
            Assert.Equal("r5 ok backup op-again running", await AnswerAsync(root, "r5 backup op-again FullBackup"));
            clock.Restart();
            while ((answer = await AnswerAsync(root, "r6 backup op-again FullBackup")) == "r6 ok backup op-again running")
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(600), $"the backup asked again did not end in 600 s: {await LogAsync(root, "op-again")}");
                await Task.Delay(500);
            }

            output.WriteLine($"the backup asked again took {clock.Elapsed.TotalSeconds:F1} s: {answer}");
            Assert.StartsWith("r6 ok backup op-again done ", answer, StringComparison.Ordinal);
            var label = answer.Split(' ')[^1];
            Assert.Equal([label], await SetsAsync(config));
            Assert.StartsWith(label + " full ", (await File.ReadAllTextAsync(Path.Combine(root, "run", "db", "backups"))).Trim(), StringComparison.Ordinal);

            // The set restores, as a restored instance's guest reads it, to the rows written before it.
            await AsPostgresAsync($"{PostgresBin}/pg_ctl stop -D {pgdata} -m fast -w");
            var restoreConfig = Path.Combine(work, "restore.conf");
            await File.WriteAllTextAsync(restoreConfig,
                $"[global]\nrepo1-type=posix\nrepo1-path={bucket}/{Stanza}\nrepo1-cipher-type=aes-256-cbc\nrepo1-cipher-pass=passphrase\n"
                + $"log-level-console=warn\nlog-level-file=off\nlock-path={work}/lock-restore\n[{Stanza}]\npg1-path={restored}\npg1-socket-path={work}\n");
            Directory.CreateDirectory(restored);
            await RunAsync("chown", "-R", "postgres:postgres", work);
            await RunAsync("chmod", "700", restored);
            await AsPostgresAsync($"pgbackrest --config={restoreConfig} --stanza={Stanza} --set={label} --type=immediate --target-action=promote restore");
            var restoredPort = FreePort();
            await File.AppendAllTextAsync(restored + "/postgresql.conf", $"port = {restoredPort}\narchive_mode = off\n");
            await AsPostgresAsync($"{PostgresBin}/pg_ctl start -D {restored} -l {work}/restored.log -w -t 120");
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while ((await SqlAsync(work, restoredPort, "SELECT pg_is_in_recovery()")).Trim() != "f")
            {
                Assert.True(DateTime.UtcNow < deadline, "the restored cluster did not leave recovery in 120 s");
                await Task.Delay(200);
            }

            Assert.Equal("1000001|after the kill", (await SqlAsync(work, restoredPort, "SELECT count(*), (SELECT pad FROM orders WHERE id = 0) FROM orders")).Trim());
        }
        finally
        {
            foreach (var cluster in new[] { pgdata, restored })
            {
                if (File.Exists(Path.Combine(cluster, "postmaster.pid")))
                {
                    await RunAllowingFailureAsync("runuser", "-u", "postgres", "--", $"{PostgresBin}/pg_ctl", "stop", "-D", cluster, "-m", "immediate", "-w");
                }
            }

            // A backup still running after a failed assertion: its processes are this test's.
            foreach (var pidFile in Directory.Exists(Path.Combine(root, "run", "db")) ? Directory.GetFiles(Path.Combine(root, "run", "db"), "backup-*.pid") : [])
            {
                if (int.TryParse((await File.ReadAllTextAsync(pidFile)).Trim(), out var leftover))
                {
                    await KillTreeAsync(leftover);
                }
            }

            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>One request line answered by the guest's agent script, as it answers it on its management port.</summary>
    private static async Task<string> AnswerAsync(string root, string request)
    {
        var start = new ProcessStartInfo("env") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { $"DBAGENT_ROOT={root}", "sh", Path.Combine(root, "bin", "dbagent"), "answer" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        await process.StandardInput.WriteLineAsync(request);
        process.StandardInput.Close();
        // The answer is the first line: a backup started in the background keeps the pipe open, so the read stops there.
        var line = await process.StandardOutput.ReadLineAsync() ?? "";
        await process.WaitForExitAsync();
        return line.Trim();
    }

    private static async Task<string> LogAsync(string root, string operation)
    {
        var log = Path.Combine(root, "run", "db", $"backup-{operation}.log");
        return File.Exists(log) ? await File.ReadAllTextAsync(log) : "(no log)";
    }

    /// <summary>SIGKILL to a process and every descendant of it (found before any is killed); how many there were.</summary>
    private static async Task<int> KillTreeAsync(int pid)
    {
        var children = (await RunAsync("ps", "-e", "-o", "pid=,ppid=")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(p => p.Length == 2)
            .ToLookup(p => int.Parse(p[1], CultureInfo.InvariantCulture), p => int.Parse(p[0], CultureInfo.InvariantCulture));
        var tree = new List<int>();
        var pending = new Queue<int>([pid]);
        while (pending.TryDequeue(out var next))
        {
            if (File.Exists($"/proc/{next}/stat"))
            {
                tree.Add(next);
            }

            foreach (var child in children[next])
            {
                pending.Enqueue(child);
            }
        }

        foreach (var member in tree)
        {
            try
            {
                Process.GetProcessById(member).Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // Ended on its own meanwhile.
            }
        }

        return tree.Count;
    }

    /// <summary>Each S3 repository as a directory of <paramref name="bucket"/> at the same path; every other option as written.</summary>
    private static string Posix(string options, string bucket) => string.Concat(options.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Where(l => !l.Contains("-s3-", StringComparison.Ordinal) && !l.Contains("-storage-", StringComparison.Ordinal))
        .Select(l => (l.EndsWith("-type=s3", StringComparison.Ordinal) ? l[..^2] + "posix"
            : l.Contains("-path=/", StringComparison.Ordinal) ? l.Replace("-path=/", "-path=" + bucket + "/", StringComparison.Ordinal) : l) + "\n"));

    /// <summary>The labels of the automated backups' repository's sets, oldest first.</summary>
    private static async Task<List<string>> SetsAsync(string config)
    {
        var text = await AsPostgresAsync($"pgbackrest --config={config} --stanza={Stanza} --repo=1 info --output=text");
        return [.. text.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("full backup: ", StringComparison.Ordinal)).Select(l => l["full backup: ".Length..])];
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
