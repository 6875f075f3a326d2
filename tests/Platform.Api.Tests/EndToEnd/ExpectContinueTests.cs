using System.Net.Sockets;
using System.Text;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.EndToEnd;

/// <summary>
/// <c>Expect: 100-continue</c> over a real socket to the API as its own process: a request refused before its body was
/// asked for closes its connection, so bytes of a body the client sends anyway are never read as its next request.
/// </summary>
public sealed class ExpectContinueTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("platform-expect-").FullName;
    private ApiProcess _api = null!;

    public async Task InitializeAsync() => _api = await ApiProcess.StartAsync(Path.Combine(_work, "data"));

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Theory]
    [InlineData("s3", "PUT /no-such-bucket/key HTTP/1.1")]
    [InlineData("native", "POST /api/v1/iam/users HTTP/1.1")]
    public async Task Given_a_request_that_waits_for_100_continue_When_it_is_refused_Then_the_answer_says_close_and_the_connection_ends(string listener, string requestLine)
    {
        var address = listener == "s3" ? _api.S3Address : _api.BaseAddress;
        using var socket = new TcpClient();
        await socket.ConnectAsync(address.Host, address.Port);
        await using var stream = socket.GetStream();
        var body = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
        var head = $"{requestLine}\r\nHost: {address.Authority}\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var answer = await ReadUntilClosedAsync(stream, timeout.Token);
        Assert.StartsWith("HTTP/1.1 40", answer, StringComparison.Ordinal);
        Assert.Contains("Connection: close", answer, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("100 Continue", answer, StringComparison.Ordinal);

        // The body sent after the refusal (what the AWS CLI does once its wait for 100 Continue ends) finds the connection
        // closed, never a second answer.
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(body));
        }
        catch (IOException)
        {
            // Reset by the server: closed, as it should be.
        }

        Assert.DoesNotContain("HTTP/1.1", await ReadUntilClosedAsync(stream, timeout.Token), StringComparison.Ordinal);
    }

    /// <summary>Everything the server sends until it closes the connection; a connection kept open fails the test at the timeout.</summary>
    private static async Task<string> ReadUntilClosedAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                text.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
            // Reset rather than closed (the server drops a body it never asked for): closed all the same.
        }

        return text.ToString();
    }
}
