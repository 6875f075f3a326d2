using System.Diagnostics;
using System.Text;
using Platform.Api.Tests.Compute;
using Platform.Api.Tests.TestEngine;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// VPC networking with real guests on this machine's Open vSwitch: guests get their subnet addresses,
/// two instances in one VPC ping each other as their security group allows, an instance of another VPC
/// with the same CIDR cannot reach them, and revoking the ICMP rule stops the ping until it is added back.
/// The pinging guest runs its loop from EC2 user data and prints each result on its console.
/// </summary>
public sealed class NetworkEndToEndTests
{
    [Fact]
    public async Task Given_two_guests_in_a_VPC_Then_they_ping_as_their_group_allows_and_another_VPC_with_the_same_CIDR_cannot_reach_them()
    {
        await using var cloud = await RealCloud.StartAsync();
        var root = cloud.Root;
        var (vpc, subnet) = await VpcAsync(root, "10.20.0.0/16", "10.20.1.0/24");
        var group = await (await root.PostJsonAsync("/api/v1/vpc/security-groups", new { group_name = "pingable", description = "icmp", vpc_id = vpc })).AssertOkAsync();
        var groupId = group.GetProperty("group_id").GetString()!;
        var icmp = new { rules = new[] { new { ip_protocol = "icmp", from_port = -1, to_port = -1, cidr_ip = "10.20.0.0/16" } } };
        await (await root.PostJsonAsync($"/api/v1/vpc/security-groups/{groupId}/ingress-rules", icmp)).AssertOkAsync();

        var target = await cloud.LaunchAsync(new { instance_type = "t2.nano", image_id = cloud.ImageId, subnet_id = subnet, security_groups = new[] { groupId } });
        var targetIp = (await root.InstanceAsync(target)).GetProperty("private_ip_address").GetString()!;
        Assert.StartsWith("10.20.1.", targetIp);
        await cloud.ConsoleShowsAsync(target, $"PLATFORM-GUEST-IP eth0 {targetIp}/24");

        var pinger = await cloud.LaunchAsync(new
        {
            instance_type = "t2.nano", image_id = cloud.ImageId, subnet_id = subnet, security_groups = new[] { groupId }, user_data = PingLoop(targetIp),
        });
        await cloud.ConsoleShowsAsync(pinger, $"PLATFORM-USER-DATA ping {targetIp} ok", TimeSpan.FromSeconds(120));
        var pingerIp = (await root.InstanceAsync(pinger)).GetProperty("private_ip_address").GetString()!;

        // Same CIDR, another VPC: the first VPC's guests are not reachable from there. The stranger pings both;
        // whichever address is not its own (it may well get the same one in its own VPC) must never answer.
        var (_, otherSubnet) = await VpcAsync(root, "10.20.0.0/16", "10.20.1.0/24");
        var stranger = await cloud.LaunchAsync(new
        {
            instance_type = "t2.nano", image_id = cloud.ImageId, subnet_id = otherSubnet, user_data = PingLoop(targetIp, pingerIp),
        });
        var strangerIp = (await root.InstanceAsync(stranger)).GetProperty("private_ip_address").GetString()!;
        var unreachable = strangerIp == targetIp ? pingerIp : targetIp;
        await cloud.ConsoleShowsAsync(stranger, $"PLATFORM-USER-DATA ping {unreachable} fail", TimeSpan.FromSeconds(120));
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.DoesNotContain($"ping {unreachable} ok", cloud.ConsoleText(stranger, 0), StringComparison.Ordinal);

        // Revoking the rule stops the ping; adding it back restores it.
        var watch = Stopwatch.StartNew();
        var mark = cloud.ConsoleText(pinger, 0).Length;
        await (await root.PostJsonAsync($"/api/v1/vpc/security-groups/{groupId}/ingress-rules/revoke", icmp)).AssertOkAsync();
        await cloud.ConsoleShowsAsync(pinger, $"PLATFORM-USER-DATA ping {targetIp} fail", TimeSpan.FromSeconds(120), from: mark);
        var revoked = watch.Elapsed;
        mark = cloud.ConsoleText(pinger, 0).Length;
        await (await root.PostJsonAsync($"/api/v1/vpc/security-groups/{groupId}/ingress-rules", icmp)).AssertOkAsync();
        await cloud.ConsoleShowsAsync(pinger, $"PLATFORM-USER-DATA ping {targetIp} ok", TimeSpan.FromSeconds(120), from: mark);
        Console.WriteLine($"ICMP revoke seen by the guest after {revoked.TotalSeconds:F1} s (pings once a second)");
    }

    private static async Task<(string Vpc, string Subnet)> VpcAsync(HttpClient root, string vpcCidr, string subnetCidr)
    {
        var vpc = (await (await root.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = vpcCidr })).AssertOkAsync()).GetProperty("vpc_id").GetString()!;
        var subnet = (await (await root.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpc, cidr_block = subnetCidr, availability_zone = "us-east-1a" }))
            .AssertOkAsync()).GetProperty("subnet_id").GetString()!;
        return (vpc, subnet);
    }

    /// <summary>User data: ping each address once a second forever, printing "ping ADDRESS ok" or "ping ADDRESS fail".</summary>
    private static string PingLoop(params string[] addresses) => Convert.ToBase64String(Encoding.ASCII.GetBytes(
        $"while true; do for a in {string.Join(' ', addresses)}; do if ping -c 1 -W 1 $a >/dev/null 2>&1; then echo ping $a ok; else echo ping $a fail; fi; done; sleep 1; done\n"));
}
