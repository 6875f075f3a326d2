using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.HostAgent.Agent;
using Platform.HostAgent.Metadata;
using Platform.HostAgent.OpenVSwitch;
using Platform.HostAgent.OpenVSwitch.Tests;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Tests.Metadata;

/// <summary>
/// The management relay on the machine's real Open vSwitch: a managed guest (a database server's port) and a tenant's guest
/// on one VPC (internal ports in network namespaces, as the switch tests use) run curl with TLS against the API's name
/// resolved to 169.254.169.254; an HTTPS server in the test stands for the API's S3 endpoint on 127.0.0.1 (the relay is
/// what is tested: it passes bytes, TLS is checked end to end by the guest against the test's CA).
/// </summary>
[Collection(OpenVSwitchCollection.Name)]
public sealed class ManagementRelayTests : IAsyncLifetime, IAsyncDisposable
{
    private const string Vpc = "vpc-0000000000000000b";
    private const string ApiName = "api.platform.test";
    private readonly string _suffix = Shell.NewSuffix();
    private readonly OpenVSwitchDatabase _database = new();
    private readonly List<TestGuest> _guests = [];
    private readonly string _state = Directory.CreateTempSubdirectory("relay-").FullName;
    private readonly TcpListener _api = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private X509Certificate2? _certificate;
    private Task? _serving;
    private int _requests;

    private string Bridge => "brr" + _suffix;

    private int ApiPort => ((IPEndPoint)_api.LocalEndpoint).Port;

