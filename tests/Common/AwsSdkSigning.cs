using Amazon.Runtime;
using Amazon.Runtime.Internal;

namespace Platform.Tests.Common;

/// <summary>
/// What the AWS SDK for .NET's own signers (AWSSDK.Core) need to sign a request outside a service
/// client. Shared, as a linked source file, by the test projects that check our verifier against them.
/// </summary>
internal static class AwsSdkSigning
{
    public static IClientConfig Config(string service, string region = "us-east-1") =>
        new SigningConfig { AuthenticationRegion = region, AuthenticationServiceName = service, ServiceURL = "http://localhost/" };

    /// <param name="path">The path decoded; the SDK encodes it as its clients do.</param>
    public static DefaultRequest NewRequest(string method, Uri endpoint, string path, IEnumerable<KeyValuePair<string, string>> query,
        byte[]? body, string? contentType, string service, string region = "us-east-1")
    {
        var request = new DefaultRequest(new NoParameters(), service)
        {
            HttpMethod = method,
            Endpoint = endpoint,
            ResourcePath = path,
            UseQueryString = true,
            AuthenticationRegion = region,
            Content = body,
        };
        // A repeated name (?type=a&type=b) is a list to the SDK; a plain assignment would keep only the last.
        foreach (var group in query.GroupBy(p => p.Key, StringComparer.Ordinal))
        {
            var values = group.Select(p => p.Value).ToList();
            if (values.Count == 1)
            {
                request.Parameters[group.Key] = values[0];
            }
            else
            {
                request.ParameterCollection.Add(group.Key, values);
            }
        }

        if (contentType is not null)
        {
            request.Headers["Content-Type"] = contentType;
        }

        return request;
    }

    /// <summary>Name=value pairs of a query string, decoded.</summary>
    public static IEnumerable<KeyValuePair<string, string>> DecodeQuery(string query) =>
        query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Select(pair =>
        {
            var parts = pair.Split('=', 2);
            return new KeyValuePair<string, string>(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
        });

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
