namespace Platform.HostAgent.OpenVSwitch.Tests;

/// <summary>The OVSDB adapter against the machine's real ovsdb-server and ovs-vswitchd, checked with ovs-vsctl.</summary>
[Collection(OpenVSwitchCollection.Name)]
public sealed class OpenVSwitchDatabaseTests : IAsyncLifetime, IAsyncDisposable
{
    private readonly string _bridge = "brt" + Shell.NewSuffix();
    private readonly OpenVSwitchDatabase _database = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Shell.RunAsync("ovs-vsctl", "--if-exists", "del-br", _bridge);
        await _database.DisposeAsync();
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    private static async Task<string> Vsctl(params string[] arguments) => (await Shell.CheckAsync("ovs-vsctl", arguments)).Trim();

    [OvsFact]
    public async Task Given_no_bridge_When_ensured_twice_Then_one_userspace_bridge_in_secure_mode_exists()
    {
        await _database.EnsureBridgeAsync(new BridgeSpec(_bridge));
        await _database.EnsureBridgeAsync(new BridgeSpec(_bridge));

        Assert.Equal(1, (await Vsctl("list-br")).Split('\n').Count(b => b == _bridge));
        Assert.Equal("netdev", await Vsctl("get", "bridge", _bridge, "datapath_type"));
        Assert.Equal("secure", await Vsctl("get", "bridge", _bridge, "fail_mode"));
        Assert.Equal("internal", await Vsctl("get", "interface", _bridge, "type"));
    }

    [OvsFact]
    public async Task Given_a_bridge_changed_by_hand_When_ensured_Then_it_is_corrected()
    {
        await _database.EnsureBridgeAsync(new BridgeSpec(_bridge));
        await Vsctl("set", "bridge", _bridge, "fail_mode=standalone");
        await _database.EnsureBridgeAsync(new BridgeSpec(_bridge));
        Assert.Equal("secure", await Vsctl("get", "bridge", _bridge, "fail_mode"));
    }

    [OvsFact]
    public async Task Given_bridge_external_ids_When_keys_are_set_and_removed_Then_others_are_kept()
    {
        await _database.EnsureBridgeAsync(new BridgeSpec(_bridge));
        await Vsctl("set", "bridge", _bridge, "external_ids:owner=someone-else");
        await _database.UpdateBridgeExternalIdsAsync(_bridge, new Dictionary<string, string> { ["platform-vlan-vpc-a"] = "1", ["platform-vlan-vpc-b"] = "2" }, []);
        await _database.UpdateBridgeExternalIdsAsync(_bridge, new Dictionary<string, string> { ["platform-vlan-vpc-b"] = "7" }, ["platform-vlan-vpc-a", "absent"]);

        var ids = await _database.GetBridgeExternalIdsAsync(_bridge);
        Assert.Equal(new Dictionary<string, string> { ["owner"] = "someone-else", ["platform-vlan-vpc-b"] = "7" }, ids);
        Assert.Equal("\"7\"", await Vsctl("get", "bridge", _bridge, "external_ids:platform-vlan-vpc-b"));
        Assert.Empty(await _database.GetBridgeExternalIdsAsync("no-such-bridge"));
        await Assert.ThrowsAsync<Ovsdb.OvsdbException>(() => _database.UpdateBridgeExternalIdsAsync("no-such-bridge", new Dictionary<string, string> { ["k"] = "v" }, []));
    }