    public async Task InitializeAsync()
    {
        await _database.EnsureBridgeAsync(new BridgeSpec(Bridge));
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=relay test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        await File.WriteAllTextAsync(Path.Combine(_state, "ca.pem"), ca.ExportCertificatePem());
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + ApiName, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(ApiName);
        request.CertificateExtensions.Add(names.Build());
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1), [1, 2, 3, 4]);
        _certificate = X509CertificateLoader.LoadPkcs12(issued.CopyWithPrivateKey(key).Export(X509ContentType.Pkcs12), null);
        _api.Start();
        _serving = ServeAsync(_stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _api.Stop();
        if (_serving is not null)
        {
            await _serving;
        }

        foreach (var guest in _guests)
        {
            await guest.DeleteAsync();
        }

        await Shell.RunAsync("ovs-vsctl", "--if-exists", "del-br", Bridge);
        await Shell.RunAsync("ip", "netns", "del", "imds-" + Bridge);
        await _database.DisposeAsync();
        _certificate?.Dispose();
        _stop.Dispose();
        Directory.Delete(_state, recursive: true);
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    /// <summary>An HTTPS answer naming the request line, one request per connection.</summary>
    private async Task ServeAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _api.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        await using var tls = new SslStream(client.GetStream());
                        await tls.AuthenticateAsServerAsync(_certificate!);
                        using var reader = new StreamReader(tls, Encoding.ASCII, leaveOpen: true);
                        var line = await reader.ReadLineAsync(cancellationToken) ?? "";
                        while (!string.IsNullOrEmpty(await reader.ReadLineAsync(cancellationToken)))
                        {
                        }

                        Interlocked.Increment(ref _requests);
                        // Large enough to take many segments through the relay both ways of the window.
                        var body = "answered " + line + "\n" + new string('x', 200_000);
                        await tls.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"), cancellationToken);
                        await tls.ShutdownAsync();
                    }
                    catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
                    {
                    }
                }
            }, CancellationToken.None);
        }
    }

    private async Task<(TestGuest Guest, DesiredInstance Instance)> GuestAsync(string name, int n, bool managed)
    {
        var eni = $"eni-00000000000000{n:x3}";
        var mac = $"02:00:0a:00:02:{n:x2}";
        var ip = $"10.0.2.{n}";
        var guest = await TestGuest.AddAsync(_database, Bridge, name + _suffix, mac, ip, prefix: 24, gateway: "10.0.2.1", interfaceId: GuestInterfaceId.For(eni));
        _guests.Add(guest);
        var instance = new DesiredInstance($"i-00000000000000{n:x3}", 1, 256, DesiredPower.Running, new GuestImage("ami-0000000000000000b", ImageFormat.Kernel),
            "console=ttyS0",
            Interfaces: [new DesiredInterface(eni, mac, ip, 24, "10.0.2.1", Vpc, 78, [], [new DesiredFirewallRule("-1", null, null, "0.0.0.0/0")])],
            Database: managed
                ? new DesiredDatabase("orders", "db-RELAY", "postgres", "15", "app", "password", 5432, "vol-1", new Dictionary<string, string>(), 1,
                    new DatabaseTls("", "", ""))
                : null);
        return (guest, instance);
    }

    private MetadataEndpoint Endpoint() =>
        new(Bridge, MetadataTokens.Load(Path.Combine(_state, "imds-token.key"), new ManualClock()), NullLogger.Instance,
            new ManagementRelay(new DnsEndPoint("127.0.0.1", ApiPort), NullLogger.Instance));

    private async Task ApplyAsync(MetadataEndpoint endpoint, params DesiredInstance[] instances)
    {
        var network = new GuestNetwork(new IntegrationBridge(_database), Bridge, "127.0.0.1", metadata: endpoint, database: _database);
        var result = await network.ApplyAsync(new HostDesiredState("h-1", 1, instances, [new VpcNetwork(Vpc, 78, [])]), CancellationToken.None);
        Assert.Empty(result.PendingInterfaces);
    }

    /// <returns>curl's exit code and the first line of the body.</returns>
    private async Task<(int Exit, string FirstLine)> CurlAsync(string? @namespace, string path, int seconds = 15)
    {
        var body = Path.Combine(_state, Guid.NewGuid().ToString("N"));
        string[] curl = ["curl", "-s", "-m", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", body, "--cacert", Path.Combine(_state, "ca.pem"),
            "--resolve", $"{ApiName}:{ApiPort}:169.254.169.254", $"https://{ApiName}:{ApiPort}{path}"];
        var (exit, _) = @namespace is null ? await Shell.RunAsync(curl[0], curl[1..]) : await Shell.RunAsync("ip", ["netns", "exec", @namespace, .. curl]);
        return (exit, File.Exists(body) ? (await File.ReadAllTextAsync(body)).Split('\n')[0] : "");
    }

    [OvsFact]
    public async Task Given_a_managed_guest_and_a_tenant_guest_Then_only_the_managed_one_reaches_the_API_through_the_relay_with_TLS_end_to_end()
    {
        var (database, databaseInstance) = await GuestAsync("rd", 7, managed: true);
        var (tenant, tenantInstance) = await GuestAsync("rt", 8, managed: false);
        await using var endpoint = Endpoint();
        await ApplyAsync(endpoint, databaseInstance, tenantInstance);

        Assert.Equal((0, "answered GET /backups/db-RELAY?list-type=2 HTTP/1.1"), await CurlAsync(database.Namespace, "/backups/db-RELAY?list-type=2"));
        // Twice more, at once: each connection is relayed on its own.
        var both = await Task.WhenAll(CurlAsync(database.Namespace, "/a"), CurlAsync(database.Namespace, "/b"));
        Assert.Equal([(0, "answered GET /a HTTP/1.1"), (0, "answered GET /b HTTP/1.1")], both);
        var answered = Volatile.Read(ref _requests);

        // The tenant's guest on the same VPC: its packets to the relay's port go nowhere (curl's connect timeout, 28).
        Assert.Equal(28, (await CurlAsync(tenant.Namespace, "/backups/", seconds: 3)).Exit);
        // Nor from inside the service's namespace with any other source: the relay closes what no managed port sent (TLS fails, 35).
        var (local, _) = await CurlAsync("imds-" + Bridge, "/backups/", seconds: 3);
        Assert.Contains(local, new[] { 35, 56 });
        Assert.Equal(answered, Volatile.Read(ref _requests));

        // The relay checks the port itself and does not rely on the flows alone: with the managed port left out of its
        // list (as a flow left over would meet), the managed guest's connection is closed before a byte goes on.
        endpoint.Relay!.Update(new HashSet<int>());
        Assert.Contains((await CurlAsync(database.Namespace, "/backups/", seconds: 3)).Exit, new[] { 35, 56 });
        Assert.Equal(answered, Volatile.Read(ref _requests));

        // The database is gone from the desired state (its instance an ordinary one now): the same port is cut off.
        await ApplyAsync(endpoint, databaseInstance with { Database = null }, tenantInstance);
        Assert.Equal(28, (await CurlAsync(database.Namespace, "/backups/", seconds: 3)).Exit);
        Assert.Equal(answered, Volatile.Read(ref _requests));
    }
}
