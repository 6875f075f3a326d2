using System.Security.Cryptography.X509Certificates;
using Platform.Api.Hosting;

namespace Platform.Api.Tests.Hosting;

/// <summary>The platform CA on a real data directory, with the clock moved forward to where renewal is due.</summary>
public sealed class PlatformCertificateAuthorityTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("platform-ca-").FullName;
    private readonly MovableClock _clock = new();

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public void Given_a_certificate_issued_When_asked_again_Then_the_same_CA_and_certificate_come_back()
    {
        using var first = new PlatformCertificateAuthority(_data, _clock).ServerCertificate([]);
        using var again = new PlatformCertificateAuthority(_data, _clock).ServerCertificate([]);
        Assert.Equal(first.Thumbprint, again.Thumbprint);
        Assert.True(again.HasPrivateKey);
        Assert.True(ChainsTo(again, Path.Combine(_data, "ca.pem")));
    }

    [Fact]
    public void Given_a_certificate_within_30_days_of_expiry_When_asked_Then_a_new_one_from_the_same_CA_is_issued()
    {
        using var first = new PlatformCertificateAuthority(_data, _clock).ServerCertificate([]);
        var ca = File.ReadAllText(Path.Combine(_data, "ca.pem"));

        _clock.Now += TimeSpan.FromDays(360);
        using var notYet = new PlatformCertificateAuthority(_data, _clock).ServerCertificate([]);
        Assert.Equal(first.Thumbprint, notYet.Thumbprint);

        _clock.Now += TimeSpan.FromDays(10);
        using var renewed = new PlatformCertificateAuthority(_data, _clock).ServerCertificate([]);
        Assert.NotEqual(first.Thumbprint, renewed.Thumbprint);
        Assert.True(renewed.NotAfter.ToUniversalTime() > _clock.Now.UtcDateTime.AddDays(390));
        Assert.Equal(ca, File.ReadAllText(Path.Combine(_data, "ca.pem")));
        Assert.True(ChainsTo(renewed, Path.Combine(_data, "ca.pem")));
    }

    [Fact]
    public void Given_a_new_name_When_asked_Then_the_certificate_is_issued_again_for_it()
    {
        using var first = new PlatformCertificateAuthority(_data, _clock).ServerCertificate([]);
        using var named = new PlatformCertificateAuthority(_data, _clock).ServerCertificate(["api.example.org", "192.0.2.7"]);
        Assert.NotEqual(first.Thumbprint, named.Thumbprint);
        var names = named.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains("api.example.org", names.EnumerateDnsNames());
        Assert.Contains(System.Net.IPAddress.Parse("192.0.2.7"), names.EnumerateIPAddresses());
    }

    [Fact]
    public void Given_a_damaged_server_file_When_asked_Then_a_new_certificate_is_issued_and_the_CA_is_kept()
    {
        using var first = new PlatformCertificateAuthority(_data, _clock).ServerCertificate([]);
        var ca = File.ReadAllText(Path.Combine(_data, "ca.pem"));
        File.WriteAllText(Path.Combine(_data, "tls", "server.pem"), "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
        using var again = new PlatformCertificateAuthority(_data, _clock).ServerCertificate([]);
        Assert.NotEqual(first.Thumbprint, again.Thumbprint);
        Assert.Equal(ca, File.ReadAllText(Path.Combine(_data, "ca.pem")));
    }

    private static bool ChainsTo(X509Certificate2 certificate, string caPath)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificateFromFile(caPath));
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = certificate.NotBefore.AddMinutes(10);
        return chain.Build(certificate);
    }

    private sealed class MovableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
