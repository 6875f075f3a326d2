using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;

namespace Platform.Api.Tests.TestEngine;

/// <summary>
/// Signs each outgoing request with the AWS SDK for .NET's own SigV4 signer (AWSSDK.Core), so the
/// API is tested against a real client's signatures rather than our own idea of them.
/// </summary>
public sealed class SdkSigningHandler(TestCredentials credentials, string service, string region = "us-east-1") : DelegatingHandler
{
    /// <summary>Signs as if the request were made at this moment (clock skew tests); null signs with the current time.</summary>
    public DateTime? SignedAt { get; set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var sdkRequest = SdkRequests.From(request, service, body);
        var signer = new AWS4Signer();
        var config = SdkRequests.Config(service, region);
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
}

public static class SdkRequests
{
    /// <summary>A presigned URL made by the SDK's query signer, valid for <paramref name="expires"/> from <paramref name="signedAt"/>.</summary>
    public static string Presign(Uri baseAddress, string pathAndQuery, TestCredentials credentials, TimeSpan expires, DateTime? signedAt = null,
        string service = "iam", string region = "us-east-1")
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress, pathAndQuery));
        var request = From(message, service, body: null);
        request.Parameters["X-Amz-Expires"] = ((int)expires.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var result = AWS4PreSignedUrlSigner.SignRequest(request, Config(service, region), null, credentials.AccessKeyId, credentials.SecretAccessKey,
            service, region, signedAt ?? DateTime.UtcNow);
        var query = string.Join('&', request.Parameters
            .Where(p => !p.Key.StartsWith("X-Amz-", StringComparison.Ordinal) || p.Key == "X-Amz-Expires")
            .Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        var path = message.RequestUri!.AbsolutePath;
        return $"{path}?{(query.Length > 0 ? query + "&" : "")}{result.ForQueryParameters}";
    }

    internal static DefaultRequest From(HttpRequestMessage message, string service, byte[]? body)
    {
        var uri = message.RequestUri!;
        var request = new DefaultRequest(new NoParameters(), service)
        {
            HttpMethod = message.Method.Method,
            Endpoint = new Uri(uri.GetLeftPart(UriPartial.Authority)),
            ResourcePath = Uri.UnescapeDataString(uri.AbsolutePath),
            UseQueryString = true,
            AuthenticationRegion = "us-east-1",
            Content = body,
        };
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            request.Parameters[Uri.UnescapeDataString(parts[0])] = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "";
        }

        if (message.Content?.Headers.ContentType is { } contentType)
        {
            request.Headers["Content-Type"] = contentType.ToString();
        }

        return request;
    }

    internal static IClientConfig Config(string service, string region) =>
        new SigningConfig { AuthenticationRegion = region, AuthenticationServiceName = service, ServiceURL = "http://localhost/" };

    private sealed class NoParameters : AmazonWebServiceRequest;

    /// <summary>The least client configuration the SDK's signers need.</summary>
    private sealed class SigningConfig() : ClientConfig(null!)
    {
        public override string ServiceVersion => "2010-05-08";

        public override string UserAgent => "platform-tests";

        public override string RegionEndpointServiceName => "iam";

        public override Amazon.Runtime.Endpoints.Endpoint DetermineServiceOperationEndpoint(Amazon.Runtime.Endpoints.ServiceOperationEndpointParameters parameters) =>
            new(ServiceURL);
    }
}
