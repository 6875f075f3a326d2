using System.Text.Json;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Agent;
using Platform.HostAgent.Protocol;

namespace Platform.Api.Tests.Ec2Query;

/// <summary>
/// NAT gateways on EC2's query protocol, driven by Debian's awscli 2 as a user would: a public NAT gateway made idempotently by
/// its client token, placed on the simulated server (pending, then available through the CLI's own waiter), a private subnet's
/// default route to it, deleted (deleted, its route blackhole, its elastic IP kept); the errors AWS would print, each leaving
/// things as they were; another account that cannot see or change any of it, a user without the permission refused, and DryRun.
/// A NAT gateway needs a server with a tunnel address (the simulated one has no switch): a second server of the zone reports one
/// through the agent's own client and keeps its heartbeat, as <see cref="Network.NetworkEdgeApiTests"/> enrols its servers.
/// </summary>
public sealed class NatGatewayEc2CliTests : IAsyncLifetime
{
    private const string Cli = AwsCli.Debian;

    private static readonly Dictionary<string, string> Pool = new()
    {
        ["Network__PublicAddresses__Cidr"] = "198.51.100.0/24",
        ["Network__PublicAddresses__Gateway"] = "198.51.100.1",
    };

    private Ec2Cloud _cloud = null!;

    private volatile bool _stopped;

