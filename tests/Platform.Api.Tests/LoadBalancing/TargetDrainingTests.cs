using System.Text.Json;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Agent;
using Platform.HostAgent.Protocol;
using Platform.Modules.Network.Contracts;

namespace Platform.Api.Tests.LoadBalancing;

/// <summary>
/// A deregistered target leaves its balancer's nodes when its deregistration delay ends, not at the next unrelated change: the
/// desired state a server's agent gets names the moment (<see cref="DesiredTarget.DrainedAt"/>), at which the agent writes the
/// node's HAProxy configuration without it (HaproxyConfigurationTests: kept with weight 0 before, left out from then on, the
/// agent's next round due then). A state composed after the delay no longer lists it, and ELBv2's target health no longer does.
/// The API and the agent's own client, no switch.
/// </summary>
public sealed class TargetDrainingTests
{
    private const string Elb = "/api/v1/elb";
    private const string Vpc = "/api/v1/vpc";
    private const int Delay = 4;

    private static string Text(JsonElement element, string property) => element.GetProperty(property).GetString()!;

    [Fact]
    public async Task Given_a_deregistered_target_Then_the_node_s_state_names_when_its_delay_ends_and_states_composed_after_it_leave_it_out()
    {
        await using var app = new PlatformApp();
        using var root = app.SignedClient(app.RootCredentials);
        var token = await (await root.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { availability_zone = "us-east-1a" })).AssertOkAsync();
        var agent = new AgentApiClient(app.CreateClient());
        var capacity = new HostCapacity(8, 16384);
        var enrolled = await agent.EnrolAsync(new EnrolRequest(token.GetProperty("join_token").GetString()!, "server-a", capacity), CancellationToken.None);
        agent.UseCredential(new HostCredential(enrolled.HostId, enrolled.HostSecret, enrolled.AvailabilityZone, "http://localhost"));
        await agent.ReportAsync(new HostReport(enrolled.HostId, 0, capacity, [], [], "192.0.2.1"), CancellationToken.None);

        var tenant = await root.CreateAccountAsync("elb-draining");
        using var client = app.SignedClient(tenant);
        var vpcId = Text(await (await client.PostJsonAsync($"{Vpc}/vpcs", new { cidr_block = "10.71.0.0/16" })).AssertOkAsync(), "vpc_id");
        var subnet = Text(await (await client.PostJsonAsync($"{Vpc}/subnets", new { vpc_id = vpcId, cidr_block = "10.71.1.0/24", availability_zone = "us-east-1a" })).AssertOkAsync(), "subnet_id");
        async Task<string> InstanceAsync()
        {
            var instanceId = "i-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)) + "b";
            await using var scope = app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ISender>().Send(new CreateInstanceInterface(tenant.AccountId, instanceId, subnet, []));
            return instanceId;
        }

        var stays = await InstanceAsync();
        var leaves = await InstanceAsync();
        var groupArn = Text(await (await client.PostJsonAsync($"{Elb}/target-groups", new
        {
            name = "web", protocol = "HTTP", port = 80, vpc_id = vpcId, deregistration_delay_seconds = Delay,
        })).AssertOkAsync(), "target_group_arn");
        await (await client.PostJsonAsync($"{Elb}/targets/register", new { target_group_arn = groupArn, targets = new[] { new { id = stays }, new { id = leaves } } })).AssertOkAsync();
        var lbArn = Text(await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "front", scheme = "internal", subnets = new[] { subnet } })).AssertOkAsync(), "load_balancer_arn");
        await (await client.PostJsonAsync($"{Elb}/listeners", new
        {
            load_balancer_arn = lbArn, protocol = "HTTP", port = 80, default_actions = new[] { new { type = "forward", target_group_arn = groupArn } },
        })).AssertOkAsync();

        async Task<(long Version, DesiredLoadBalancerNode Node)> NodeAsync(Func<DesiredLoadBalancerNode, bool> ready, string what)
        {
            HostDesiredState? state = null;
            await Eventually.TrueAsync(async () =>
            {
                state = await agent.WaitForDesiredStateAsync(-1, TimeSpan.Zero, CancellationToken.None);
                return state?.LoadBalancerNodes is [var n] && ready(n);
            }, TimeSpan.FromSeconds(90), what);
            return (state!.Version, state.LoadBalancerNodes!.Single());
        }

        await NodeAsync(n => n.TargetGroups is [{ Targets.Count: 2 }], "the node never carried both targets");
        var deregisteredAt = DateTime.UtcNow;
        await (await client.PostJsonAsync($"{Elb}/targets/deregister", new { target_group_arn = groupArn, targets = new[] { new { id = leaves } } })).AssertOkAsync();
        var (version, node) = await NodeAsync(n => n.TargetGroups.Single().Targets.Any(t => t.Draining), "the deregistered target did not reach the node as draining");

        // The state says when the delay ends: the deregistration plus the group's delay.
        var target = node.TargetGroups.Single().Targets.Single(t => t.TargetId == leaves);
        var end = Assert.NotNull(target.DrainedAt).ToUniversalTime();
        Assert.InRange(end, deregisteredAt.AddSeconds(Delay - 1), DateTime.UtcNow.AddSeconds(Delay + 1));
        Assert.Null(node.TargetGroups.Single().Targets.Single(t => t.TargetId == stays).DrainedAt);

        // Once the delay has passed, ELBv2's target health no longer lists it, and a state composed now leaves it out (an agent that
        // fetches one then, as a restarted one does, writes what the one that acted on the time wrote).
        await Eventually.TrueAsync(() => Task.FromResult(DateTime.UtcNow > end.AddMilliseconds(200)), TimeSpan.FromSeconds(30), "the delay never ended");
        var health = (await (await client.GetAsync($"{Elb}/target-health?target_group_arn={Uri.EscapeDataString(groupArn)}")).AssertOkAsync())
            .GetProperty("target_health_descriptions").EnumerateArray().Select(h => Text(h.GetProperty("target"), "id")).ToList();
        Assert.Equal([stays], health);
        var (_, composed) = await NodeAsync(_ => true, "no state after the delay");
        Assert.Equal([stays], composed.TargetGroups.Single().Targets.Select(t => t.TargetId));
        Assert.Null(composed.TargetGroups.Single().Targets.Single().DrainedAt);
        Assert.True(version > 0);
    }
}
