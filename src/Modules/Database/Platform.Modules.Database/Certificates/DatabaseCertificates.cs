using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Persistence;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Database.Certificates;

/// <summary>
/// The platform's database CA: a self-signed ECDSA P-256 certificate made once, on first need, and kept in the module's
/// table with its key encrypted under the platform key. Two replicas that make one at the same moment meet at the
/// table's key: the first insert wins and the other reads it, so every server certificate chains to the one CA tenants
/// download. Server certificates are issued per DB instance for its endpoint names.
/// </summary>
internal sealed class DatabaseCertificates(DatabaseDbContext db, ISecretProtector secrets, TimeProvider clock)
{
    public const string CaIdentifier = "platform-rds-ca-2026";
    private const string KeyContext = "rds-ca-key:" + CaIdentifier;

    public async Task<DatabaseCa> CaAsync(CancellationToken cancellationToken)
    {
        if (await db.CertificateAuthorities.AsNoTracking().SingleOrDefaultAsync(c => c.Identifier == CaIdentifier, cancellationToken) is { } stored)
        {
            return Open(stored);
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=Platform RDS CA ({CaIdentifier}), O=Platform", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = clock.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(40));
        var row = new DatabaseCertificateAuthority
        {
            Identifier = CaIdentifier,
            CertificatePem = certificate.ExportCertificatePem(),
            PrivateKeyProtected = secrets.Protect(key.ExportPkcs8PrivateKeyPem(), KeyContext),
            CreatedAt = now.UtcDateTime,
        };
        db.CertificateAuthorities.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return Open(row);
        }
        catch (DbUpdateException e) when (UniqueViolation.Is(e))
        {
            db.ChangeTracker.Clear();
            return Open(await db.CertificateAuthorities.AsNoTracking().SingleAsync(c => c.Identifier == CaIdentifier, cancellationToken));
        }
    }

    /// <summary>A server certificate for a DB instance's names (its endpoint address and identifier), valid for a year, and its key; PEM.</summary>
    public async Task<(string CertificatePem, string PrivateKeyPem, string CaCertificatePem)> IssueServerCertificateAsync(
        IReadOnlyList<string> dnsNames, CancellationToken cancellationToken)
    {
        var ca = await CaAsync(cancellationToken);
        using var caCertificate = X509Certificate2.CreateFromPem(ca.CertificatePem, ca.PrivateKeyPem);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsNames[0]}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            if (System.Net.IPAddress.TryParse(name, out var address))
            {
                names.AddIpAddress(address);
            }
            else
            {
                names.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = clock.GetUtcNow();
        using var certificate = request.Create(caCertificate, now.AddMinutes(-5), now.AddYears(1), RandomNumberGenerator.GetBytes(16));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), ca.CertificatePem);
    }

    private DatabaseCa Open(DatabaseCertificateAuthority row) =>
        new(row.Identifier, row.CertificatePem, secrets.Unprotect(row.PrivateKeyProtected, KeyContext));
}

internal sealed record DatabaseCa(string Identifier, string CertificatePem, string PrivateKeyPem);