    private Task _heartbeats = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _cloud = await Ec2Cloud.StartAsync(Pool);
        var token = (await (await _cloud.Native.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { availability_zone = Ec2Cloud.Zone })).AssertOkAsync())
            .GetProperty("join_token").GetString()!;
        var agent = new AgentApiClient(new HttpClient(_cloud.Api.CreateHandler()) { BaseAddress = _cloud.Api.BaseAddress, Timeout = TimeSpan.FromSeconds(60) });
        var capacity = new HostCapacity(8, 16384);
        var enrolled = await agent.EnrolAsync(new EnrolRequest(token, "nat-server", capacity), CancellationToken.None);
        agent.UseCredential(new HostCredential(enrolled.HostId, enrolled.HostSecret, enrolled.AvailabilityZone, _cloud.Api.BaseAddress.ToString()));
        var report = new HostReport(enrolled.HostId, 0, capacity, [], [], "192.0.2.10");
        await agent.ReportAsync(report, CancellationToken.None);
        _heartbeats = Task.Run(async () =>
        {
            while (!_stopped)
            {
                await Task.Delay(TimeSpan.FromSeconds(3));
                if (!_stopped)
                {
                    await agent.ReportAsync(report, CancellationToken.None);
                }
            }
        });
    }

    public async Task DisposeAsync()
    {
        _stopped = true;
        await _heartbeats;
        await _cloud.DisposeAsync();
    }

    [Fact]
    public async Task Given_awscli_2_When_it_makes_routes_through_and_deletes_a_NAT_gateway_Then_it_prints_what_AWS_would()
    {
        var root = _cloud.Api.RootCredentials();
        Task<JsonElement> Ec2(params string[] arguments) => _cloud.JsonAsync(Cli, root, ["ec2", .. arguments]);
        Task<string> Fails(string code, string operation, params string[] arguments) => _cloud.FailsAsync(Cli, root, code, operation, ["ec2", .. arguments]);
        async Task<JsonElement> Nat(string id) => Assert.Single((await Ec2("describe-nat-gateways", "--nat-gateway-ids", id)).GetProperty("NatGateways").EnumerateArray());

        var vpcId = (await Ec2("create-vpc", "--cidr-block", "10.63.0.0/16")).GetProperty("Vpc").GetProperty("VpcId").GetString()!;
        var publicSubnet = (await Ec2("create-subnet", "--vpc-id", vpcId, "--cidr-block", "10.63.1.0/24", "--availability-zone", Ec2Cloud.Zone))
            .GetProperty("Subnet").GetProperty("SubnetId").GetString()!;
        var privateSubnet = (await Ec2("create-subnet", "--vpc-id", vpcId, "--cidr-block", "10.63.2.0/24", "--availability-zone", Ec2Cloud.Zone))
            .GetProperty("Subnet").GetProperty("SubnetId").GetString()!;
        var allocated = await Ec2("allocate-address", "--domain", "vpc");
        var allocationId = allocated.GetProperty("AllocationId").GetString()!;
        var publicIp = allocated.GetProperty("PublicIp").GetString()!;

        // Refused before the VPC has an internet gateway, and for what the platform has not; nothing is made.
        await Fails("Gateway.NotAttached", "CreateNatGateway", "create-nat-gateway", "--subnet-id", publicSubnet, "--allocation-id", allocationId);
        var igw = (await Ec2("create-internet-gateway")).GetProperty("InternetGateway").GetProperty("InternetGatewayId").GetString()!;
        await Ec2("attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpcId);
        await Fails("UnsupportedOperation", "CreateNatGateway", "create-nat-gateway", "--subnet-id", publicSubnet, "--connectivity-type", "private");
        await Fails("UnsupportedOperation", "CreateNatGateway", "create-nat-gateway", "--subnet-id", publicSubnet, "--allocation-id", allocationId,
            "--tag-specifications", "ResourceType=natgateway,Tags=[{Key=a,Value=b}]");
        await Fails("MissingParameter", "CreateNatGateway", "create-nat-gateway", "--subnet-id", publicSubnet);
        await Fails("InvalidSubnetID.NotFound", "CreateNatGateway", "create-nat-gateway", "--subnet-id", "subnet-0123456789abcdef0", "--allocation-id", allocationId);
        await Fails("InvalidAllocationID.NotFound", "CreateNatGateway", "create-nat-gateway", "--subnet-id", publicSubnet, "--allocation-id", "eipalloc-0123456789abcdef0");
        await Fails("DryRunOperation", "CreateNatGateway", "create-nat-gateway", "--dry-run", "--subnet-id", publicSubnet, "--allocation-id", allocationId);
        Assert.Equal(0, (await Ec2("describe-nat-gateways", "--query", "NatGateways[]")).GetArrayLength());

        // Made pending, the same one again for the same client token, available once placed.
        var created = await Ec2("create-nat-gateway", "--subnet-id", publicSubnet, "--allocation-id", allocationId, "--client-token", "nat-tour");
        Assert.Equal("nat-tour", created.GetProperty("ClientToken").GetString());
        var nat = created.GetProperty("NatGateway");
        var natId = nat.GetProperty("NatGatewayId").GetString()!;
        Assert.StartsWith("nat-", natId, StringComparison.Ordinal);
        Assert.Equal(("pending", publicSubnet, vpcId, "public"), (nat.GetProperty("State").GetString(), nat.GetProperty("SubnetId").GetString(),
            nat.GetProperty("VpcId").GetString(), nat.GetProperty("ConnectivityType").GetString()));
        var address = Assert.Single(nat.GetProperty("NatGatewayAddresses").EnumerateArray());
        Assert.Equal((allocationId, publicIp), (address.GetProperty("AllocationId").GetString(), address.GetProperty("PublicIp").GetString()));
        Assert.StartsWith("10.63.1.", address.GetProperty("PrivateIp").GetString(), StringComparison.Ordinal);
        Assert.True(nat.GetProperty("CreateTime").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(-1));
        Assert.Equal(natId, (await Ec2("create-nat-gateway", "--subnet-id", publicSubnet, "--allocation-id", allocationId, "--client-token", "nat-tour"))
            .GetProperty("NatGateway").GetProperty("NatGatewayId").GetString());
        await Fails("IdempotentParameterMismatch", "CreateNatGateway", "create-nat-gateway", "--subnet-id", privateSubnet, "--allocation-id", allocationId,
            "--client-token", "nat-tour");
        await Fails("Resource.AlreadyAssociated", "CreateNatGateway", "create-nat-gateway", "--subnet-id", privateSubnet, "--allocation-id", allocationId);
        await Ec2("wait", "nat-gateway-available", "--nat-gateway-ids", natId);
        Assert.Equal("available", (await Nat(natId)).GetProperty("State").GetString());
        Assert.Equal([natId], (await Ec2("describe-nat-gateways", "--filter", $"Name=vpc-id,Values={vpcId}", "Name=state,Values=available",
            $"Name=subnet-id,Values={publicSubnet}", "--query", "NatGateways[].NatGatewayId")).EnumerateArray().Select(n => n.GetString()));
        Assert.Equal(0, (await Ec2("describe-nat-gateways", "--filter", "Name=state,Values=deleted", "--query", "NatGateways[]")).GetArrayLength());
        await Fails("NatGatewayNotFound", "DescribeNatGateways", "describe-nat-gateways", "--nat-gateway-ids", "nat-0123456789abcdef0");
        await Fails("InvalidParameterValue", "DescribeNatGateways", "describe-nat-gateways", "--filter", "Name=colour,Values=red");

        // Its elastic IP is the gateway's while it stands.
        var held = Assert.Single((await Ec2("describe-addresses", "--allocation-ids", allocationId)).GetProperty("Addresses").EnumerateArray());
        Assert.Equal(address.GetProperty("NetworkInterfaceId").GetString(), held.GetProperty("NetworkInterfaceId").GetString());
        await Fails("InvalidIPAddress.InUse", "ReleaseAddress", "release-address", "--allocation-id", allocationId);
        await Fails("InvalidIPAddress.InUse", "DisassociateAddress", "disassociate-address", "--association-id", held.GetProperty("AssociationId").GetString()!);

        // The private subnet's default route goes through it.
        var tableId = (await Ec2("create-route-table", "--vpc-id", vpcId)).GetProperty("RouteTable").GetProperty("RouteTableId").GetString()!;
        await Ec2("associate-route-table", "--route-table-id", tableId, "--subnet-id", privateSubnet);
        await Ec2("create-route", "--route-table-id", tableId, "--destination-cidr-block", "0.0.0.0/0", "--nat-gateway-id", natId);
        async Task<JsonElement> DefaultRoute() => (await Ec2("describe-route-tables", "--filters", $"Name=route.nat-gateway-id,Values={natId}",
            "--query", "RouteTables[0].Routes[?DestinationCidrBlock=='0.0.0.0/0'] | [0]"));
        var route = await DefaultRoute();
        Assert.Equal((natId, "active"), (route.GetProperty("NatGatewayId").GetString(), route.GetProperty("State").GetString()));

        // Another account sees none of it and changes nothing; a user without the permission is refused.
        var stranger = await _cloud.Native.CreateAccountAsync("nat-stranger");
        await _cloud.FailsAsync(Cli, stranger, "NatGatewayNotFound", "DescribeNatGateways", ["ec2", "describe-nat-gateways", "--nat-gateway-ids", natId]);
        await _cloud.FailsAsync(Cli, stranger, "NatGatewayNotFound", "DeleteNatGateway", ["ec2", "delete-nat-gateway", "--nat-gateway-id", natId]);
        await _cloud.FailsAsync(Cli, stranger, "InvalidSubnetID.NotFound", "CreateNatGateway",
            ["ec2", "create-nat-gateway", "--subnet-id", publicSubnet, "--allocation-id", allocationId, "--client-token", "nat-tour"]);
        Assert.Equal(0, (await _cloud.JsonAsync(Cli, stranger, "ec2", "describe-nat-gateways", "--query", "NatGateways[]")).GetArrayLength());
        var admin = _cloud.Native;
        var reader = await admin.CreateUserWithKeyAsync("nat-reader", root.AccountId);
        await admin.AttachAsync("nat-reader", await admin.CreatePolicyAsync("nat-read", IamSetup.Document(new { Effect = "Allow", Action = "ec2:Describe*", Resource = "*" })));
        await Eventually.TrueAsync(async () => (await _cloud.CliAsync(Cli, reader, ["ec2", "describe-nat-gateways"])).Exit == 0, TimeSpan.FromSeconds(90),
            "the reader's policy did not take effect");
        await _cloud.FailsAsync(Cli, reader, "UnauthorizedOperation", "DeleteNatGateway", ["ec2", "delete-nat-gateway", "--nat-gateway-id", natId]);
        await Fails("DryRunOperation", "DeleteNatGateway", "delete-nat-gateway", "--dry-run", "--nat-gateway-id", natId);
        Assert.Equal("available", (await Nat(natId)).GetProperty("State").GetString());

        // Deleted: shown deleted (the CLI's waiter sees it), its route blackhole, its address kept and free.
        Assert.Equal(natId, (await Ec2("delete-nat-gateway", "--nat-gateway-id", natId)).GetProperty("NatGatewayId").GetString());
        await Ec2("wait", "nat-gateway-deleted", "--nat-gateway-ids", natId);
        var deleted = await Nat(natId);
        Assert.Equal("deleted", deleted.GetProperty("State").GetString());
        Assert.True(deleted.TryGetProperty("DeleteTime", out _));
        Assert.Equal(natId, (await Ec2("delete-nat-gateway", "--nat-gateway-id", natId)).GetProperty("NatGatewayId").GetString());
        Assert.Equal("blackhole", (await DefaultRoute()).GetProperty("State").GetString());
        var freed = Assert.Single((await Ec2("describe-addresses", "--allocation-ids", allocationId)).GetProperty("Addresses").EnumerateArray());
        Assert.False(freed.TryGetProperty("AssociationId", out _));

        await Ec2("delete-route", "--route-table-id", tableId, "--destination-cidr-block", "0.0.0.0/0");
        var associationId = (await Ec2("describe-route-tables", "--route-table-ids", tableId, "--query", "RouteTables[0].Associations[0].RouteTableAssociationId")).GetString()!;
        await Ec2("disassociate-route-table", "--association-id", associationId);
        await Ec2("delete-route-table", "--route-table-id", tableId);
        await Ec2("release-address", "--allocation-id", allocationId);
        await Ec2("detach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpcId);
        await Ec2("delete-internet-gateway", "--internet-gateway-id", igw);
        await Ec2("delete-subnet", "--subnet-id", privateSubnet);
        await Ec2("delete-subnet", "--subnet-id", publicSubnet);
        await Ec2("delete-vpc", "--vpc-id", vpcId);
    }
}
