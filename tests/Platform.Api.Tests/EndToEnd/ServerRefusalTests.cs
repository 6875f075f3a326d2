using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Security.Cryptography.X509Certificates;
using Amazon.S3.Model;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.EndToEnd;

/// <summary>
/// What Kestrel refuses before the API runs (a NUL in the request target, a malformed header) is answered with the API's
/// own error document and a request id, on both listeners and through TLS, while every answer of the API itself, and
/// every body, passes unchanged. Before, such a request got a bare "400 Bad Request" with no body.
/// </summary>
public sealed class ServerRefusalTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("platform-refusals-").FullName;
    private ApiProcess _api = null!;

    public async Task InitializeAsync() => _api = await ApiProcess.StartAsync(Path.Combine(_work, "data"));

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Given_a_NUL_in_the_path_on_the_S3_listener_Then_S3s_InvalidURI_document_with_a_request_id()
    {
        var answer = await ExchangeAsync(_api.S3Address, "GET /bucket/a%00b HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", answer, StringComparison.Ordinal);
        var requestId = Header(answer, "x-amz-request-id");
        Assert.Contains("Content-Type: application/xml", answer, StringComparison.Ordinal);
        Assert.EndsWith($"<Error><Code>InvalidURI</Code><Message>Couldn't parse the specified URI.</Message><RequestId>{requestId}</RequestId><HostId>{requestId}</HostId></Error>", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_a_NUL_in_the_path_on_the_native_listener_Then_the_native_error_document()
    {
        var answer = await ExchangeAsync(_api.BaseAddress, "PUT /api/v1/s3/bucket/a%00b HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", answer, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(answer[(answer.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
        Assert.Equal("InvalidURI", document.RootElement.GetProperty("code").GetString());
        Assert.Equal(Header(answer, "x-amz-request-id"), document.RootElement.GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task Given_a_malformed_header_Then_InvalidRequest_with_a_body()
    {
        var answer = await ExchangeAsync(_api.S3Address, "GET /bucket/key HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("<Code>InvalidRequest</Code>", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_a_good_request_then_a_NUL_on_one_connection_Then_the_first_is_the_APIs_answer_and_the_second_the_refusal()
    {
        var answer = await ExchangeAsync(_api.BaseAddress, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /a%00 HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", answer, StringComparison.Ordinal);
        var second = answer.IndexOf("HTTP/1.1 400 Bad Request\r\n", StringComparison.Ordinal);
        Assert.True(second > 0, answer);
        Assert.Contains("\"code\":\"InvalidURI\"", answer[second..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_an_object_whose_content_is_a_bare_refusal_Then_it_comes_back_byte_for_byte()
    {
        // What a tenant stores never looks like the server's own refusal to the rewriting: it is written while its request is in the API.
        var bare = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\nServer: Kestrel\r\n\r\n"u8.ToArray();
        using var s3 = S3Clients.For(_api.S3Address, _api.RootCredentials());
        await s3.PutBucketAsync("look-alike");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "look-alike", Key = "refusal", InputStream = new MemoryStream(bare) });
        using var got = await s3.GetObjectAsync("look-alike", "refusal");
        using var copy = new MemoryStream();
        await got.ResponseStream.CopyToAsync(copy);
        Assert.Equal(bare, copy.ToArray());
    }

    [Fact]
    public async Task Given_a_TLS_listener_Then_the_refusal_is_rewritten_inside_TLS()
    {
        var work = Directory.CreateTempSubdirectory("platform-refusals-tls-").FullName;
        try
        {
            await using var api = await ApiProcess.StartAsync(Path.Combine(work, "data"), tls: true);
            using var client = new TcpClient();
            await client.ConnectAsync(api.S3Address.Host, api.S3Address.Port);
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(api.CaCertificatePath!);
            await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false,
                (_, certificate, chain, errors) => Platform.HostAgent.Agent.AgentTls.IsTrusted(certificate as X509Certificate2, chain, errors, authorities));
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ApplicationProtocols = [SslApplicationProtocol.Http11],
            });
            await tls.WriteAsync("GET /bucket/a%00b HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
            var answer = await ReadUntilClosedAsync(tls);
            Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", answer, StringComparison.Ordinal);
            Assert.Contains("<Code>InvalidURI</Code>", answer, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Header(string answer, string name)
    {
        var line = answer.Split("\r\n").Single(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase));
        return line[(name.Length + 1)..].Trim();
    }

    private static async Task<string> ExchangeAsync(Uri address, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        return await ReadUntilClosedAsync(stream);
    }

    /// <summary>Everything until the server closes the connection (a refusal closes it); a connection kept open fails at the timeout.</summary>
    private static async Task<string> ReadUntilClosedAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var text = new StringBuilder();
        var buffer = new byte[4096];
        int read;
        while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
        {
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return text.ToString();
    }
}
