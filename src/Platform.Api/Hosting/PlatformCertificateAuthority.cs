using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Platform.Modules.Shared.Hosting;

namespace Platform.Api.Hosting;

/// <summary>
/// The platform's own CA, made once under the data directory, and the API's server certificate it signs.
/// <list type="bullet">
/// <item><c>tls/ca.key.pem</c> (0600): the CA's ECDSA P-256 key and certificate, valid 20 years;</item>
/// <item><c>ca.pem</c> (0644): the CA certificate alone, the file clients trust (<c>curl --cacert</c>, <c>aws --ca-bundle</c>,
/// the HostAgent's <c>Agent:ApiCaCertificate</c>);</item>
/// <item><c>tls/server.pem</c> (0600): the server's key and certificate, valid 397 days, for localhost, 127.0.0.1, ::1, the
/// host name and the names it is given (<see cref="PlatformTls.CertificateNames"/>); issued again 30 days before it expires
/// or when a name is missing from it.</item>
/// </list>
/// Each file is written whole (temporary file, fsync, rename), so a crash leaves the old file or the new one.
/// </summary>
internal sealed class PlatformCertificateAuthority(string dataDirectory, TimeProvider clock)
{
    public const string PublicCaFileName = "ca.pem";
    private static readonly TimeSpan CaLifetime = TimeSpan.FromDays(20 * 365);
    private static readonly TimeSpan ServerLifetime = TimeSpan.FromDays(397);
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    private string CaKeyPath => Path.Combine(dataDirectory, "tls", "ca.key.pem");

    private string ServerPath => Path.Combine(dataDirectory, "tls", "server.pem");

    public string PublicCaPath => Path.Combine(dataDirectory, PublicCaFileName);

    /// <summary>The CA, made when there is none; two processes starting at once end with the same one.</summary>
    public X509Certificate2 Authority()
    {
        if (!File.Exists(CaKeyPath))
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN=Platform CA ({Dns.GetHostName()}), O=Platform", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            var now = clock.GetUtcNow();
            using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(CaLifetime));
            // The first rename wins; a process that lost the race reads the winner's CA below.
            PrivateFile.Write(CaKeyPath, Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem() + "\n" + certificate.ExportCertificatePem() + "\n"), overwrite: false);
        }

        var pem = File.ReadAllText(CaKeyPath);
        var authority = X509Certificate2.CreateFromPem(pem, pem);
        Publish(authority);
        return authority;
    }

    /// <summary>The server certificate for <paramref name="names"/>, issued when missing, due for renewal or for other names.</summary>
    public X509Certificate2 ServerCertificate(IReadOnlyCollection<string> names)
    {
        using var authority = Authority();
        var wanted = WantedNames(names);
        if (File.Exists(ServerPath))
        {
            try
            {
                var pem = File.ReadAllText(ServerPath);
                var existing = X509Certificate2.CreateFromPem(pem, pem);
                if (IsCurrent(existing, authority, wanted))
                {
                    return existing;
                }

                existing.Dispose();
            }
            catch (CryptographicException)
            {
                // Unreadable: issue a new one below.
            }
        }

        var issued = Issue(authority, wanted);
        PrivateFile.Write(ServerPath, Encoding.ASCII.GetBytes(issued.Pem), overwrite: true);
        return issued.Certificate;
    }

    private bool IsCurrent(X509Certificate2 certificate, X509Certificate2 authority, SortedSet<string> wanted)
    {
        if (certificate.NotAfter.ToUniversalTime() - clock.GetUtcNow().UtcDateTime < RenewBefore || certificate.Issuer != authority.Subject)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = clock.GetUtcNow().UtcDateTime;
        if (!chain.Build(certificate))
        {
            return false;
        }

        var present = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        if (certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault() is { } extension)
        {
            present.UnionWith(extension.EnumerateDnsNames());
            present.UnionWith(extension.EnumerateIPAddresses().Select(ip => ip.ToString()));
        }

        return present.IsSupersetOf(wanted);
    }

    private (X509Certificate2 Certificate, string Pem) Issue(X509Certificate2 authority, SortedSet<string> names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={Dns.GetHostName()}, O=Platform", key, HashAlgorithmName.SHA256);
        var alternativeNames = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var address))
            {
                alternativeNames.AddIpAddress(address);
            }
            else
            {
                alternativeNames.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(alternativeNames.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        var now = clock.GetUtcNow();
        var notAfter = now.Add(ServerLifetime) < authority.NotAfter ? now.Add(ServerLifetime) : new DateTimeOffset(authority.NotAfter.ToUniversalTime());
        using var signed = request.Create(authority, now.AddMinutes(-5), notAfter, RandomNumberGenerator.GetBytes(16));
        var pem = key.ExportPkcs8PrivateKeyPem() + "\n" + signed.ExportCertificatePem() + "\n";
        return (X509Certificate2.CreateFromPem(pem, pem), pem);
    }

    private static SortedSet<string> WantedNames(IEnumerable<string> configured)
    {
        var names = new SortedSet<string>(StringComparer.OrdinalIgnoreCase) { "localhost", "127.0.0.1", "::1", Dns.GetHostName() };
        foreach (var name in configured.Where(name => name.Length > 0))
        {
            names.Add(IPAddress.TryParse(name, out var address) ? address.ToString() : name);
        }

        return names;
    }

    /// <summary>Keeps the world-readable copy of the CA certificate equal to the CA (written again only when it differs).</summary>
    private void Publish(X509Certificate2 authority)
    {
        var pem = authority.ExportCertificatePem() + "\n";
        if (File.Exists(PublicCaPath) && File.ReadAllText(PublicCaPath) == pem)
        {
            return;
        }

        PrivateFile.Write(PublicCaPath, Encoding.ASCII.GetBytes(pem), overwrite: true);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(PublicCaPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }
}
