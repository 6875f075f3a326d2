using Amazon.Runtime;
using Amazon.S3;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>AWS SDK for .NET S3 clients aimed at the S3 listener of an in-process API (the test server) or a real one.</summary>
public static class S3Clients
{
    /// <summary>Where the in-process API's S3 listener is addressed: the test server tells S3 requests by this port.</summary>
    public static readonly Uri TestServerEndpoint = new("http://127.0.0.1:9000");

    public static AmazonS3Client For(PlatformApp app, TestCredentials credentials, string region = "us-east-1") =>
        new(new BasicAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey), Config(TestServerEndpoint, new TestServerHttpClientFactory(app), region));

    /// <summary>A client that addresses buckets as hosts (<c>{bucket}.{domain}</c>), for an API whose Storage:S3:BaseDomain is that domain.</summary>
    public static AmazonS3Client VirtualHosted(PlatformApp app, TestCredentials credentials, string domain)
    {
        var config = Config(new Uri($"http://{domain}:9000"), new TestServerHttpClientFactory(app));
        config.ForcePathStyle = false;
        return new(new BasicAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey), config);
    }

    /// <summary>A path-style client of the in-process API addressed at another host and port (the native API's listener, as a database guest names it).</summary>
    public static AmazonS3Client At(PlatformApp app, TestCredentials credentials, Uri endpoint) =>
        new(new BasicAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey), Config(endpoint, new TestServerHttpClientFactory(app)));

    public static AmazonS3Client Anonymous(PlatformApp app) =>
        new(new AnonymousAWSCredentials(), Config(TestServerEndpoint, new TestServerHttpClientFactory(app)));

    public static AmazonS3Client For(Uri endpoint, TestCredentials credentials) =>
        new(new BasicAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey), Config(endpoint, null));

    /// <summary>A plain HTTP client into the in-process API's S3 listener, for requests the SDK will not make (bad signatures, raw bodies).</summary>
    public static HttpClient RawClient(PlatformApp app)
    {
        var client = app.CreateDefaultClient(TestServerEndpoint);
        return client;
    }

    private static AmazonS3Config Config(Uri endpoint, HttpClientFactory? factory, string region = "us-east-1")
    {
        var config = new AmazonS3Config
        {
            ServiceURL = endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = region,
            MaxErrorRetry = 0,
            Timeout = TimeSpan.FromMinutes(5),
        };
        if (factory is not null)
        {
            config.HttpClientFactory = factory;
        }

        return config;
    }

    /// <summary>
    /// The SDK builds URIs with canonicalization turned off, which the test server cannot read; the path it
    /// signed is kept as sent (escapes stay escaped), only the Uri object is an ordinary one.
    /// </summary>
    private sealed class CanonicalUriHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.RequestUri = new Uri(request.RequestUri!.OriginalString);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class TestServerHttpClientFactory(PlatformApp app) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
            new(new CanonicalUriHandler { InnerHandler = app.Server.CreateHandler() }) { Timeout = TimeSpan.FromMinutes(5) };

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => true;
    }
}
