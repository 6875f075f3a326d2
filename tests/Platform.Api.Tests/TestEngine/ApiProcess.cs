using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Platform.Api.Tests.TestEngine;

/// <summary>
/// The API as operators run it: its own process on a loopback port (Kestrel, not the test server),
/// over a data directory that outlives the process so restarts can be tested.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ApiProcess(Process process, string dataDirectory, Uri baseAddress, Uri s3Address)
    {
        _process = process;
        DataDirectory = dataDirectory;
        BaseAddress = baseAddress;
        S3Address = s3Address;
    }

    public string DataDirectory { get; }

    public Uri BaseAddress { get; }

    /// <summary>The S3 REST API's own listener (a free port of its own, so parallel processes never meet on 9000).</summary>
    public Uri S3Address { get; }

    /// <param name="environment">Further settings as environment variables (<c>Storage__OrphanGracePeriod</c>, ...).</param>
    /// <param name="port">A fixed port, to restart the API where its agents expect it; a free one when null.</param>
    /// <param name="s3Certificate">PEM certificate and key: the S3 listener speaks HTTPS with them (clients behave differently over TLS).</param>
    public static async Task<ApiProcess> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string>? environment = null, int? port = null,
        (string CertificatePath, string KeyPath)? s3Certificate = null)
    {
        port ??= FreePort();
        var s3Port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Platform.Api.dll"), "--urls", $"http://127.0.0.1:{port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["Platform__DataDirectory"] = dataDirectory;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var s3Scheme = s3Certificate is null ? "http" : "https";
        start.Environment["Storage__S3__Url"] = $"{s3Scheme}://127.0.0.1:{s3Port}";
        if (s3Certificate is { } certificate)
        {
            start.Environment["Kestrel__Certificates__Default__Path"] = certificate.CertificatePath;
            start.Environment["Kestrel__Certificates__Default__KeyPath"] = certificate.KeyPath;
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var api = new ApiProcess(process, dataDirectory, new Uri($"http://127.0.0.1:{port}"), new Uri($"{s3Scheme}://127.0.0.1:{s3Port}"));
        using var client = new HttpClient { BaseAddress = api.BaseAddress };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                if ((await client.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK)
                {
                    return api;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        await api.DisposeAsync();
        throw new InvalidOperationException("The API process did not become ready within 60 s.");
    }

    public TestCredentials RootCredentials()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(DataDirectory, "root-credentials.json")));
        var root = document.RootElement;
        return new TestCredentials(root.GetProperty("access_key_id").GetString()!, root.GetProperty("secret_access_key").GetString()!,
            root.GetProperty("account_id").GetString()!);
    }

    /// <summary>Ends the process abruptly, as a crash would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
