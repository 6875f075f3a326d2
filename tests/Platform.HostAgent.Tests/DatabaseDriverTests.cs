using System.Diagnostics;
using System.Net.Sockets;
using Platform.HostAgent.Databases;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Tests;

/// <summary>
/// The driver never holds the agent's round up: with no guest behind the socket, or one that accepts and never answers
/// (what a guest whose QEMU is stopped looks like from the host), Track and Attach return at once and the loop keeps
/// trying on its own. The real guest is in <see cref="RealDatabaseGuestTests"/>.
/// </summary>
public sealed class DatabaseDriverTests : IAsyncLifetime
{
    private static readonly GuestImage Image = new("ami-00000000000000001", ImageFormat.Kernel);
    private readonly string _channels = Directory.CreateTempSubdirectory("platform-channels-").FullName;

    private static HostDesiredState State(params DesiredInstance[] instances) => new("host-1", 1, instances);

    private static DesiredInstance Instance(string id) => new(id, 1, 320, DesiredPower.Running, Image, "",
        Database: new DesiredDatabase("orders", "db-A", "postgres", "15", "app", "password", 5432, "vol-1", new Dictionary<string, string>(), 1, new DatabaseTls("C", "K", "A")));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_channels, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Given_a_guest_that_accepts_and_never_answers_Then_the_round_is_not_held_and_the_driver_connects_again_after_the_deadline()
    {
        using var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        silent.Bind(new UnixDomainSocketEndPoint(DatabaseChannel.SocketPath(_channels, "i-00000000000000001")));
        silent.Listen(8);
        await using var driver = new DatabaseDriver(new DatabaseDriverOptions
        {
            ChannelDirectory = _channels, StatusTimeout = TimeSpan.FromMilliseconds(300), RetryInterval = TimeSpan.FromMilliseconds(100),
        });
        var accepted = new List<Socket>();
        try
        {
            var round = Stopwatch.StartNew();
            driver.Track(State(Instance("i-00000000000000001"), Instance("i-00000000000000002")));
            var report = driver.Attach(new HostReport("host-1", 1, new HostCapacity(1, 1024), [new InstanceReport("i-00000000000000001", ObservedPower.Running)], []));
            Assert.True(round.ElapsedMilliseconds < 200, $"Track and Attach took {round.ElapsedMilliseconds} ms");
            Assert.Null(Assert.Single(report.Instances).Database);

            // Each connection is given up at its deadline and a new one made: the silent guest sees several.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (accepted.Count < 3)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{accepted.Count} connections in 30 s");
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                accepted.Add(await silent.AcceptAsync(wait.Token));
            }

            Assert.Null(driver.Report("i-00000000000000001"));
            // The instance without a socket (its guest not started yet) is tried too, and has no report either.
            Assert.Null(driver.Report("i-00000000000000002"));
            Assert.Equal(0, driver.Connections("i-00000000000000002"));
        }
        finally
        {
            accepted.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Given_an_instance_no_longer_desired_Then_its_loop_ends_and_closes_its_channel()
    {
        using var guest = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        guest.Bind(new UnixDomainSocketEndPoint(DatabaseChannel.SocketPath(_channels, "i-00000000000000001")));
        guest.Listen(8);
        await using var driver = new DatabaseDriver(new DatabaseDriverOptions { ChannelDirectory = _channels, StatusTimeout = TimeSpan.FromMinutes(5) });
        driver.Track(State(Instance("i-00000000000000001")));
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var connection = await guest.AcceptAsync(wait.Token);
        var request = new byte[256];
        Assert.True(await connection.ReceiveAsync(request, wait.Token) > 0);

        driver.Track(State(Instance("i-00000000000000001") with { Power = DesiredPower.Stopped }));

        // The request in flight is abandoned and the connection closed: the guest reads the end of the stream.
        Assert.Equal(0, await connection.ReceiveAsync(request, wait.Token));
        Assert.Null(driver.Report("i-00000000000000001"));
    }
}
