using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Platform.Api.Tests.TestEngine;

/// <summary>
/// The API as operators run it: its own process on a loopback port (Kestrel, not the test server),
/// over a data directory that outlives the process so restarts can be tested.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ApiProcess(Process process, string dataDirectory, Uri baseAddress, Uri s3Address, string? caCertificatePath)
    {
        _process = process;
        DataDirectory = dataDirectory;
        BaseAddress = baseAddress;
        S3Address = s3Address;
        CaCertificatePath = caCertificatePath;
    }

    public string DataDirectory { get; }

    public Uri BaseAddress { get; }

    /// <summary>The S3 REST API's own listener (a free port of its own, so parallel processes never meet on 9000).</summary>
    public Uri S3Address { get; }

    /// <summary>The certificate clients trust (the platform CA's <c>ca.pem</c> or the operator's certificate); null over plain HTTP.</summary>
    public string? CaCertificatePath { get; }

    /// <param name="environment">Further settings as environment variables (<c>Storage__OrphanGracePeriod</c>, ...).</param>
    /// <param name="port">A fixed port, to restart the API where its agents expect it; a free one when null.</param>
    /// <param name="tls">
    /// Both listeners on HTTPS with the certificate the platform CA issues (as <c>./platform.sh up</c> runs it); otherwise
    /// plain HTTP on loopback, which the API allows only because the test says so (<c>Tls__AllowPlainHttpOnLoopback</c>).
    /// </param>
    /// <param name="operatorCertificate">PEM certificate and key the operator configures (<c>Tls:CertificatePath</c>/<c>KeyPath</c>): HTTPS with them.</param>
    public static async Task<ApiProcess> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string>? environment = null, int? port = null,
        bool tls = false, (string CertificatePath, string KeyPath)? operatorCertificate = null)
    {
        // A data directory without a database starts from the migrated copy, as PlatformApp's do (the process still migrates).
        MigratedDatabase.CopyTo(dataDirectory, environment?.Keys ?? []);
        port ??= FreePort();
        var s3Port = FreePort();
        var scheme = tls || operatorCertificate is not null ? "https" : "http";
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Platform.Api.dll"), "--urls", $"{scheme}://127.0.0.1:{port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["Platform__DataDirectory"] = dataDirectory;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Storage__S3__Url"] = $"{scheme}://127.0.0.1:{s3Port}";
        if (scheme == "http")
        {
            start.Environment["Tls__AllowPlainHttpOnLoopback"] = "true";
        }

        if (operatorCertificate is { } certificate)
        {
            start.Environment["Tls__CertificatePath"] = certificate.CertificatePath;
            start.Environment["Tls__KeyPath"] = certificate.KeyPath;
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Keep(string? line)
        {
            if (line is not null && output.Count < 200)
            {
                output.Enqueue(line);
            }
        }

        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var ca = scheme == "http" ? null : operatorCertificate?.CertificatePath ?? Path.Combine(dataDirectory, "ca.pem");
        var api = new ApiProcess(process, dataDirectory, new Uri($"{scheme}://127.0.0.1:{port}"), new Uri($"{scheme}://127.0.0.1:{s3Port}"), ca);
        using var client = new HttpClient(api.CreateHandler()) { BaseAddress = api.BaseAddress };
        // A first start (even from the migrated copy) takes seconds on an idle machine, over 30 s on a loaded one.
        var deadline = DateTime.UtcNow.AddSeconds(240);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                if ((await client.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK)
                {
                    return api;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet (or, over TLS, ca.pem not written yet when the handler was made: it reads it per handshake).
            }

            await Task.Delay(200);
        }

        var exited = process.HasExited ? $"it exited with code {process.ExitCode}" : "it still ran";
        await api.DisposeAsync();
        throw new InvalidOperationException($"The API process did not become ready within 240 s ({exited}); its first lines:\n{string.Join('\n', output)}");
    }

    /// <summary>A handler that trusts <see cref="CaCertificatePath"/> alone (as the HostAgent does), or a plain one over HTTP.</summary>
    public HttpClientHandler CreateHandler()
    {
        var handler = new HttpClientHandler();
        if (CaCertificatePath is { } path)
        {
            handler.ServerCertificateCustomValidationCallback = (_, certificate, chain, errors) =>
            {
                var authorities = new X509Certificate2Collection();
                authorities.ImportFromPemFile(path);
                return Platform.HostAgent.Agent.AgentTls.IsTrusted(certificate, chain, errors, authorities);
            };
        }

        return handler;
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