    [OvsFact]
    public async Task Given_ports_When_ensured_twice_and_changed_Then_they_match_and_are_listed()
    {
        await _database.EnsureBridgeAsync(new BridgeSpec(_bridge));
        var tunnel = IntegrationBridge.TunnelPortName("172.31.9.2");
        var tap = "tp" + _bridge[3..];
        for (var i = 0; i < 2; i++)
        {
            await _database.EnsurePortAsync(_bridge, PortSpec.Internal("in" + _bridge[3..]));
            await _database.EnsurePortAsync(_bridge, PortSpec.Tunnel(tunnel, TunnelKind.Geneve, "172.31.9.2"));
            await _database.EnsurePortAsync(_bridge, PortSpec.GuestTap(tap, "eni-0abc", "02:00:00:00:00:07", "i-0abc", 5) with { Type = "internal" });
        }

        Assert.Equal(
            new[] { "in" + _bridge[3..], tap, tunnel }.Order(StringComparer.Ordinal),
            (await Vsctl("list-ports", _bridge)).Split('\n').Order(StringComparer.Ordinal));
        Assert.Equal("geneve", await Vsctl("get", "interface", tunnel, "type"));
        Assert.Equal("{key=flow, remote_ip=\"172.31.9.2\"}", await Vsctl("get", "interface", tunnel, "options"));
        Assert.Equal("5", await Vsctl("get", "port", tap, "tag"));
        Assert.Equal("eni-0abc", await Vsctl("get", "interface", tap, "external_ids:iface-id"));

        // Corrected when different: another VLAN, another remote; keys set by others are kept.
        await Vsctl("set", "interface", tap, "external_ids:iface-status=active");
        await _database.EnsurePortAsync(_bridge, PortSpec.GuestTap(tap, "eni-0abc", "02:00:00:00:00:07", "i-0abc", 6) with { Type = "internal" });
        await _database.EnsurePortAsync(_bridge, PortSpec.Tunnel(tunnel, TunnelKind.Vxlan, "172.31.9.3"));
        Assert.Equal("6", await Vsctl("get", "port", tap, "tag"));
        Assert.Equal("active", await Vsctl("get", "interface", tap, "external_ids:iface-status"));
        Assert.Equal("vxlan", await Vsctl("get", "interface", tunnel, "type"));
        Assert.Equal("\"172.31.9.3\"", await Vsctl("get", "interface", tunnel, "options:remote_ip"));

        var ports = await _database.ListPortsAsync(_bridge);
        var guest = Assert.Single(ports, p => p.Name == tap);
        Assert.Equal("eni-0abc", guest.InterfaceId);
        Assert.Equal("02:00:00:00:00:07", guest.AttachedMac);
        Assert.Equal("i-0abc", guest.ExternalIds["vm-id"]);
        Assert.Equal(6, guest.Tag);
        Assert.Equal(await _database.WaitForOfPortAsync(tap, TimeSpan.FromSeconds(10)), (await _database.ListPortsAsync(_bridge)).Single(p => p.Name == tap).OfPort);
        Assert.Equal(tap, (await _database.FindPortByInterfaceIdAsync("eni-0abc"))?.Name);
        Assert.Equal(_bridge, (await _database.FindPortByInterfaceIdAsync("eni-0abc"))?.Bridge);
        Assert.Null(await _database.FindPortByInterfaceIdAsync("eni-missing"));

        await _database.RemovePortAsync(tap);
        await _database.RemovePortAsync(tap);
        Assert.DoesNotContain(tap, await Vsctl("list-ports", _bridge), StringComparison.Ordinal);
    }

    [OvsFact]
    public async Task Given_a_port_added_by_ovs_vsctl_on_another_bridge_When_ensured_here_Then_it_moves()
    {
        var other = _bridge + "o";
        try
        {
            await _database.EnsureBridgeAsync(new BridgeSpec(_bridge));
            await _database.EnsureBridgeAsync(new BridgeSpec(other));
            var port = "mv" + _bridge[3..];
            await Vsctl("add-port", other, port, "--", "set", "interface", port, "type=internal");
            await _database.EnsurePortAsync(_bridge, PortSpec.Internal(port));
            Assert.Equal(_bridge, await Vsctl("port-to-br", port));
        }
        finally
        {
            await _database.RemoveBridgeAsync(other);
            await _database.RemoveBridgeAsync(other);
        }

        Assert.DoesNotContain(other, await Vsctl("list-br"), StringComparison.Ordinal);
    }

    [OvsFact]
    public async Task Given_concurrent_callers_When_they_ensure_the_same_bridge_Then_one_exists()
    {
        await using var second = new OpenVSwitchDatabase();
        var results = await Task.WhenAll(
            Capture(() => _database.EnsureBridgeAsync(new BridgeSpec(_bridge))),
            Capture(() => second.EnsureBridgeAsync(new BridgeSpec(_bridge))));
        // The loser of the race fails on its "wait" guard instead of making a second bridge; trying again succeeds.
        Assert.All(results.Where(r => r is not null), r => Assert.Contains("timed out", r!.Message, StringComparison.Ordinal));
        await _database.EnsureBridgeAsync(new BridgeSpec(_bridge));
        Assert.Equal(1, (await Vsctl("list-br")).Split('\n').Count(b => b == _bridge));
    }

    private static async Task<Exception?> Capture(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (Ovsdb.OvsdbException exception)
        {
            return exception;
        }
    }
}
