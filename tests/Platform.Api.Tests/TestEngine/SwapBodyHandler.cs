using System.Net.Http.Headers;

namespace Platform.Api.Tests.TestEngine;

/// <summary>Replaces the body after signing, keeping the signed x-amz-content-sha256, as a tampering proxy would.</summary>
public sealed class SwapBodyHandler(HttpMessageHandler inner, string body) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Content = new StringContent(body, System.Text.Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        return base.SendAsync(request, cancellationToken);
    }
}
