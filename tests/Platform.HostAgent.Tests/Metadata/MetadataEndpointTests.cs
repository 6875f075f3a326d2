using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using Platform.HostAgent.Agent;
using Platform.HostAgent.Metadata;
using Platform.HostAgent.OpenVSwitch;
using Platform.HostAgent.OpenVSwitch.Tests;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Tests.Metadata;

/// <summary>
/// The metadata service on the machine's real Open vSwitch: test guests (internal ports in network namespaces, as the switch
/// tests use) run curl against http://169.254.169.254 through the flows, the agent's namespace and Kestrel, as a guest would.
/// </summary>
[Collection(OpenVSwitchCollection.Name)]
public sealed class MetadataEndpointTests(ITestOutputHelper output) : IAsyncLifetime, IAsyncDisposable
{
    private const string Vpc = "vpc-0000000000000000a";
    private readonly string _suffix = Shell.NewSuffix();
    private readonly OpenVSwitchDatabase _database = new();
    private readonly List<TestGuest> _guests = [];
    private readonly string _state = Directory.CreateTempSubdirectory("imds-").FullName;
    private readonly ManualClock _clock = new();

    private string Bridge => "brm" + _suffix;

    public async Task InitializeAsync() => await _database.EnsureBridgeAsync(new BridgeSpec(Bridge));

