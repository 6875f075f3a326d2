using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Iam;

/// <summary>
/// The management account's root secret is written to its 0600 file and nowhere else: logs go to journald and log
/// shippers (JSON lines), where anyone who reads logs would have the whole cloud. Before, the first start logged it.
/// </summary>
public sealed class BootstrapLogTests : IDisposable
{
    private readonly CapturedLogs _logs = new();

    public void Dispose() => _logs.Dispose();

    [Fact]
    public async Task Given_a_first_start_Then_the_log_names_the_root_key_and_its_file_but_not_its_secret()
    {
        await using var app = new PlatformApp(logs: _logs);
        var root = app.RootCredentials;

        var created = Assert.Single(_logs.Entries, e => e.Message.Contains("Created the management account", StringComparison.Ordinal));
        Assert.Contains(root.AccessKeyId, created.Message, StringComparison.Ordinal);
        Assert.Contains("root-credentials.json", created.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_logs.Entries, e => e.Message.Contains(root.SecretAccessKey, StringComparison.Ordinal));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(app.DataDirectory, "root-credentials.json")));
    }
}
