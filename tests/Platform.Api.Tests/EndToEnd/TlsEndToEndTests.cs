using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.EndToEnd;

/// <summary>
/// TLS by default, against the API as its own process: started as <c>./platform.sh up</c> starts it (no TLS settings),
/// both listeners speak HTTPS only with a certificate from the platform CA it makes once; curl with <c>--cacert</c> and
/// Debian's aws CLI with <c>--ca-bundle</c> work against it; the HostAgent enrols only with an API whose certificate
/// chains to its pinned CA; an operator's certificate is served when configured; plain HTTP listeners are refused.
/// </summary>
[Collection(MachineCollection.Name)]
public sealed class TlsEndToEndTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("platform-tls-").FullName;
    private ApiProcess _api = null!;

    public async Task InitializeAsync() => _api = await ApiProcess.StartAsync(Path.Combine(_work, "data"), tls: true);

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Given_no_TLS_settings_When_the_API_starts_Then_both_listeners_speak_HTTPS_only_with_a_certificate_from_the_platform_CA_it_keeps()
    {
        var ca = Path.Combine(_api.DataDirectory, "ca.pem");
        Assert.Equal("-rw-r--r--", Mode(ca));
        Assert.Equal("-rw-------", Mode(Path.Combine(_api.DataDirectory, "tls", "ca.key.pem")));
        Assert.Equal("-rw-------", Mode(Path.Combine(_api.DataDirectory, "tls", "server.pem")));

        foreach (var address in new[] { _api.BaseAddress, _api.S3Address })
        {
            // Trusting ca.pem alone, the name 127.0.0.1 checked: the handshake succeeds and the request is answered.
            var (status, _) = await CurlAsync("--cacert", ca, "-o", "/dev/null", "-w", "%{http_code}", new Uri(address, "/readyz").ToString());
            Assert.Equal(0, status);

            // Without the CA, curl refuses the certificate (60: peer certificate cannot be authenticated).
            var (untrusted, _) = await CurlAsync("-o", "/dev/null", new Uri(address, "/readyz").ToString());
            Assert.Equal(60, untrusted);

            // Plain HTTP to the same port gets no HTTP answer (52: empty reply; the TLS listener drops it).
            var (plain, output) = await CurlAsync("-o", "/dev/null", "-w", "%{http_code}", $"http://{address.Authority}/readyz");
            Assert.NotEqual(0, plain);
            Assert.StartsWith("000", output, StringComparison.Ordinal);
        }

        // The name the server certificate is for includes the machine's host name, and it is signed by the published CA.
        var presented = await PresentedCertificateAsync(_api.BaseAddress);
        var authority = X509CertificateLoader.LoadCertificateFromFile(ca);
        Assert.Equal(authority.Subject, presented.Issuer);
        var names = presented.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains(Dns.GetHostName(), names.EnumerateDnsNames());
        Assert.Contains(IPAddress.Loopback, names.EnumerateIPAddresses());

        // A restart keeps the CA and the server certificate (clients and agents keep trusting it).
        var port = _api.BaseAddress.Port;
        await _api.DisposeAsync();
        _api = await ApiProcess.StartAsync(_api.DataDirectory, port: port, tls: true);
        Assert.Equal(authority.Thumbprint, X509CertificateLoader.LoadCertificateFromFile(ca).Thumbprint);
        Assert.Equal(presented.Thumbprint, (await PresentedCertificateAsync(_api.BaseAddress)).Thumbprint);
    }

    [Fact]
    public async Task Given_the_platform_CA_When_curl_signs_with_cacert_and_the_aws_CLI_uses_ca_bundle_Then_the_README_calls_work()
    {
        var ca = Path.Combine(_api.DataDirectory, "ca.pem");
        var root = _api.RootCredentials();
        var (status, body) = await CurlAsync("--cacert", ca, "-f", "--aws-sigv4", "aws:amz:us-east-1:iam", "--user", $"{root.AccessKeyId}:{root.SecretAccessKey}",
            new Uri(_api.BaseAddress, "/api/v1/iam/users").ToString());
        Assert.True(status == 0, body);
        Assert.Contains("\"users\"", body, StringComparison.Ordinal);

        await AwsCli.RunAsync(AwsCli.Debian, _api, _work, null, "--ca-bundle", ca, "s3", "mb", "s3://tls-bucket");
        var file = Path.Combine(_work, "hello.txt");
        await File.WriteAllTextAsync(file, "over TLS");
        await AwsCli.RunAsync(AwsCli.Debian, _api, _work, null, "--ca-bundle", ca, "s3", "cp", file, "s3://tls-bucket/hello.txt");
        var (listing, _) = await AwsCli.RunAsync(AwsCli.Debian, _api, _work, new Dictionary<string, string> { ["AWS_CA_BUNDLE"] = ca }, "s3", "ls", "s3://tls-bucket");
        Assert.Contains("hello.txt", listing, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_an_agent_pinned_to_another_CA_When_it_dials_the_API_Then_it_does_not_enrol_and_with_the_platform_CA_it_does()
    {
        using var client = new HttpClient(new SdkSigningHandler(_api.RootCredentials()) { InnerHandler = _api.CreateHandler() }) { BaseAddress = _api.BaseAddress };
        var token = (await (await client.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { })).AssertOkAsync()).GetProperty("join_token").GetString()!;

        // A CA of the attacker's that has issued a certificate for 127.0.0.1 too is no use: the agent trusts its pinned CA only.
        var otherCa = Path.Combine(_work, "other-ca.pem");
        await File.WriteAllTextAsync(otherCa, OtherAuthority().ExportCertificatePem());
        var wrongState = Path.Combine(_work, "agent-wrong");
        await using (var wrong = AgentProcess.Start(AgentSettings(token, wrongState, otherCa)))
        {
            await Task.Delay(TimeSpan.FromSeconds(8));
            Assert.False(File.Exists(Path.Combine(wrongState, "credential.json")), wrong.Output);
            Assert.Contains("SSL", wrong.Output, StringComparison.OrdinalIgnoreCase);
        }

        // The system trust store does not know the platform CA either.
        var unpinnedState = Path.Combine(_work, "agent-unpinned");
        await using (var unpinned = AgentProcess.Start(AgentSettings(token, unpinnedState, null)))
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            Assert.False(File.Exists(Path.Combine(unpinnedState, "credential.json")), unpinned.Output);
        }

        // The same token still works (it was never presented to the API): with the platform CA the agent enrols.
        var rightState = Path.Combine(_work, "agent-right");
        await using var right = AgentProcess.Start(AgentSettings(token, rightState, Path.Combine(_api.DataDirectory, "ca.pem")));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(Path.Combine(rightState, "credential.json")) && DateTime.UtcNow < deadline && !right.HasExited)
        {
            await Task.Delay(200);
        }

        Assert.True(File.Exists(Path.Combine(rightState, "credential.json")), right.Output);
    }

    [Fact]
    public async Task Given_a_plain_HTTP_API_URL_When_the_agent_starts_without_the_loopback_option_Then_it_refuses_to_dial_it()
    {
        await using var agent = AgentProcess.Start(new Dictionary<string, string>
        {
            ["Agent__ApiUrl"] = "http://127.0.0.1:1/",
            ["Agent__AllowPlainHttpOnLoopback"] = "false",
            ["Agent__StateDirectory"] = Path.Combine(_work, "agent-http"),
            ["Agent__LibvirtUri"] = "test:///default",
        });
        var exit = await WaitForExitAsync(agent);
        Assert.Equal(1, exit);
        Assert.Contains("plain HTTP", agent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_an_operator_certificate_When_the_API_starts_with_it_Then_it_serves_that_certificate_and_makes_no_CA()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=api.operator.test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("api.operator.test");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Path.Combine(_work, "operator.crt");
        var keyPath = Path.Combine(_work, "operator.key");
        await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());

        var data = Path.Combine(_work, "operator-data");
        await using var api = await ApiProcess.StartAsync(data, operatorCertificate: (certificatePath, keyPath));
        Assert.Equal(certificate.Thumbprint, (await PresentedCertificateAsync(api.BaseAddress)).Thumbprint);
        Assert.Equal(certificate.Thumbprint, (await PresentedCertificateAsync(api.S3Address)).Thumbprint);
        Assert.False(File.Exists(Path.Combine(data, "ca.pem")));
    }

    [Theory]
    [InlineData("http://127.0.0.1:{0}", "false", "serves HTTPS only")]
    [InlineData("http://0.0.0.0:{0}", "true", "non-loopback")]
    public async Task Given_a_plain_HTTP_listener_When_it_is_not_allowed_Then_the_API_does_not_start_and_says_why(string url, string allowLoopback, string message)
    {
        var port = ApiProcess.FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Platform.Api.dll"), "--urls", string.Format(System.Globalization.CultureInfo.InvariantCulture, url, port) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["Platform__DataDirectory"] = Path.Combine(_work, "refused");
        start.Environment["Storage__S3__Url"] = $"https://127.0.0.1:{ApiProcess.FreePort()}";
        start.Environment["Tls__AllowPlainHttpOnLoopback"] = allowLoopback;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains(message, await output + await error, StringComparison.Ordinal);
    }

    private Dictionary<string, string> AgentSettings(string token, string state, string? ca)
    {
        var settings = new Dictionary<string, string>
        {
            ["Agent__ApiUrl"] = _api.BaseAddress.ToString(),
            ["Agent__JoinToken"] = token,
            ["Agent__StateDirectory"] = state,
            ["Agent__LibvirtUri"] = "test:///default",
            ["Agent__HostName"] = "tls-server",
        };
        if (ca is not null)
        {
            settings["Agent__ApiCaCertificate"] = ca;
        }

        return settings;
    }

    /// <summary>Another CA, and a certificate it issued for 127.0.0.1, as someone in the middle would have.</summary>
    private static X509Certificate2 OtherAuthority()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Platform CA (impostor)", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static async Task<X509Certificate2> PresentedCertificateAsync(Uri address)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        X509Certificate2? presented = null;
        await using var tls = new System.Net.Security.SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            // Only records what the server presents; the tests compare it with what it should be.
            presented = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return presented is not null;
        });
        await tls.AuthenticateAsClientAsync(address.Host);
        return presented!;
    }

    private static async Task<int> WaitForExitAsync(AgentProcess agent)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!agent.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.True(agent.HasExited, agent.Output);
        return agent.ExitCode;
    }

    private static string Mode(string path)
    {
        var mode = File.GetUnixFileMode(path);
        var bits = "rwxrwxrwx";
        return "-" + string.Concat(bits.Select((c, i) => ((int)mode & (1 << (8 - i))) != 0 ? c : '-'));
    }

    private static async Task<(int Status, string Output)> CurlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-sS");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}
