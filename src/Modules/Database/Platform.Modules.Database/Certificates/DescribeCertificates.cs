using System.Security.Cryptography.X509Certificates;
using Mediator;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.Certificates;

/// <summary>RDS's Certificate shape: the CA a DB instance's server certificate chains to.</summary>
internal sealed record CertificateResponse(
    string CertificateIdentifier,
    string CertificateType,
    string Thumbprint,
    DateTime ValidFrom,
    DateTime ValidTill,
    string CertificateArn,
    bool CustomerOverride,
    string CertificatePem);

internal sealed record CertificatesResponse(IReadOnlyList<CertificateResponse> Certificates);

/// <summary>DescribeCertificates: the platform's database CA, with its PEM so a client can verify the server (psql's sslrootcert).</summary>
internal sealed record DescribeCertificates(string Region) : IRequest<CertificatesResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:DescribeCertificates", Arns.Build("rds", Region, caller.AccountId, $"cert:{DatabaseCertificates.CaIdentifier}"));
}

internal sealed class DescribeCertificatesHandler(DatabaseCertificates certificates) : IRequestHandler<DescribeCertificates, CertificatesResponse>
{
    public async ValueTask<CertificatesResponse> Handle(DescribeCertificates request, CancellationToken cancellationToken)
    {
        var ca = await certificates.CaAsync(cancellationToken);
        using var certificate = X509Certificate2.CreateFromPem(ca.CertificatePem);
        return new CertificatesResponse([new CertificateResponse(
            ca.Identifier,
            "CA",
            certificate.Thumbprint,
            certificate.NotBefore.ToUniversalTime(),
            certificate.NotAfter.ToUniversalTime(),
            Arns.Build("rds", request.Region, "", $"cert:{ca.Identifier}"),
            CustomerOverride: false,
            ca.CertificatePem)]);
    }
}