    public async Task DisposeAsync()
    {
        foreach (var guest in _guests)
        {
            await guest.DeleteAsync();
        }

        await Shell.RunAsync("ovs-vsctl", "--if-exists", "del-br", Bridge);
        await Shell.RunAsync("ip", "netns", "del", "imds-" + Bridge);
        await _database.DisposeAsync();
        Directory.Delete(_state, recursive: true);
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    private async Task<(TestGuest Guest, DesiredInstance Instance)> GuestAsync(string name, int n, string tokens = "optional", string endpoint = "enabled")
    {
        var eni = $"eni-00000000000000{n:x3}";
        var mac = $"02:00:0a:00:01:{n:x2}";
        var ip = $"10.0.1.{n}";
        var guest = await TestGuest.AddAsync(_database, Bridge, name + _suffix, mac, ip, prefix: 24, gateway: "10.0.1.1", interfaceId: GuestInterfaceId.For(eni));
        _guests.Add(guest);
        var instance = new DesiredInstance($"i-00000000000000{n:x3}", 1, 256, DesiredPower.Running, new GuestImage("ami-0000000000000000a", ImageFormat.Kernel),
            "console=ttyS0",
            Interfaces: [new DesiredInterface(eni, mac, ip, 24, "10.0.1.1", Vpc, 77, [], [new DesiredFirewallRule("-1", null, null, "0.0.0.0/0")])],
            UserData: Convert.ToBase64String("#!/bin/sh\necho from "u8.ToArray().Concat(System.Text.Encoding.UTF8.GetBytes(name)).ToArray()),
            Metadata: new DesiredInstanceMetadata("123456789012", "eu-west-1", "eu-west-1a", "t3.nano", "ami-0000000000000000a", $"ip-10-0-1-{n}.internal",
                DateTimeOffset.UnixEpoch, HttpTokens: tokens, HttpEndpoint: endpoint));
        return (guest, instance);
    }

    private MetadataEndpoint Endpoint() =>
        new(Bridge, MetadataTokens.Load(Path.Combine(_state, "imds-token.key"), _clock), new OutputLogger(output));

    private async Task ApplyAsync(MetadataEndpoint endpoint, params DesiredInstance[] instances)
    {
        var network = new GuestNetwork(new IntegrationBridge(_database), Bridge, "127.0.0.1", metadata: endpoint, database: _database);
        var result = await network.ApplyAsync(new HostDesiredState("h-1", 1, instances, [new VpcNetwork(Vpc, 77, [])]), CancellationToken.None);
        Assert.Empty(result.PendingInterfaces);
    }

    /// <returns>curl's exit code, the HTTP status and the body.</returns>
    private static async Task<(int Exit, string Status, string Body)> CurlAsync(TestGuest guest, string path, params string[] extra)
    {
        var body = Path.GetTempFileName();
        try
        {
            var (exit, output) = await Shell.RunAsync("ip", ["netns", "exec", guest.Namespace, "curl", "-s", "-m", "15", "-o", body, "-w", "%{http_code}",
                .. extra, "http://169.254.169.254" + path]);
            return (exit, output.Trim(), await File.ReadAllTextAsync(body));
        }
        finally
        {
            File.Delete(body);
        }
    }

    private static async Task<string> TokenAsync(TestGuest guest, int ttl = 300)
    {
        var (exit, status, body) = await CurlAsync(guest, "/latest/api/token", "-X", "PUT", "-H", $"X-aws-ec2-metadata-token-ttl-seconds: {ttl}");
        Assert.Equal((0, "200"), (exit, status));
        return body;
    }

    [OvsFact]
    public async Task Given_a_port_of_an_earlier_switch_left_in_the_namespace_Then_the_service_takes_the_new_one_and_answers()
    {
        // What a restarted ovs-vswitchd leaves: the old tap, under the port's name, still in the service's namespace.
        await using var endpoint = Endpoint();
        await Shell.CheckAsync("ip", "netns", "add", endpoint.Namespace);
        await Shell.CheckAsync("ip", "-n", endpoint.Namespace, "link", "add", endpoint.PortName, "type", "veth", "peer", "name", "mp" + _suffix);
        var (a, instanceA) = await GuestAsync("ms", 8);

        await ApplyAsync(endpoint, instanceA);

        Assert.Equal((0, "200", "i-00000000000000008"), await CurlAsync(a, "/latest/meta-data/instance-id"));
    }

    [OvsFact]
    public async Task Given_guests_on_the_switch_Then_each_reads_only_its_own_data_and_tokens_are_per_instance()
    {
        var (a, instanceA) = await GuestAsync("ma", 5);
        var (b, instanceB) = await GuestAsync("mb", 6, tokens: "required");
        var (c, instanceC) = await GuestAsync("mc", 7, endpoint: "disabled");
        string tokenA;
        await using (var endpoint = Endpoint())
        {
            await ApplyAsync(endpoint, instanceA, instanceB, instanceC);

            Assert.Equal((0, "200", "i-00000000000000005"), await CurlAsync(a, "/latest/meta-data/instance-id"));
            Assert.Equal((0, "200", "#!/bin/sh\necho from ma"), await CurlAsync(a, "/latest/user-data"));
            Assert.Equal((0, "200", "10.0.1.5"), await CurlAsync(a, "/latest/meta-data/local-ipv4"));

            // B requires tokens: refused without one, answered with its own, refused with A's.
            Assert.Equal((0, "401"), Take2(await CurlAsync(b, "/latest/meta-data/instance-id")));
            var tokenB = await TokenAsync(b);
            Assert.Equal((0, "200", "i-00000000000000006"), await CurlAsync(b, "/latest/meta-data/instance-id", "-H", $"X-aws-ec2-metadata-token: {tokenB}"));
            tokenA = await TokenAsync(a);
            Assert.Equal((0, "401"), Take2(await CurlAsync(b, "/latest/meta-data/instance-id", "-H", $"X-aws-ec2-metadata-token: {tokenA}")));
            Assert.Equal((0, "403"), Take2(await CurlAsync(a, "/latest/api/token", "-X", "PUT", "-H", "X-aws-ec2-metadata-token-ttl-seconds: 60",
                "-H", "X-Forwarded-For: 10.0.1.9")));
            Assert.Equal((0, "400"), Take2(await CurlAsync(a, "/latest/api/token", "-X", "PUT", "-H", "X-aws-ec2-metadata-token-ttl-seconds: 0")));
            // A huge header is Kestrel's to refuse (431), before the responder.
            Assert.Equal((0, "431"), Take2(await CurlAsync(a, "/latest/meta-data/instance-id", "-H", "X-Big: " + new string('x', 20000))));

            // C's endpoint is disabled: no answer at all (curl's timeout, 28).
            Assert.Equal(28, (await CurlAsync(c, "/latest/meta-data/instance-id", "-m", "3")).Exit);

            // A claiming B's address as its source gets nowhere: anti-spoofing drops it before the metadata flows.
            await Shell.CheckAsync("ip", "-n", a.Namespace, "addr", "add", "10.0.1.6/32", "dev", a.Name);
            Assert.Equal(28, (await CurlAsync(a, "/latest/meta-data/instance-id", "-m", "3", "--interface", "10.0.1.6")).Exit);

        }

        // A restarted agent: the same key file, a new responder and socket; the token A got before still holds.

        await using (var restarted = Endpoint())
        {
            await ApplyAsync(restarted, instanceA, instanceB, instanceC);
            // One listener: the first responder's socket went with it.
            Assert.Single((await Shell.CheckAsync("ip", "netns", "exec", "imds-" + Bridge, "ss", "-Htln")).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            _clock.Advance(TimeSpan.FromSeconds(10));
            Assert.Equal((0, "200", "i-00000000000000005"), await CurlAsync(a, "/latest/meta-data/instance-id", "-H", $"X-aws-ec2-metadata-token: {tokenA}"));
            Assert.Equal((0, "200", "i-00000000000000006"),
                await CurlAsync(b, "/latest/meta-data/instance-id", "-H", $"X-aws-ec2-metadata-token: {await TokenAsync(b)}"));
        }
    }

    private static (int, string) Take2((int Exit, string Status, string Body) result) => (result.Exit, result.Status);

    /// <summary>The endpoint's log in the test's output (its warnings say why the service is not there).</summary>
    private sealed class OutputLogger(ITestOutputHelper output) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            output.WriteLine($"{logLevel}: {formatter(state, exception)}");
    }
}
