using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.HostAgent.OpenVSwitch.Ovsdb;

namespace Platform.HostAgent.OpenVSwitch.Tests;

/// <summary>
/// The JSON-RPC framing and protocol details against a scripted server on a unix socket: messages
/// split across reads and run together in one read, the server's echo keep-alive, operation errors.
/// </summary>
public sealed class OvsdbClientTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ovsdb-client-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class ScriptedServer : IDisposable
    {
        private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private Socket? _peer;

        public ScriptedServer(string path)
        {
            _listener.Bind(new UnixDomainSocketEndPoint(path));
            _listener.Listen();
        }

        public async Task AcceptAsync() => _peer = await _listener.AcceptAsync();

        public async Task SendAsync(string text)
        {
            await _peer!.SendAsync(Encoding.UTF8.GetBytes(text));
            await Task.Delay(30);
        }

        /// <summary>Reads one whole JSON message (the client sends each in one write).</summary>
        public async Task<JsonElement> ReceiveAsync()
        {
            var buffer = new byte[65536];
            var read = await _peer!.ReceiveAsync(buffer);
            return JsonDocument.Parse(buffer.AsMemory(0, read)).RootElement.Clone();
        }

        public void Dispose()
        {
            _peer?.Dispose();
            _listener.Dispose();
        }
    }

    [Fact]
    public async Task Given_split_and_joined_messages_and_an_echo_Then_the_client_answers_the_echo_and_gets_its_result()
    {
        var path = Path.Combine(_directory, "db.sock");
        using var server = new ScriptedServer(path);
        var accepted = server.AcceptAsync();
        await using var client = await OvsdbClient.ConnectAsync(path);
        await accepted;

        // An echo request arriving in two pieces.
        await server.SendAsync("{\"method\":\"echo\",\"id\":\"echo-7\",");
        await server.SendAsync("\"params\":[\"x\"]}\n");
        var echo = await server.ReceiveAsync();
        Assert.Equal("echo-7", echo.GetProperty("id").GetString());
        Assert.Equal("[\"x\"]", echo.GetProperty("result").GetRawText());
        Assert.Equal(JsonValueKind.Null, echo.GetProperty("error").ValueKind);

        var call = client.TransactAsync("Open_vSwitch", [new JsonObject { ["op"] = "select", ["table"] = "Bridge", ["where"] = new JsonArray() }]);
        var request = await server.ReceiveAsync();
        Assert.Equal("transact", request.GetProperty("method").GetString());
        var id = request.GetProperty("id").GetInt64();
        // The response split mid-string, then run together with a notification in one write.
        await server.SendAsync($"{{\"id\":{id},\"result\":[{{\"rows\":[{{\"name\":\"br-");
        await server.SendAsync("int\"}]}],\"error\":null}{\"method\":\"update\",\"id\":null,\"params\":[null,{}]}");
        var result = await call.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("br-int", result[0].GetProperty("rows")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Given_a_failed_operation_Then_the_transaction_throws_with_the_servers_error()
    {
        var path = Path.Combine(_directory, "db.sock");
        using var server = new ScriptedServer(path);
        var accepted = server.AcceptAsync();
        await using var client = await OvsdbClient.ConnectAsync(path);
        await accepted;

        var call = client.TransactAsync("Open_vSwitch", [new JsonObject { ["op"] = "insert", ["table"] = "Bridge", ["row"] = new JsonObject() }]);
        var id = (await server.ReceiveAsync()).GetProperty("id").GetInt64();
        await server.SendAsync($"{{\"id\":{id},\"result\":[{{\"error\":\"constraint violation\",\"details\":\"name missing\"}}],\"error\":null}}");
        var error = await Assert.ThrowsAsync<OvsdbException>(() => call.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal("constraint violation", error.Error);
        Assert.Contains("name missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_the_server_goes_away_Then_pending_calls_fail_and_the_client_says_so()
    {
        var path = Path.Combine(_directory, "db.sock");
        var server = new ScriptedServer(path);
        var accepted = server.AcceptAsync();
        await using var client = await OvsdbClient.ConnectAsync(path);
        await accepted;
        var call = client.CallAsync("list_dbs", []);
        await server.ReceiveAsync();
        server.Dispose();
        await Assert.ThrowsAsync<IOException>(() => call.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(client.IsConnected);
    }
}
