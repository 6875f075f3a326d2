using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Storage;

namespace Platform.Api.Hosting;

/// <summary>
/// The API's listeners: the native API's (<c>urls</c>, <c>https://127.0.0.1:8443</c> by default) and the S3 API's, both
/// HTTPS with the operator's certificate or one from the platform CA (<see cref="PlatformCertificateAuthority"/>).
/// Plain HTTP only on loopback and only when <see cref="TlsOptions.AllowPlainHttpOnLoopback"/> says so.
/// </summary>
internal static class PlatformTls
{
    public const string DefaultUrl = "https://127.0.0.1:8443";

    public static WebApplicationBuilder AddPlatformListeners(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var urls = configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } configured ? configured : DefaultUrl;
        // The S3 REST API listens beside the native API (path-style S3 needs the root of its own port).
        if (StorageModule.S3ListenUrl(configuration) is { } s3Url)
        {
            urls = $"{urls};{s3Url}";
        }

        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, urls);
        // Only Kestrel asks for its options: the in-memory test server neither checks the URLs nor makes a certificate.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var tls = configuration.GetSection(TlsOptions.SectionName).Get<TlsOptions>() ?? new TlsOptions();
            CheckListeners(urls, tls);
            var dataDirectory = configuration[$"{PlatformOptions.SectionName}:{nameof(PlatformOptions.DataDirectory)}"] ?? new PlatformOptions().DataDirectory;
            var certificates = new ServerCertificateSource(tls, () => CertificateNames(urls, tls), dataDirectory, TimeProvider.System);
            kestrel.ConfigureHttpsDefaults(https => https.ServerCertificateSelector = (_, _) => certificates.Current());
            // Kestrel's bare refusals get the API's error documents (ServerRefusals), on the decrypted stream: the endpoint's TLS
            // goes on first, here, so the refusals' middleware runs inside it (Kestrel adds TLS itself only to an endpoint without).
            var httpsPorts = HttpsPorts(urls);
            var s3Port = StorageModule.S3ListenUrl(configuration) is { } s3 ? BindingAddress.Parse(s3).Port : -1;
            var logger = kestrel.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger<ServerRefusals>();
            kestrel.ConfigureEndpointDefaults(endpoint =>
            {
                var port = endpoint.IPEndPoint?.Port ?? -1;
                if (httpsPorts.Contains(port))
                {
                    endpoint.UseHttps();
                }

                var refusals = new ServerRefusals(port == s3Port, logger);
                endpoint.Use(next => connection => refusals.OnConnectionAsync(connection, next));
            });
        });
        return builder;
    }

    /// <summary>The ports of the listeners that serve HTTPS.</summary>
    public static IReadOnlySet<int> HttpsPorts(string urls) => urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(BindingAddress.Parse)
        .Where(address => string.Equals(address.Scheme, "https", StringComparison.OrdinalIgnoreCase))
        .Select(address => address.Port)
        .ToHashSet();

    /// <summary>Refuses a plain HTTP listener unless the operator allowed it and it is on a loopback address.</summary>
    public static void CheckListeners(string urls, TlsOptions tls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var address = BindingAddress.Parse(url);
            if (string.Equals(address.Scheme, "https", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!tls.AllowPlainHttpOnLoopback)
            {
                throw new InvalidOperationException(
                    $"The listener {url} is plain HTTP: the API serves HTTPS only. Use https://, or set {TlsOptions.SectionName}:AllowPlainHttpOnLoopback=true for a loopback address.");
            }

            if (!IsLoopback(address.Host))
            {
                throw new InvalidOperationException(
                    $"The listener {url} is plain HTTP on a non-loopback address: {TlsOptions.SectionName}:AllowPlainHttpOnLoopback allows plain HTTP on loopback addresses only.");
            }
        }
    }

    /// <summary>
    /// The names an issued certificate is for beside localhost and the host name: <see cref="TlsOptions.Names"/>, the
    /// listeners' own addresses and names, and the machine's addresses (what other servers reach a 0.0.0.0 listener by).
    /// </summary>
    public static IReadOnlyCollection<string> CertificateNames(string urls, TlsOptions tls)
    {
        var names = new List<string>(tls.Names);
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var host = BindingAddress.Parse(url).Host.Trim('[', ']');
            if (host is not ("*" or "+" or "0.0.0.0" or "::" or ""))
            {
                names.Add(host);
            }
        }

        names.AddRange(System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(nic => nic.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
            .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .Where(address => !address.IsIPv6LinkLocal && !IPAddress.IsLoopback(address))
            .Select(address => address.ToString()));
        return names;
    }

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}

/// <summary>
/// The certificate the listeners present, looked at again every few minutes: an operator's files replaced on disk
/// and a platform-issued certificate close to expiry (renewed) take effect without a restart.
/// </summary>
internal sealed class ServerCertificateSource
{
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromMinutes(5);
    private readonly TlsOptions _tls;
    private readonly Func<IReadOnlyCollection<string>> _names;
    private readonly string _dataDirectory;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private volatile X509Certificate2 _current;
    private long _checkedAt;

    public ServerCertificateSource(TlsOptions tls, Func<IReadOnlyCollection<string>> names, string dataDirectory, TimeProvider clock)
    {
        _tls = tls;
        _names = names;
        _dataDirectory = dataDirectory;
        _clock = clock;
        // At start, so a bad operator certificate stops the API instead of failing each handshake.
        _current = Load();
        _checkedAt = clock.GetTimestamp();
    }

    public X509Certificate2 Current()
    {
        if (_clock.GetElapsedTime(Volatile.Read(ref _checkedAt)) < RecheckInterval)
        {
            return _current;
        }

        lock (_gate)
        {
            if (_clock.GetElapsedTime(Volatile.Read(ref _checkedAt)) >= RecheckInterval)
            {
                Volatile.Write(ref _checkedAt, _clock.GetTimestamp());
                try
                {
                    _current = Load();
                }
                catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException)
                {
                    // A file half replaced by the operator: keep serving the last good certificate and look again later.
                }
            }

            return _current;
        }
    }

    private X509Certificate2 Load()
    {
        if (_tls.CertificatePath is { Length: > 0 } certificatePath)
        {
            if (_tls.KeyPath is not { Length: > 0 } keyPath)
            {
                throw new InvalidOperationException($"{TlsOptions.SectionName}:CertificatePath is set but {TlsOptions.SectionName}:KeyPath is not.");
            }

            return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }

        return new PlatformCertificateAuthority(_dataDirectory, _clock).ServerCertificate(_names());
    }
}
