using System.Net.Sockets;
using Platform.HostAgent.OpenVSwitch.Flows;
using Platform.Tests.Common;

namespace Platform.HostAgent.OpenVSwitch.Tests;

/// <summary>
/// deploy/lab-uplink.sh, the outside world of <c>./platform.sh up</c> and CI, under names and addresses of its own (the
/// real one is platform-outside with 198.51.100.0/24): made twice (idempotent), it lets this machine itself open a TCP
/// connection to an elastic IP (what <c>ssh root@&lt;elastic ip&gt;</c> needs), and <c>down</c> removes it.
/// </summary>
[Collection(OpenVSwitchCollection.Name)]
public sealed class LabUplinkTests(ITestOutputHelper output)
{
    [OvsFact]
    public async Task Given_the_lab_uplink_Then_this_machine_reaches_an_elastic_ip_through_the_outside_namespace()
    {
        var sfx = Shell.NewSuffix();
        var octet = Random.Shared.Next(1, 250);
        var publicNet = $"100.64.{octet}";
        string[] environment =
        [
            $"PLATFORM_OUTSIDE_NS=lab-{sfx}", $"PLATFORM_UPLINK=lu{sfx}", $"PLATFORM_PUBLIC_CIDR={publicNet}.0/24",
            $"PLATFORM_PUBLIC_GATEWAY={publicNet}.1", $"PLATFORM_HOST_LINK=100.127.{octet}.0",
        ];
        var script = Path.Combine(Repository.Root, "deploy", "lab-uplink.sh");
        var bridge = "brl" + sfx;
        await using var database = new OpenVSwitchDatabase();
        TestGuest? guest = null;
        System.Diagnostics.Process? listener = null;
        try
        {
            output.WriteLine(await Shell.CheckAsync("env", [.. environment, script]));
            output.WriteLine(await Shell.CheckAsync("env", [.. environment, script]));
            await database.EnsureBridgeAsync(new BridgeSpec(bridge));
            guest = await TestGuest.AddAsync(database, bridge, "lg" + sfx, "02:00:0a:00:01:45", "10.0.1.45", prefix: 24, gateway: "10.0.1.1");
            var eip = $"{publicNet}.10";
            await new IntegrationBridge(database).ApplyAsync(new NetworkDesiredState
            {
                Bridge = bridge,
                Vpcs = [new VpcIsolation
                {
                    VpcId = "vpc-l", LocalVlan = 401, Vni = 9401, CidrBlock = "10.0.0.0/16",
                    Subnets = [new SubnetGateway("10.0.1.0/24", "10.0.1.1") { Routes = [new SubnetRoute("0.0.0.0/0", RouteKind.InternetGateway)] }],
                }],
                Ports = [new PortSecurity
                {
                    InterfaceId = guest.Name, Mac = guest.Mac, Ip = guest.Ip, VpcId = "vpc-l", PublicIp = eip,
                    Ingress = [SecurityRule.Tcp(22, 22, "0.0.0.0/0")], Egress = [SecurityRule.AllTraffic("0.0.0.0/0")],
                }],
                Uplink = new UplinkState { PortName = "lu" + sfx, GatewayIp = $"{publicNet}.1" },
            });

            // From this machine's own network stack, as ssh would connect.
            listener = await TcpSession.ListenAsync(guest, 22);
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.ConnectAsync(eip, 22, timeout.Token);
            // The client's connect returns at the SYN-ACK; the guest's side is established only once the last ACK has been
            // through the switch (the userspace datapath on a loaded machine can take a while): look again for a few seconds.
            var seen = "";
            for (var look = 0; look < 50 && !seen.Contains($"100.127.{octet}.2", StringComparison.Ordinal); look++)
            {
                if (look > 0)
                {
                    await Task.Delay(200);
                }

                seen = await Shell.CheckAsync("ip", "netns", "exec", guest.Namespace, "ss", "-Htn", "state", "established", "sport = :22");
            }

            output.WriteLine("guest sees: " + seen.Trim());
            Assert.Contains($"100.127.{octet}.2", seen, StringComparison.Ordinal);
        }
        finally
        {
            listener?.Kill(entireProcessTree: true);
            listener?.Dispose();
            if (guest is not null)
            {
                await guest.DeleteAsync();
            }

            await Shell.RunAsync("ovs-vsctl", "--if-exists", "del-br", bridge);
            await Shell.RunAsync("env", [.. environment, script, "down"]);
        }

        Assert.DoesNotContain($"lab-{sfx}", await Shell.CheckAsync("ip", "netns", "list"), StringComparison.Ordinal);
        Assert.DoesNotContain($"{publicNet}.0/24", await Shell.CheckAsync("ip", "route"), StringComparison.Ordinal);
    }
}
