using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace Platform.Api.Tests.TestEngine;

/// <summary>
/// The whole API in-process on a fresh SQLite database in its own data directory, as the README's
/// run command starts it. Several instances may share one data directory to act as restarts.
/// </summary>
public sealed class PlatformApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly CapturedLogs? _logs;

    /// <param name="logs">When given, receives every entry at Information and above (the console still gets Warning and above).</param>
    public PlatformApp(string? dataDirectory = null, bool runJobs = true, IDictionary<string, string?>? settings = null, CapturedLogs? logs = null)
    {
        _logs = logs;
        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("platform-test-").FullName;
        _settings = new Dictionary<string, string?>
        {
            ["Platform:DataDirectory"] = DataDirectory,
            ["Jobs:ServerEnabled"] = runJobs ? "true" : "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string DataDirectory { get; }

    public string DatabasePath => Path.Combine(DataDirectory, "platform.db");

    /// <summary>The management account's root key, as the first start wrote it.</summary>
    public TestCredentials RootCredentials
    {
        get
        {
            _ = Server; // starts the host, which bootstraps the account
            using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(DataDirectory, "root-credentials.json")));
            var root = document.RootElement;
            return new TestCredentials(root.GetProperty("access_key_id").GetString()!, root.GetProperty("secret_access_key").GetString()!,
                root.GetProperty("account_id").GetString()!);
        }
    }

    /// <summary>A client whose requests are signed by the AWS SDK's SigV4 signer with the given key.</summary>
    public HttpClient SignedClient(TestCredentials credentials, string? service = null) =>
        CreateDefaultClient(new SdkSigningHandler(credentials, service));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Warning);
            if (_logs is not null)
            {
                logging.AddProvider(_logs);
                logging.AddFilter<CapturedLogs>(null, LogLevel.Information);
            }
        });
    }
}

public sealed record TestCredentials(string AccessKeyId, string SecretAccessKey, string AccountId);
