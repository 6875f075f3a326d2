using System.Threading.Channels;
using Platform.Tests.Common;

namespace Platform.HostAgent.Libvirt.Tests;

/// <summary>
/// What the bindings do when libvirt lets go: an event registration's state is freed by libvirt's own free callback
/// (never while a callback may still run), and a connection to a daemon that goes away reports it closed.
/// The daemon here is a private libvirtd (<see cref="PrivateLibvirtd"/>), so the machine's own is never disturbed.
/// </summary>
public sealed class ConnectionLifetimeTests
{
    [Fact]
    public async Task Given_a_lifecycle_subscription_When_disposed_Then_libvirt_calls_its_free_callback_and_no_event_arrives_after()
    {
        using var connection = LibvirtConnection.Open("test:///default");
        var events = Channel.CreateUnbounded<DomainLifecycleEvent>();
        var subscription = connection.SubscribeLifecycleEvents(events.Writer);
        using (var domain = connection.DefineDomain(Definition("i-0000000000000e001")))
        {
            domain.Start();
            domain.Destroy();
        }

        await WaitForAsync(() => events.Reader.Count >= 2);
        Assert.False(subscription.Released);
        subscription.Dispose();
        await WaitForAsync(() => subscription.Released);

        while (events.Reader.TryRead(out _))
        {
        }

        using (var domain = connection.FindDomain("i-0000000000000e001")!)
        {
            domain.Start();
            domain.Destroy();
            domain.Undefine();
        }

        await Task.Delay(200);
        Assert.False(events.Reader.TryRead(out _));
        subscription.Dispose();
    }

    [Fact]
    public async Task Given_a_connection_to_a_daemon_When_the_daemon_dies_Then_the_connection_reports_itself_closed_and_a_new_one_works_after_its_restart()
    {
        using var daemon = new PrivateLibvirtd();
        daemon.Start();
        using var connection = LibvirtConnection.Open(daemon.Uri);
        Assert.True(connection.IsAlive);
        Assert.NotEmpty(connection.ListDomains());
        Assert.False(connection.Closed.IsCompleted);

        daemon.Kill();
        var reason = await connection.Closed.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(ConnectionCloseReason.EndOfFile, reason);
        Assert.False(connection.IsAlive);
        Assert.Throws<LibvirtException>(() => connection.ListDomains());

        daemon.Start();
        using var again = LibvirtConnection.Open(daemon.Uri);
        Assert.True(again.IsAlive);
        Assert.NotEmpty(again.ListDomains().Select(d => { using (d) { return d.Name; } }));
    }

    [Fact]
    public void Given_a_direct_test_connection_Then_it_is_alive_and_never_closes()
    {
        using var connection = LibvirtConnection.Open("test:///default");
        Assert.True(connection.IsAlive);
        Assert.False(connection.Closed.IsCompleted);
    }

    private static string Definition(string name) =>
        new DomainDefinition { Type = "test", Name = name, MemoryMiB = 64, VirtualCpus = 1 }.ToXml();

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 10 s");
            await Task.Delay(20);
        }
    }
}
