namespace Platform.Api.Hosting;

/// <summary>How the API's listeners speak TLS (section <c>Tls</c>; environment <c>Tls__CertificatePath</c>, …).</summary>
internal sealed class TlsOptions
{
    public const string SectionName = "Tls";

    /// <summary>The operator's certificate (PEM, with its chain); empty: the platform CA issues one.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The operator certificate's private key (PEM); with <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }

    /// <summary>
    /// Further DNS names and IP addresses the issued server certificate is valid for, beside localhost, 127.0.0.1, ::1
    /// and the machine's host name (the names other servers and clients reach the API by).
    /// </summary>
    public string[] Names { get; set; } = [];

    /// <summary>Lets a listener on a loopback address speak plain HTTP; any other plain HTTP listener stops the API.</summary>
    public bool AllowPlainHttpOnLoopback { get; set; }
}
