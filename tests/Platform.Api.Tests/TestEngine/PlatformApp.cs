using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Modules.Shared.Hosting;

namespace Platform.Api.Tests.TestEngine;

/// <summary>
/// The whole API in-process on a fresh SQLite database in its own data directory, as the README's
/// run command starts it. Several instances may share one data directory to act as restarts.
/// A data directory without a database starts from a copy of one this process migrated once (<see cref="MigratedDatabase"/>).
/// </summary>
public sealed class PlatformApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly CapturedLogs? _logs;
    private readonly bool _freshDatabase;
    private readonly bool _migrationsOnly;

    /// <param name="logs">When given, receives every entry at Information and above (the console still gets Warning and above).</param>
    /// <param name="freshDatabase">The API migrates an empty database itself, instead of starting from the migrated copy.</param>
    public PlatformApp(string? dataDirectory = null, bool runJobs = true, IDictionary<string, string?>? settings = null, CapturedLogs? logs = null,
        bool freshDatabase = false)
        : this(dataDirectory, runJobs, settings, logs, freshDatabase, migrationsOnly: false)
    {
    }

    private PlatformApp(string? dataDirectory, bool runJobs, IDictionary<string, string?>? settings, CapturedLogs? logs, bool freshDatabase, bool migrationsOnly)
    {
        _logs = logs;
        _freshDatabase = freshDatabase;
        _migrationsOnly = migrationsOnly;
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

    /// <summary>An API that, started, only applies the modules' migrations to the database in the directory: the template's maker.</summary>
    internal static PlatformApp MigrationsOnly(string dataDirectory) =>
        new(dataDirectory, runJobs: false, settings: null, logs: null, freshDatabase: true, migrationsOnly: true);

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
        if (!_freshDatabase)
        {
            MigratedDatabase.CopyTo(_settings["Platform:DataDirectory"] ?? DataDirectory, _settings.Keys);
        }

        if (_migrationsOnly)
        {
            builder.ConfigureTestServices(services =>
            {
                var others = services.Where(d => d.ServiceType == typeof(IStartupTask)
                    && d.ImplementationType is not { IsGenericType: true, Name: "MigrateModuleDatabase`1" }).ToList();
                if (others.Count == services.Count(d => d.ServiceType == typeof(IStartupTask)))
                {
                    throw new InvalidOperationException("No MigrateModuleDatabase<> start-up task is registered: the template would be empty.");
                }

                foreach (var descriptor in others)
                {
                    services.Remove(descriptor);
                }
            });
        }

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
