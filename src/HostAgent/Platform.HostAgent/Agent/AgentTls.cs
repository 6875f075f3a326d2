using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Platform.HostAgent.Agent;

/// <summary>
/// The agent's channel to the API: HTTPS, the API's certificate checked against the pinned CA
/// (<see cref="AgentOptions.ApiCaCertificate"/>) alone; plain HTTP only to a loopback API and only when allowed.
/// </summary>
public static class AgentTls
{
    /// <summary>Why the agent must not dial <see cref="AgentOptions.ApiUrl"/>, or null when it may.</summary>
    public static string? Problem(AgentOptions options)
    {
        if (!Uri.TryCreate(options.ApiUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            return $"Agent:ApiUrl '{options.ApiUrl}' is not an https:// URL.";
        }

        if (url.Scheme == Uri.UriSchemeHttp && !(options.AllowPlainHttpOnLoopback && url.IsLoopback))
        {
            return $"Agent:ApiUrl '{options.ApiUrl}' is plain HTTP: the agent talks to the API over HTTPS only (Agent:AllowPlainHttpOnLoopback=true allows http:// to a loopback address).";
        }

        if (options.ApiCaCertificate is { Length: > 0 } path && !File.Exists(path))
        {
            return $"Agent:ApiCaCertificate '{path}' does not exist.";
        }

        return null;
    }

    /// <summary>The handler under the agent's HttpClient: with a pinned CA, a certificate chaining to anything else fails the handshake.</summary>
    public static SocketsHttpHandler Handler(AgentOptions options)
    {
        var handler = new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None };
        if (options.ApiCaCertificate is { Length: > 0 } path)
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(path);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => IsTrusted(certificate, chain, errors, authorities);
        }

        return handler;
    }

    public static bool IsTrusted(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection authorities)
    {
        // A name mismatch or no certificate fails whatever the chain; the chain is judged below, against the pinned CA only.
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
