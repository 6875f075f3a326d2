using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Database.Certificates;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Database.Tests.Certificates;

/// <summary>The database CA: one, whoever asks first and however many ask at once; server certificates chain to it.</summary>
public sealed class DatabaseCertificatesTests : IDisposable
{
    private readonly ModuleDatabaseFile _database = new();
    private readonly AesGcmSecretProtector _secrets = new AesGcmSecretProtector(Options.Create(new PlatformOptions { MasterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }));

    [Fact]
    public async Task Given_two_replicas_asking_at_once_Then_there_is_one_CA_and_its_key_is_stored_encrypted()
    {
        var cas = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var db = _database.Open();
            return await new DatabaseCertificates(db, _secrets, TimeProvider.System).CaAsync(CancellationToken.None);
        }));
        Assert.Single(cas.Select(c => c.CertificatePem).Distinct());

        await using var check = _database.Open();
        var row = await check.CertificateAuthorities.SingleAsync();
        Assert.DoesNotContain("PRIVATE KEY", row.PrivateKeyProtected, StringComparison.Ordinal);
        using var ca = X509Certificate2.CreateFromPem(row.CertificatePem);
        Assert.True(ca.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
    }

    [Fact]
    public async Task Given_a_server_certificate_Then_it_chains_to_the_CA_and_names_the_endpoint()
    {
        await using var db = _database.Open();
        var certificates = new DatabaseCertificates(db, _secrets, TimeProvider.System);
        var (certificatePem, keyPem, caPem) = await certificates.IssueServerCertificateAsync(["orders.db.internal", "10.0.1.5"], CancellationToken.None);

        using var server = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        using var ca = X509Certificate2.CreateFromPem(caPem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(server), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.True(server.MatchesHostname("orders.db.internal"));
        Assert.True(server.HasPrivateKey);

        // A CA of another platform does not vouch for it.
        using var otherDatabase = new ModuleDatabaseFile();
        await using var otherDb = otherDatabase.Open();
        var other = await new DatabaseCertificates(otherDb, _secrets, TimeProvider.System).CaAsync(CancellationToken.None);
        using var otherChain = new X509Chain();
        otherChain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        otherChain.ChainPolicy.CustomTrustStore.Add(X509Certificate2.CreateFromPem(other.CertificatePem));
        otherChain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.False(otherChain.Build(server));
    }

    public void Dispose() => _database.Dispose();
}
