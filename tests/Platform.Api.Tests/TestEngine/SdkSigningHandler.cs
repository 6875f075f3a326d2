using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Platform.Tests.Common;

namespace Platform.Api.Tests.TestEngine;

/// <summary>
/// Signs each outgoing request with the AWS SDK for .NET's own SigV4 signer (AWSSDK.Core), so the
/// API is tested against a real client's signatures rather than our own idea of them.
/// </summary>
public sealed class SdkSigningHandler(TestCredentials credentials, string? service = null, string region = "us-east-1") : DelegatingHandler
{
    /// <summary>The service whose scope the request is signed for; null signs for the service the path belongs to.</summary>
    private string ServiceOf(HttpRequestMessage request) => service ?? SdkRequests.ServiceOf(request.RequestUri!);

    /// <summary>Signs as if the request were made at this moment (clock skew tests); null signs with the current time.</summary>
    public DateTime? SignedAt { get; set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Headers.TryGetValues("X-Amz-Content-SHA256", out var declared) && (declared.Single().StartsWith("STREAMING-", StringComparison.Ordinal) || declared.Single() == "UNSIGNED-PAYLOAD"))
        {
            SignDeclaredPayload(request, declared.Single());
            return await base.SendAsync(request, cancellationToken);
        }

        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var sdkRequest = SdkRequests.From(request, ServiceOf(request), body, region);
        // The x-amz-* headers the request carries are signed, as an SDK signs the ones it sends.
        foreach (var (name, values) in request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>()))
        {
            if (name.StartsWith("x-amz-", StringComparison.OrdinalIgnoreCase) && !name.Equals("x-amz-date", StringComparison.OrdinalIgnoreCase)
                && !name.Equals("x-amz-content-sha256", StringComparison.OrdinalIgnoreCase))
            {
                sdkRequest.Headers[name] = string.Join(',', values);
            }
        }

        var signer = new AWS4Signer();
        var config = AwsSdkSigning.Config(ServiceOf(request), region);
        var result = SignedAt is { } at
            ? signer.SignRequest(sdkRequest, config, null, credentials.AccessKeyId, credentials.SecretAccessKey, at)
            : signer.SignRequest(sdkRequest, config, null, credentials.AccessKeyId, credentials.SecretAccessKey);
        foreach (var name in new[] { "X-Amz-Date", "X-Amz-Content-SHA256" })
        {
            if (sdkRequest.Headers.TryGetValue(name, out var value))
            {
                request.Headers.Remove(name);
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        request.Headers.TryAddWithoutValidation("Authorization", result.ForAuthorizationHeader);
        return await base.SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// A request whose payload hash is one the SDK's request signer always replaces with its own (UNSIGNED-PAYLOAD, a streaming form such as
    /// STREAMING-UNSIGNED-PAYLOAD-TRAILER, whose body the test frames itself): the canonical request of a plain path with
    /// no query, host, x-amz-content-sha256 and x-amz-date signed, and the SDK's signature over it.
    /// </summary>
    private void SignDeclaredPayload(HttpRequestMessage request, string payloadHash)
    {
        var at = SignedAt ?? DateTime.UtcNow;
        var amzDate = at.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var uri = new Uri(new Uri("http://127.0.0.1:9000"), request.RequestUri!);
        var host = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}";
        request.Headers.Remove("X-Amz-Date");
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        // Every x-amz-* header the request carries is signed (the server refuses unsigned ones), with host.
        var signed = request.Headers.Where(h => h.Key.StartsWith("x-amz-", StringComparison.OrdinalIgnoreCase))
            .Select(h => (Name: h.Key.ToLowerInvariant(), Value: string.Join(',', h.Value.Select(v => v.Trim()))))
            .Append((Name: "host", Value: host)).OrderBy(h => h.Name, StringComparer.Ordinal).ToList();
        var signedHeaders = string.Join(';', signed.Select(h => h.Name));
        var canonical = $"{request.Method.Method}\n{uri.AbsolutePath}\n\n{string.Concat(signed.Select(h => $"{h.Name}:{h.Value}\n"))}\n{signedHeaders}\n{payloadHash}";
        var result = AWS4Signer.ComputeSignature(credentials.AccessKeyId, credentials.SecretAccessKey, region, at, ServiceOf(request), signedHeaders, canonical);
        request.Headers.TryAddWithoutValidation("Authorization", result.ForAuthorizationHeader);
    }
}

public static class SdkRequests
{
    /// <summary>A presigned URL made by the SDK's query signer, valid for <paramref name="expires"/> from <paramref name="signedAt"/>.</summary>
    public static string Presign(Uri baseAddress, string pathAndQuery, TestCredentials credentials, TimeSpan expires, DateTime? signedAt = null,
        string? service = null, string region = "us-east-1")
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress, pathAndQuery));
        service ??= ServiceOf(message.RequestUri!);
        var request = From(message, service, body: null, region);
        request.Parameters["X-Amz-Expires"] = ((int)expires.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var result = AWS4PreSignedUrlSigner.SignRequest(request, AwsSdkSigning.Config(service, region), null, credentials.AccessKeyId, credentials.SecretAccessKey,
            service, region, signedAt ?? DateTime.UtcNow);
        var query = string.Join('&', request.Parameters
            .Where(p => !p.Key.StartsWith("X-Amz-", StringComparison.Ordinal) || p.Key == "X-Amz-Expires")
            .Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        var path = message.RequestUri!.AbsolutePath;
        return $"{path}?{(query.Length > 0 ? query + "&" : "")}{result.ForQueryParameters}";
    }

    /// <summary>The service a native API path belongs to, as the API checks the signature's scope: EC2 holds VPC and EBS, as on AWS.</summary>
    public static string ServiceOf(Uri uri)
    {
        var path = uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString;
        return path.StartsWith("/api/v1/ec2", StringComparison.Ordinal) || path.StartsWith("/api/v1/vpc", StringComparison.Ordinal) ? "ec2"
            : path.StartsWith("/api/v1/s3", StringComparison.Ordinal) ? "s3"
            : path.StartsWith("/api/v1/cloudtrail", StringComparison.Ordinal) ? "cloudtrail"
            : path.StartsWith("/api/v1/rds", StringComparison.Ordinal) ? "rds"
            : path.StartsWith("/api/v1/autoscaling", StringComparison.Ordinal) ? "autoscaling"
            : path.StartsWith("/api/v1/cloudwatch", StringComparison.Ordinal) ? "monitoring"
            : path.StartsWith("/api/v1/elb", StringComparison.Ordinal) ? "elasticloadbalancing"
            : path.StartsWith("/api/v1/billing", StringComparison.Ordinal) ? "ce"
            : "iam";
    }

    internal static DefaultRequest From(HttpRequestMessage message, string service, byte[]? body, string region)
    {
        var uri = message.RequestUri!;
        return AwsSdkSigning.NewRequest(message.Method.Method, new Uri(uri.GetLeftPart(UriPartial.Authority)), Uri.UnescapeDataString(uri.AbsolutePath),
            AwsSdkSigning.DecodeQuery(uri.Query), body, message.Content?.Headers.ContentType?.ToString(), service, region);
    }
}
