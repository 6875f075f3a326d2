using System.Text.Json;
using Hangfire;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Agent;
using Platform.HostAgent.Protocol;
using Platform.Modules.Network.Contracts;

namespace Platform.Api.Tests.Network;

/// <summary>
/// What the API tells servers about a VPC that spans them, and what it does about launches that never finished.
/// The servers here speak the agent's protocol with the agent's own client (<see cref="AgentApiClient"/>): they
/// enrol, report their tunnel addresses and read their desired states; no switch is involved (the Open vSwitch
/// and end-to-end tests apply such states).
/// </summary>
public sealed class VpcAcrossServersTests
{
    private sealed record Server(string HostId, string TunnelAddress, AgentApiClient Agent);

    private static async Task<Server> EnrolAsync(PlatformApp app, HttpClient root, string name, string tunnelAddress)
    {
        var token = await (await root.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { })).AssertOkAsync();
        var agent = new AgentApiClient(app.CreateClient());
        var capacity = new HostCapacity(8, 16384);
        var enrolled = await agent.EnrolAsync(new EnrolRequest(token.GetProperty("join_token").GetString()!, name, capacity), CancellationToken.None);
        agent.UseCredential(new HostCredential(enrolled.HostId, enrolled.HostSecret, enrolled.AvailabilityZone, "http://localhost"));
        await agent.ReportAsync(new HostReport(enrolled.HostId, 0, capacity, [], [], tunnelAddress), CancellationToken.None);
        return new Server(enrolled.HostId, tunnelAddress, agent);
    }

    private static async Task<(string Vpc, string[] Subnets)> VpcAsync(HttpClient root, params string[] subnetCidrs)
    {
        var vpc = (await (await root.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = "10.40.0.0/16" })).AssertOkAsync()).GetProperty("vpc_id").GetString()!;
        var subnets = new List<string>();
        foreach (var cidr in subnetCidrs)
        {
            subnets.Add((await (await root.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpc, cidr_block = cidr })).AssertOkAsync())
                .GetProperty("subnet_id").GetString()!);
        }

        return (vpc, [.. subnets]);
    }

    [Fact]
    public async Task Given_a_launch_onto_a_new_server_of_a_VPC_Then_the_other_servers_get_a_new_version_with_its_tunnel_and_its_NIC_without_any_notification()
    {
        // No job runs: Network's SecurityGroupRulesChanged is never delivered, as if it had been delivered before
        // the launch committed. The placement's own commit must carry the news to the VPC's other servers.
        await using var app = new PlatformApp(runJobs: false);
        using var root = app.SignedClient(app.RootCredentials);
        var image = await root.RegisterKernelImageAsync("across", [1], [2], isPublic: true);
        var one = await EnrolAsync(app, root, "server-1", "192.0.2.1");
        var two = await EnrolAsync(app, root, "server-2", "192.0.2.2");
        var (vpc, subnets) = await VpcAsync(root, "10.40.1.0/24", "10.40.2.0/24");

        var first = (await root.LaunchAsync(new { instance_type = "t2.nano", image_id = image, subnet_id = subnets[0] })).GetProperty("instance");
        var servers = new[] { one, two }.ToDictionary(s => s.HostId, StringComparer.Ordinal);
        var firstServer = servers[first.GetProperty("host_id").GetString()!];
        var before = await firstServer.Agent.WaitForDesiredStateAsync(-1, TimeSpan.Zero, CancellationToken.None);
        Assert.NotNull(before);
        Assert.Empty(Assert.Single(before.Networks!).RemoteTunnelAddresses);

        var second = (await root.LaunchAsync(new { instance_type = "t2.nano", image_id = image, subnet_id = subnets[1] })).GetProperty("instance");
        var secondServer = servers[second.GetProperty("host_id").GetString()!];
        Assert.NotEqual(firstServer, secondServer);

        // The first server's agent, waiting past the version it has, is answered at once with the second server in the VPC.
        var after = await firstServer.Agent.WaitForDesiredStateAsync(before.Version, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.NotNull(after);
        Assert.True(after.Version > before.Version);
        var network = Assert.Single(after.Networks!);
        Assert.Equal(vpc, network.VpcId);
        Assert.Equal([secondServer.TunnelAddress], network.RemoteTunnelAddresses);
        Assert.Equal([Remote(second, secondServer)], network.RemoteInterfaces!);

        // And the second server's first state knows the first server and its guest in the other subnet.
        var theirs = Assert.Single((await secondServer.Agent.WaitForDesiredStateAsync(-1, TimeSpan.Zero, CancellationToken.None))!.Networks!);
        Assert.Equal([firstServer.TunnelAddress], theirs.RemoteTunnelAddresses);
        Assert.Equal([Remote(first, firstServer)], theirs.RemoteInterfaces!);
        Assert.Equal(network.IsolationId, theirs.IsolationId);
    }

    private static RemoteInterface Remote(JsonElement instance, Server server) =>
        new(instance.GetProperty("mac_address").GetString()!, instance.GetProperty("private_ip_address").GetString()!, server.TunnelAddress);

    [Fact]
    public async Task Given_an_interface_whose_launch_died_before_recording_its_instance_Then_housekeeping_releases_it_after_the_grace_period()
    {
        var grace = TimeSpan.FromSeconds(4);
        await using var app = new PlatformApp(settings: new Dictionary<string, string?> { ["Network:OrphanInterfaceGracePeriod"] = grace.ToString() });
        using var root = app.SignedClient(app.RootCredentials);
        var image = await root.RegisterKernelImageAsync("orphans", [1], [2], isPublic: true);
        await EnrolAsync(app, root, "server-1", "192.0.2.1");
        var (_, subnets) = await VpcAsync(root, "10.40.1.0/28");

        // What RunInstances does first, then an API that dies before the instance is saved: nobody will release it.
        async Task<InstanceInterface> InterfaceOfALaunchThatDiedAsync(string instanceId)
        {
            await using var scope = app.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<ISender>().Send(
                new CreateInstanceInterface(app.RootCredentials.AccountId, instanceId, subnets[0]), CancellationToken.None);
        }

        var orphan = await InterfaceOfALaunchThatDiedAsync("i-0000000000000dead");
        var launched = (await root.LaunchAsync(new { instance_type = "t2.nano", image_id = image, subnet_id = subnets[0] })).GetProperty("instance");
        await Task.Delay(grace + TimeSpan.FromMilliseconds(500));
        // This one's launch may still be under way: too young to judge.
        var young = await InterfaceOfALaunchThatDiedAsync("i-0000000000000beef");

        var storage = app.Services.GetRequiredService<JobStorage>();
        var jobId = ((IRecurringJobManagerV2)app.Services.GetRequiredService<IRecurringJobManager>()).TriggerJob("network-housekeeping");
        await Eventually.TrueAsync(() => Task.FromResult(storage.GetConnection().GetStateData(jobId)?.Name == Hangfire.States.SucceededState.StateName),
            TimeSpan.FromSeconds(90), "the network housekeeping job did not run");

        var left = (await (await root.GetAsync($"/api/v1/vpc/network-interfaces?subnet_id={subnets[0]}")).AssertOkAsync())
            .GetProperty("network_interfaces").EnumerateArray().Select(n => n.GetProperty("network_interface_id").GetString()!).ToList();
        Assert.DoesNotContain(orphan.NetworkInterfaceId, left);
        Assert.Contains(launched.GetProperty("network_interface_id").GetString()!, left);
        Assert.Contains(young.NetworkInterfaceId, left);

        // Its address is free again: a /28 has 11 addresses, two are held, so 9 more launches' worth fit (and the orphan's among them).
        var reused = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            reused.Add((await InterfaceOfALaunchThatDiedAsync($"i-000000000000001{i:x2}")).PrivateIpAddress);
        }

        Assert.Contains(orphan.PrivateIpAddress, reused);
    }
}
