namespace Platform.HostAgent.OpenVSwitch.Tests;

/// <summary>
/// A second (third, ...) "server" on this machine: its own ovsdb-server and ovs-vswitchd, with their
/// own database, sockets and run directory, running inside their own network namespace.
/// </summary>
/// <remarks>
/// Lab notes, checked here (OVS 3.1, userspace datapath): two integration bridges in ONE
/// ovs-vswitchd cannot tunnel to each other. Userspace tunnelling routes the outer packet with
/// OVS's own route table, learnt from the kernel of the namespace ovs-vswitchd runs in; with both
/// tunnel endpoints local to that namespace the route to the peer is a local route, the encapsulated
/// packet goes to its own bridge and ARP for it is never answered ("neighbor cache miss"), and
/// ovs/route/add in 3.1 takes no source address to work around it. One ovs-vswitchd per namespace
/// works: each namespace has an underlay bridge (br-phy, a veth end as its port, the tunnel address on
/// the bridge's own interface, as in OVS's userspace-tunneling guide) and the integration bridge's
/// VXLAN/Geneve port with only remote_ip set; OVS picks the source from the route.
/// </remarks>
internal sealed class NamespacedSwitch : IAsyncDisposable
{
    private NamespacedSwitch(string ns, string runDirectory)
    {
        Namespace = ns;
        RunDirectory = runDirectory;
        Database = new OpenVSwitchDatabase(Path.Combine(runDirectory, "db.sock"));
    }

    public string Namespace { get; }

    public string RunDirectory { get; }

    public OpenVSwitchDatabase Database { get; }

    public static async Task<NamespacedSwitch> StartAsync(string ns)
    {
        var dir = Directory.CreateTempSubdirectory("ovs-").FullName;
        await Shell.CheckAsync("ip", "netns", "add", ns);
        var server = new NamespacedSwitch(ns, dir);
        try
        {
            await Shell.CheckAsync("ovsdb-tool", "create", Path.Combine(dir, "conf.db"), "/usr/share/openvswitch/vswitch.ovsschema");
            await Shell.CheckAsync("ip", "netns", "exec", ns, "ovsdb-server", Path.Combine(dir, "conf.db"), $"--remote=punix:{dir}/db.sock",
                $"--pidfile={dir}/ovsdb-server.pid", $"--unixctl={dir}/ovsdb-server.ctl", $"--log-file={dir}/ovsdb-server.log", "--detach", "-vconsole:err");
            await Shell.CheckAsync("ovs-vsctl", $"--db=unix:{dir}/db.sock", "--no-wait", "init");
            // OVS_RUNDIR: where this ovs-vswitchd puts its bridges' OpenFlow sockets (BRIDGE.mgmt).
            await Shell.CheckAsync("ip", "netns", "exec", ns, "env", $"OVS_RUNDIR={dir}", "ovs-vswitchd", $"unix:{dir}/db.sock",
                $"--pidfile={dir}/ovs-vswitchd.pid", $"--unixctl={dir}/ovs-vswitchd.ctl", $"--log-file={dir}/ovs-vswitchd.log", "--detach", "-vconsole:err");
            await Shell.CheckAsync("ip", "-n", ns, "link", "set", "lo", "up");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The underlay: a standalone bridge holding the physical (here: veth) port, with the server's tunnel address.</summary>
    public async Task AddUnderlayAsync(string device, string address)
    {
        await Database.EnsureBridgeAsync(new BridgeSpec("br-phy") { FailMode = "standalone" });
        await Database.EnsurePortAsync("br-phy", new PortSpec { Name = device });
        await Shell.CheckAsync("ip", "-n", Namespace, "link", "set", device, "up");
        // The bridge's own interface (a tap) appears once ovs-vswitchd has read the new bridge.
        await Database.WaitForOfPortAsync("br-phy", TimeSpan.FromSeconds(10));
        for (var attempt = 0; (await Shell.RunAsync("ip", "-n", Namespace, "link", "show", "br-phy")).ExitCode != 0; attempt++)
        {
            Assert.True(attempt < 100, "br-phy did not appear");
            await Task.Delay(50);
        }

        await Shell.CheckAsync("ip", "-n", Namespace, "addr", "add", address + "/24", "dev", "br-phy");
        await Shell.CheckAsync("ip", "-n", Namespace, "link", "set", "br-phy", "up");
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        // Only the daemons this object started, through their own control sockets.
        await Shell.RunAsync("ovs-appctl", "-t", Path.Combine(RunDirectory, "ovs-vswitchd.ctl"), "exit", "--cleanup");
        await Shell.RunAsync("ovs-appctl", "-t", Path.Combine(RunDirectory, "ovsdb-server.ctl"), "exit");
        await Shell.RunAsync("ip", "netns", "del", Namespace);
        Directory.Delete(RunDirectory, recursive: true);
    }
}
