using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Platform.HostAgent.Agent;
using Platform.HostAgent.Databases;
using Platform.HostAgent.Images;
using Platform.HostAgent.Libvirt;
using Platform.HostAgent.Metadata;
using Platform.HostAgent.OpenVSwitch;
using Platform.HostAgent.OpenVSwitch.Tests;
using Platform.HostAgent.Protocol;
using Platform.HostAgent.Reconciliation;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.HostAgent.Tests;

/// <summary>
/// The database image for real (deploy/db-image/build.sh): a guest on qemu:///system booted by the reconciler with a
/// blank data volume, its NIC a port of a VPC on a real Open vSwitch bridge whose security group lets 5432 in from the
/// subnet, configured by <see cref="DatabaseDriver"/> through its virtio-serial channel; Debian's psql in a network
/// namespace on the same subnet (another instance) logs in as the master user over TLS verified against the CA.
/// </summary>
[Collection(OpenVSwitchCollection.Name)]
public sealed class RealDatabaseGuestTests(ITestOutputHelper output)
{
    private const string GuestAddress = "10.0.1.7";
    private const string S3Name = "s3.platform.test";

    [OvsFact]
    public async Task Given_a_database_guest_with_a_blank_volume_Then_the_driver_configures_it_psql_logs_in_with_TLS_and_the_password_only_and_its_rows_survive_a_power_cut()
    {
        var suffix = Shell.NewSuffix();
        var bridge = "bd" + suffix;
        var work = Directory.CreateTempSubdirectory("platform-db-").FullName;
        var imageId = $"ami-{Guid.NewGuid():N}"[..21];
        var id = $"i-{Guid.NewGuid():N}"[..19];
        var poolName = $"platform-test-{Guid.NewGuid():N}"[..24];
        var channels = Path.Combine(work, "channels");
        var image = TestImage.Build(TestImage.DatabaseImageDirectory, "db-image");
        Directory.CreateDirectory(Path.Combine(work, "images", imageId));
        File.Copy(image.Kernel, Path.Combine(work, "images", imageId, ImageParts.Kernel));
        File.Copy(image.Initrd, Path.Combine(work, "images", imageId, ImageParts.Initrd));
        var (caPem, certificatePem, keyPem) = Certificates(GuestAddress);
        File.WriteAllText(Path.Combine(work, "ca.pem"), caPem);
        var dataVolume = QemuImg.Standalone(Path.Combine(work, "data.qcow2"), "1G");

        // PostgreSQL's port from the client instance only: the outsider, in the same subnet, is outside the security group.
        var postgresOnly = new DesiredFirewallRule("tcp", 5432, 5432, "10.0.1.8/32");
        var anyOut = new DesiredFirewallRule("-1", null, null, "0.0.0.0/0");
        var guestNic = new DesiredInterface("eni-db" + suffix, "02:00:0a:00:01:07", GuestAddress, 24, "10.0.1.1", "vpc-db", 4344, [postgresOnly], [anyOut]);
        var clientNic = guestNic with { InterfaceId = "eni-pc" + suffix, MacAddress = "02:00:0a:00:01:08", PrivateIpAddress = "10.0.1.8", Ingress = [] };
        var guestImage = new GuestImage(imageId, ImageFormat.Kernel, PartDigests.Of(Path.Combine(work, "images", imageId)));
        var database = new DesiredDatabase("orders", "db-ORDERS" + suffix, "postgres", "15", "app", "it's a 'secret' pass; \\ \"ok\"", 5432, "vol-data",
            new Dictionary<string, string> { ["work_mem"] = "8MB" }, Generation: 1, new DatabaseTls(certificatePem, keyPem, caPem));
        // The database image needs more than the test image: its initramfs (PostgreSQL and its libraries) is unpacked into memory.
        var instance = new DesiredInstance(id, 1, 320, DesiredPower.Running, guestImage, $"console=ttyS0 quiet no_timer_check cryptomgr.notests platform.marker={id}",
            Interfaces: [guestNic], Database: database);
        var outsiderNic = clientNic with { InterfaceId = "eni-po" + suffix, MacAddress = "02:00:0a:00:01:09", PrivateIpAddress = "10.0.1.9" };
        var client = new DesiredInstance("i-0000000000000c2e", 1, 128, DesiredPower.Running, guestImage, "", Interfaces: [clientNic]);
        var outsiderInstance = client with { InstanceId = "i-0000000000000c2f", Interfaces = [outsiderNic] };
        var network = new HostDesiredState("host-1", 1, [instance, client, outsiderInstance], [new VpcNetwork("vpc-db", 4344, [], Subnets: [new DesiredSubnet("subnet-db", "10.0.1.0/24", "10.0.1.1", [])], CidrBlock: "10.0.0.0/16")]);

        await using var switchDatabase = new OpenVSwitchDatabase();
        await switchDatabase.EnsureBridgeAsync(new BridgeSpec(bridge));
        TestGuest? peer = null;
        TestGuest? outsider = null;
        using var libvirt = LibvirtConnection.Open("qemu:///system");
        using var images = new PoolGuestImages(libvirt, poolName, Path.Combine(work, "pool"), Path.Combine(work, "state"),
            new DirectoryImageSource(Path.Combine(work, "images")));
        using var reconciler = new HostReconciler(libvirt, new ReconcilerOptions
        {
            Owner = $"host-{Guid.NewGuid():N}", DomainType = "qemu", ConsoleDirectory = work, Bridge = bridge, ChannelDirectory = channels,
        }, images, new ManualClock());
        var driver = new DatabaseDriver(new DatabaseDriverOptions { ChannelDirectory = channels, PollInterval = TimeSpan.FromSeconds(1), RetryInterval = TimeSpan.FromSeconds(1) });
        // The API's S3 endpoint as the guest sees it through the agent's management relay (a stand-in that refuses every
        // request with S3's AccessDenied: what is checked here is the path and its TLS, not S3).
        await using var s3 = new RefusingS3Endpoint(S3Name);
        var relayEndpoint = new MetadataEndpoint(bridge, MetadataTokens.Load(Path.Combine(work, "imds-token.key"), new ManualClock()),
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, new ManagementRelay(new DnsEndPoint("127.0.0.1", s3.Port), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));
        string Console() => File.Exists(Path.Combine(work, $"{id}.log")) ? File.ReadAllText(Path.Combine(work, $"{id}.log")) : "";
        try
        {
            peer = await TestGuest.AddAsync(switchDatabase, bridge, "dc" + suffix, clientNic.MacAddress, clientNic.PrivateIpAddress, prefix: 24, gateway: clientNic.Gateway,
                interfaceId: GuestInterfaceId.For(clientNic.InterfaceId));
            await Shell.CheckAsync("ip", "netns", "exec", peer.Namespace, "ethtool", "-K", peer.Name, "tx", "off");
            outsider = await TestGuest.AddAsync(switchDatabase, bridge, "do" + suffix, outsiderNic.MacAddress, outsiderNic.PrivateIpAddress, prefix: 24, gateway: outsiderNic.Gateway,
                interfaceId: GuestInterfaceId.For(outsiderNic.InterfaceId));
            await Shell.CheckAsync("ip", "netns", "exec", outsider.Namespace, "ethtool", "-K", outsider.Name, "tx", "off");
            await images.EnsureAsync(guestImage, CancellationToken.None);
            var booted = Stopwatch.StartNew();
            Assert.Empty(reconciler.Apply(new HostDesiredState("host-1", 1, [instance])).Faults);
            using (var domain = libvirt.FindDomain(id)!)
            {
                // The platform volume, plugged in as the volume reconciler does: the guest formats it, being blank.
                domain.AttachDevice(new DiskDefinition(dataVolume, "vdb").ToDeviceXml());
            }

            driver.Track(network);
            var switchState = new GuestNetwork(new IntegrationBridge(switchDatabase), bridge, "127.0.0.1", metadata: relayEndpoint, database: switchDatabase);
            await WaitForAsync(async () => (await switchState.ApplyAsync(network, CancellationToken.None)).PendingInterfaces.Count == 0, "the guest's port on the bridge", Console);
            await WaitForAsync(() => Task.FromResult(driver.Report(id) is { State: DatabaseState.Available, AppliedGeneration: 1 }), "the database available at generation 1", Console);
            var available = booted.Elapsed;
            Assert.Contains("PLATFORM-DB-VOLUME vdb made", Console(), StringComparison.Ordinal);
            Assert.Contains("PLATFORM-DB-INITDB", Console(), StringComparison.Ordinal);

            var (exit, answer) = await PsqlAsync(peer, work, database.MasterPassword, "verify-full", "SELECT current_user, ssl, version FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE pid = pg_backend_pid(); SHOW work_mem; SHOW password_encryption");
            output.WriteLine($"Apply to available: {available.TotalSeconds:0.0} s; to the first login: {booted.Elapsed.TotalSeconds:0.0} s");
            Assert.True(exit == 0, $"psql exited {exit}: {answer}\n{Console()}");
            Assert.Contains("app|t|TLSv1.3", answer, StringComparison.Ordinal);
            Assert.Contains("8MB", answer, StringComparison.Ordinal);
            Assert.Contains("scram-sha-256", answer, StringComparison.Ordinal);

            var (wrongExit, wrong) = await PsqlAsync(peer, work, database.MasterPassword + "x", "verify-full", "SELECT 1");
            Assert.Equal(2, wrongExit);
            Assert.Contains("password authentication failed for user \"app\"", wrong, StringComparison.Ordinal);
            // Without TLS there is no way in, even with the right password.
            var (plainExit, plain) = await PsqlAsync(peer, work, database.MasterPassword, "disable", "SELECT 1");
            Assert.Equal(2, plainExit);
            Assert.Contains("no pg_hba.conf entry", plain, StringComparison.Ordinal);
            // A client outside the security group gets nothing back, not even a refusal: with the right password, it times out.
            var (outsiderExit, outsiderAnswer) = await PsqlAsync(outsider, work, database.MasterPassword, "verify-full", "SELECT 1", connectTimeoutSeconds: 5);
            Assert.Equal(2, outsiderExit);
            Assert.Contains("timeout expired", outsiderAnswer, StringComparison.Ordinal);

            // A new generation (a parameter group change and a new password) reaches the running server through a
            // restarted driver (an agent restart): it connects again and applies it. The host side stays closed long enough
            // for the guest's read to end and its agent to open the port again, as an agent restart on a busy server does:
            // PostgreSQL, started by the first configure, once inherited the guest's port and made every later open fail.
            await driver.DisposeAsync();
            await Task.Delay(TimeSpan.FromSeconds(3));
            driver = new DatabaseDriver(new DatabaseDriverOptions
            {
                ChannelDirectory = channels, PollInterval = TimeSpan.FromSeconds(1), RetryInterval = TimeSpan.FromSeconds(1), StatusTimeout = TimeSpan.FromSeconds(5),
            });
            var modified = database with { MasterPassword = "another password", Parameters = new Dictionary<string, string> { ["work_mem"] = "16MB" }, Generation = 2 };
            driver.Track(network with { Instances = [instance with { Database = modified }] });
            await WaitForAsync(() => Task.FromResult(driver.Report(id) is { State: DatabaseState.Available, AppliedGeneration: 2 }), "generation 2 applied", Console);
            var (newExit, modifiedAnswer) = await PsqlAsync(peer, work, modified.MasterPassword, "verify-full", "SHOW work_mem");
            Assert.True(newExit == 0, $"psql exited {newExit}: {modifiedAnswer}");
            Assert.Contains("16MB", modifiedAnswer, StringComparison.Ordinal);
            Assert.Equal(2, (await PsqlAsync(peer, work, database.MasterPassword, "verify-full", "SELECT 1")).ExitCode);
            var report = driver.Report(id)!;
            Assert.False(report.PendingReboot);

            // The backup repository: the guest's pgBackRest reaches the API's S3 endpoint by its name through the management
            // relay (169.254.169.254 on the API's port), over TLS checked against the CA the repository names. With another
            // CA the handshake fails and the endpoint is never asked; with the right one the signed request arrives (and is
            // refused, which the driver reports while the database stays available).
            var repository = new DatabaseBackupRepository($"{S3Name}:{s3.Port}", "platform-rds-backups", "us-east-1", modified.ResourceId, "AKIARELAYTEST0000001",
                "relay-test-secret", "a cipher passphrase", 60, 7, Certificates("10.9.9.9").Ca);
            driver.Track(network with { Instances = [instance with { Database = modified with { Backup = repository } }] });
            await WaitForAsync(() => Task.FromResult(driver.Report(id)?.Message?.Contains("stanza-create", StringComparison.Ordinal) == true), "the repository with the wrong CA refused", Console);
            output.WriteLine(driver.Report(id)!.Message);
            Assert.Equal(DatabaseState.Available, driver.Report(id)!.State);
            Assert.Empty(s3.Requests);
            Assert.True(s3.Handshakes > 0, "no TLS handshake reached the endpoint through the relay");

            var trusted = repository with { CaCertificatePem = s3.CaPem };
            driver.Track(network with { Instances = [instance with { Database = modified with { Backup = trusted } }] });
            await WaitForAsync(() => Task.FromResult(!s3.Requests.IsEmpty && driver.Report(id)?.Message?.Contains("403", StringComparison.Ordinal) == true),
                "the repository's signed request through the relay", () => $"report: {driver.Report(id)?.Message}; {s3.Requests.Count} requests, {s3.Handshakes} handshakes\n{Console()}");
            output.WriteLine(driver.Report(id)!.Message);
            var first = s3.Requests.First();
            // Path style, in the repository's path (pgBackRest first asks whether the stanza's archive.info is there).
            Assert.StartsWith($"HEAD /platform-rds-backups/{modified.ResourceId}/", first.RequestLine, StringComparison.Ordinal);
            Assert.Contains("Credential=AKIARELAYTEST0000001/", first.Authorization, StringComparison.Ordinal);
            // pgBackRest names the host without the port (and signs it so): the API checks the signature over what was sent.
            Assert.Equal(S3Name, first.Host);
            Assert.Equal(DatabaseState.Available, driver.Report(id)!.State);
            Assert.InRange(report.Metrics!.FreeStorageBytes, 500L << 20, 1L << 30);

            // Committed rows survive the guest's power being pulled; the guest boots again from its volume as it was
            // (no format, no new cluster) and the driver finds it through the new QEMU's socket.
            var (createExit, created) = await PsqlAsync(peer, work, modified.MasterPassword, "verify-full", "CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 100)");
            Assert.True(createExit == 0, created);
            var connections = driver.Connections(id);
            using (var domain = libvirt.FindDomain(id)!)
            {
                domain.Destroy();
            }

            var restarted = Stopwatch.StartNew();
            Assert.Empty(reconciler.Apply(new HostDesiredState("host-1", 2, [instance with { Database = modified }])).Faults);
            // The new QEMU's tap is a new switch port: the agent's next round gives it its flows, as here.
            await WaitForAsync(async () => (await switchState.ApplyAsync(network, CancellationToken.None)).PendingInterfaces.Count == 0, "the restarted guest's port", Console);
            var (countExit, count) = (0, "");
            await WaitForAsync(async () => ((countExit, count) = await PsqlAsync(peer, work, modified.MasterPassword, "verify-full", "SELECT count(*) FROM orders")).countExit == 0,
                "the restarted guest's server", Console);
            output.WriteLine($"Power pulled to the first login after the restart: {restarted.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal("100", count.Trim());
            Assert.Contains("PLATFORM-DB-VOLUME vdb mounted", Console(), StringComparison.Ordinal);
            await WaitForAsync(() => Task.FromResult(driver.Connections(id) > connections && driver.Report(id) is { State: DatabaseState.Available, AppliedGeneration: 2 }),
                "the driver connected to the restarted guest", Console);

            // A guest that does not answer (its QEMU stopped): the round is not held, the driver gives each request up at
            // its deadline and connects again, and takes the guest back once it answers.
            var qemu = File.ReadAllText($"/run/libvirt/qemu/{id}.pid").Trim();
            connections = driver.Connections(id);
            await Shell.CheckAsync("kill", "-STOP", qemu);
            try
            {
                var stalled = Stopwatch.StartNew();
                while (driver.Connections(id) < connections + 2)
                {
                    var attach = Stopwatch.StartNew();
                    driver.Track(network with { Instances = [instance with { Database = modified }] });
                    var held = driver.Attach(new HostReport("host-1", 2, new HostCapacity(1, 1024), [new InstanceReport(id, ObservedPower.Running)], []));
                    Assert.True(attach.ElapsedMilliseconds < 100, $"Track and Attach took {attach.ElapsedMilliseconds} ms");
                    Assert.Equal(DatabaseState.Available, held.Instances[0].Database?.State);
                    Assert.True(stalled.Elapsed < TimeSpan.FromSeconds(60), "the driver did not give up on the silent guest");
                    await Task.Delay(200);
                }
            }
            finally
            {
                await Shell.CheckAsync("kill", "-CONT", qemu);
            }

            var beforeAnswer = driver.Report(id);
            await WaitForAsync(() => Task.FromResult(!ReferenceEquals(driver.Report(id), beforeAnswer) && driver.Report(id) is { State: DatabaseState.Available, AppliedGeneration: 2 }),
                "the driver back on the guest after it answers again", Console);
            Assert.Equal(0, (await PsqlAsync(peer, work, modified.MasterPassword, "verify-full", "SELECT 1")).ExitCode);
        }
        finally
        {
            await driver.DisposeAsync();
            using (var leftover = libvirt.FindDomain(id))
            {
                if (leftover is not null)
                {
                    if (leftover.IsActive)
                    {
                        leftover.Destroy();
                    }

                    leftover.Undefine();
                }
            }

            using (var pool = libvirt.FindStoragePool(poolName))
            {
                if (pool is not null)
                {
                    foreach (var part in ImageParts.Of(ImageFormat.Kernel))
                    {
                        using var volume = pool.FindVolume($"{imageId}-{part}");
                        volume?.Delete();
                    }

                    pool.Stop();
                    pool.Undefine();
                }
            }

            if (outsider is not null)
            {
                await outsider.DeleteAsync();
            }

            if (peer is not null)
            {
                await peer.DeleteAsync();
            }

            await relayEndpoint.DisposeAsync();
            await Shell.RunAsync("ovs-vsctl", "--if-exists", "del-br", bridge);
            await Shell.RunAsync("ip", "netns", "del", "imds-" + bridge);
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Debian's psql from the client's namespace, the password in its environment, the server verified against the CA.</summary>
    private static Task<(int ExitCode, string Output)> PsqlAsync(TestGuest from, string work, string password, string sslMode, string sql, int connectTimeoutSeconds = 20) =>
        Shell.RunAsync("ip", "netns", "exec", from.Namespace, "env", $"PGPASSWORD={password}", $"PGCONNECT_TIMEOUT={connectTimeoutSeconds}", "psql", "-X", "-A", "-t",
            $"host={GuestAddress} port=5432 dbname=postgres user=app sslmode={sslMode} sslrootcert={Path.Combine(work, "ca.pem")}", "-c", sql);

    /// <summary>A CA and a server certificate it signed for <paramref name="address"/>, as the platform's database CA issues them.</summary>
    private static (string Ca, string Certificate, string Key) Certificates(string address)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Platform test database CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={address}", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Parse(address));
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca, now.AddMinutes(-5), now.AddHours(12), [1, 2, 3, 4, 5, 6, 7, 8]);
        return (ca.ExportCertificatePem(), server.ExportCertificatePem(), serverKey.ExportPkcs8PrivateKeyPem());
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what, Func<string> console)
    {
        var deadline = DateTime.UtcNow.AddSeconds(300);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what}: not there within 300 s. Console:\n{console()}");
            await Task.Delay(500);
        }
    }

    /// <summary>
    /// An HTTPS endpoint on 127.0.0.1 for <paramref name="name"/> (its own CA) that answers every request with S3's
    /// AccessDenied and records the request line, Host and Authorization; it counts TLS handshakes begun.
    /// </summary>
    private sealed class RefusingS3Endpoint : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly X509Certificate2 _certificate;
        private readonly Task _serving;
        private int _handshakes;

        public RefusingS3Endpoint(string name)
        {
            var now = DateTimeOffset.UtcNow;
            using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var caRequest = new CertificateRequest("CN=Platform test API CA", caKey, HashAlgorithmName.SHA256);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
            CaPem = ca.ExportCertificatePem();
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(name);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            using var issued = request.Create(ca, now.AddMinutes(-5), now.AddHours(12), [9, 8, 7, 6]);
            _certificate = X509CertificateLoader.LoadPkcs12(issued.CopyWithPrivateKey(key).Export(X509ContentType.Pkcs12), null);
            _listener.Start();
            _serving = ServeAsync();
        }

        public string CaPem { get; }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public System.Collections.Concurrent.ConcurrentQueue<(string RequestLine, string Host, string Authorization)> Requests { get; } = new();

        public int Handshakes => Volatile.Read(ref _handshakes);

        private async Task ServeAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }

                _ = Task.Run(() => AnswerAsync(client));
            }
        }

        private async Task AnswerAsync(TcpClient client)
        {
            using (client)
            {
                try
                {
                    Interlocked.Increment(ref _handshakes);
                    await using var tls = new SslStream(client.GetStream());
                    await tls.AuthenticateAsServerAsync(_certificate);
                    using var reader = new StreamReader(tls, System.Text.Encoding.ASCII, leaveOpen: true);
                    // A client that rejects the certificate (TLS 1.3: after the server's side of the handshake) sends no request.
                    if (await reader.ReadLineAsync(_stop.Token) is not { Length: > 0 } line)
                    {
                        return;
                    }

                    string host = "", authorization = "";
                    for (var header = await reader.ReadLineAsync(_stop.Token); !string.IsNullOrEmpty(header); header = await reader.ReadLineAsync(_stop.Token))
                    {
                        var colon = header.IndexOf(':', StringComparison.Ordinal);
                        var (field, value) = colon < 0 ? (header, "") : (header[..colon].Trim(), header[(colon + 1)..].Trim());
                        if (field.Equals("host", StringComparison.OrdinalIgnoreCase))
                        {
                            host = value;
                        }
                        else if (field.Equals("authorization", StringComparison.OrdinalIgnoreCase))
                        {
                            authorization = value;
                        }
                    }

                    Requests.Enqueue((line, host, authorization));
                    const string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>test</RequestId></Error>";
                    await tls.WriteAsync(System.Text.Encoding.ASCII.GetBytes(
                        $"HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"), _stop.Token);
                    await tls.ShutdownAsync();
                }
                catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException or SocketException)
                {
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _serving;
            _certificate.Dispose();
            _stop.Dispose();
        }
    }
}
