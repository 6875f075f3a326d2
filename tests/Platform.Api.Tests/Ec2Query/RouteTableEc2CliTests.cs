using System.Text.Json;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Ec2Query;

/// <summary>
/// Internet gateways and route tables on EC2's query protocol, driven by Debian's awscli 2 as a user would: a gateway made with
/// its tags, attached, filtered and detached; a custom table with routes to the gateway and to an instance (replaced and deleted),
/// a subnet's association and the VPC's main one moved and back; the errors AWS would print, each leaving things as they were;
/// another account that cannot see or change any of it, a user without the permission refused, and DryRun.
/// </summary>
public sealed class RouteTableEc2CliTests : IAsyncLifetime
{
    private const string Cli = AwsCli.Debian;

    private Ec2Cloud _cloud = null!;

    public async Task InitializeAsync() => _cloud = await Ec2Cloud.StartAsync();

    public async Task DisposeAsync() => await _cloud.DisposeAsync();

    [Fact]
    public async Task Given_awscli_2_When_it_builds_a_public_subnet_with_a_gateway_routes_and_associations_Then_it_prints_what_AWS_would()
    {
        var root = _cloud.Api.RootCredentials();
        Task<JsonElement> Ec2(params string[] arguments) => _cloud.JsonAsync(Cli, root, ["ec2", .. arguments]);
        Task<string> Fails(string code, string operation, params string[] arguments) => _cloud.FailsAsync(Cli, root, code, operation, ["ec2", .. arguments]);
        async Task<JsonElement> Table(string id) => Assert.Single((await Ec2("describe-route-tables", "--route-table-ids", id)).GetProperty("RouteTables").EnumerateArray());

        var vpcId = (await Ec2("create-vpc", "--cidr-block", "10.60.0.0/16")).GetProperty("Vpc").GetProperty("VpcId").GetString()!;
        var otherVpcId = (await Ec2("create-vpc", "--cidr-block", "10.61.0.0/16")).GetProperty("Vpc").GetProperty("VpcId").GetString()!;
        var subnetId = (await Ec2("create-subnet", "--vpc-id", vpcId, "--cidr-block", "10.60.1.0/24", "--availability-zone", Ec2Cloud.Zone))
            .GetProperty("Subnet").GetProperty("SubnetId").GetString()!;

        // The internet gateway, made with its tag, attached once.
        var gateway = (await Ec2("create-internet-gateway", "--tag-specifications", "ResourceType=internet-gateway,Tags=[{Key=Name,Value=edge}]"))
            .GetProperty("InternetGateway");
        var igw = gateway.GetProperty("InternetGatewayId").GetString()!;
        Assert.StartsWith("igw-", igw, StringComparison.Ordinal);
        Assert.Equal(root.AccountId, gateway.GetProperty("OwnerId").GetString());
        Assert.Equal(0, gateway.GetProperty("Attachments").GetArrayLength());
        Assert.Equal(("Name", "edge"), Tag(Assert.Single(gateway.GetProperty("Tags").EnumerateArray())));
        await Fails("InvalidParameterValue", "CreateInternetGateway", "create-internet-gateway", "--tag-specifications", "ResourceType=vpc,Tags=[{Key=a,Value=b}]");
        Assert.Equal([igw], (await Ec2("describe-internet-gateways", "--query", "InternetGateways[].InternetGatewayId")).EnumerateArray().Select(g => g.GetString()));

        await Ec2("attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpcId);
        var attached = Assert.Single((await Ec2("describe-internet-gateways", "--filters", $"Name=attachment.vpc-id,Values={vpcId}", "Name=tag:Name,Values=edge"))
            .GetProperty("InternetGateways").EnumerateArray());
        Assert.Equal(igw, attached.GetProperty("InternetGatewayId").GetString());
        var attachment = Assert.Single(attached.GetProperty("Attachments").EnumerateArray());
        Assert.Equal((vpcId, "available"), (attachment.GetProperty("VpcId").GetString(), attachment.GetProperty("State").GetString()));
        Assert.Equal(0, (await Ec2("describe-internet-gateways", "--filters", $"Name=attachment.vpc-id,Values={otherVpcId}", "--query", "InternetGateways[]"))
            .GetArrayLength());
        await Fails("Resource.AlreadyAssociated", "AttachInternetGateway", "attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", otherVpcId);
        var spare = (await Ec2("create-internet-gateway")).GetProperty("InternetGateway").GetProperty("InternetGatewayId").GetString()!;
        await Fails("Resource.AlreadyAssociated", "AttachInternetGateway", "attach-internet-gateway", "--internet-gateway-id", spare, "--vpc-id", vpcId);
        await Fails("Gateway.NotAttached", "DetachInternetGateway", "detach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", otherVpcId);
        await Fails("DependencyViolation", "DeleteInternetGateway", "delete-internet-gateway", "--internet-gateway-id", igw);
        await Fails("InvalidInternetGatewayID.NotFound", "DescribeInternetGateways", "describe-internet-gateways", "--internet-gateway-ids", "igw-0123456789abcdef0");
        await Fails("InvalidParameterValue", "DescribeInternetGateways", "describe-internet-gateways", "--filters", "Name=colour,Values=red");
        await Ec2("delete-internet-gateway", "--internet-gateway-id", spare);
        await Fails("InvalidInternetGatewayID.NotFound", "DeleteInternetGateway", "delete-internet-gateway", "--internet-gateway-id", spare);

        // A custom table, made with its tag and only the local route.
        var made = (await Ec2("create-route-table", "--vpc-id", vpcId, "--tag-specifications", "ResourceType=route-table,Tags=[{Key=tier,Value=public}]"))
            .GetProperty("RouteTable");
        var tableId = made.GetProperty("RouteTableId").GetString()!;
        Assert.StartsWith("rtb-", tableId, StringComparison.Ordinal);
        Assert.Equal(vpcId, made.GetProperty("VpcId").GetString());
        Assert.Equal(0, made.GetProperty("Associations").GetArrayLength());
        Assert.Equal(("tier", "public"), Tag(Assert.Single(made.GetProperty("Tags").EnumerateArray())));
        var local = Assert.Single(made.GetProperty("Routes").EnumerateArray());
        Assert.Equal(("10.60.0.0/16", "local", "active", "CreateRouteTable"), (local.GetProperty("DestinationCidrBlock").GetString(),
            local.GetProperty("GatewayId").GetString(), local.GetProperty("State").GetString(), local.GetProperty("Origin").GetString()));
        await Fails("InvalidVpcID.NotFound", "CreateRouteTable", "create-route-table", "--vpc-id", "vpc-0123456789abcdef0");

        // Routes: the default route to the gateway, refused twice and for what the platform has not, changing nothing.
        Assert.True((await Ec2("create-route", "--route-table-id", tableId, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", igw))
            .GetProperty("Return").GetBoolean());
        await Fails("RouteAlreadyExists", "CreateRoute", "create-route", "--route-table-id", tableId, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", igw);
        await Fails("RouteAlreadyExists", "CreateRoute", "create-route", "--route-table-id", tableId, "--destination-cidr-block", "10.60.0.0/16", "--gateway-id", igw);
        await Fails("UnsupportedOperation", "CreateRoute", "create-route", "--route-table-id", tableId, "--destination-ipv6-cidr-block", "::/0", "--gateway-id", igw);
        await Fails("UnsupportedOperation", "CreateRoute", "create-route", "--route-table-id", tableId, "--destination-cidr-block", "172.16.0.0/12",
            "--vpc-peering-connection-id", "pcx-0123456789abcdef0");
        await Fails("MissingParameter", "CreateRoute", "create-route", "--route-table-id", tableId, "--destination-cidr-block", "172.16.0.0/12");
        await Fails("InvalidParameterCombination", "CreateRoute", "create-route", "--route-table-id", tableId, "--destination-cidr-block", "172.16.0.0/12",
            "--gateway-id", igw, "--nat-gateway-id", "nat-0123456789abcdef0");
        await Fails("InvalidParameterValue", "CreateRoute", "create-route", "--route-table-id", tableId, "--destination-cidr-block", "172.16.0.0/33", "--gateway-id", igw);
        await Fails("InvalidGatewayID.NotFound", "CreateRoute", "create-route", "--route-table-id", tableId, "--destination-cidr-block", "172.16.0.0/12",
            "--gateway-id", "igw-0123456789abcdef0");
        await Fails("InvalidRouteTableID.NotFound", "CreateRoute", "create-route", "--route-table-id", "rtb-0123456789abcdef0", "--destination-cidr-block",
            "172.16.0.0/12", "--gateway-id", igw);
        await Fails("DryRunOperation", "CreateRoute", "create-route", "--dry-run", "--route-table-id", tableId, "--destination-cidr-block", "172.16.0.0/12",
            "--gateway-id", igw);
        Assert.Equal(["0.0.0.0/0", "10.60.0.0/16"], Destinations(await Table(tableId)));

        // The subnet's association; a second table cannot take the subnet.
        var associated = await Ec2("associate-route-table", "--route-table-id", tableId, "--subnet-id", subnetId);
        var associationId = associated.GetProperty("AssociationId").GetString()!;
        Assert.StartsWith("rtbassoc-", associationId, StringComparison.Ordinal);
        Assert.Equal("associated", associated.GetProperty("AssociationState").GetProperty("State").GetString());
        var mainId = (await Ec2("describe-route-tables", "--filters", $"Name=vpc-id,Values={vpcId}", "Name=association.main,Values=true",
            "--query", "RouteTables[0].RouteTableId")).GetString()!;
        await Fails("Resource.AlreadyAssociated", "AssociateRouteTable", "associate-route-table", "--route-table-id", mainId, "--subnet-id", subnetId);
        await Fails("UnsupportedOperation", "AssociateRouteTable", "associate-route-table", "--route-table-id", tableId, "--gateway-id", igw);
        var bySubnet = Assert.Single((await Ec2("describe-route-tables", "--filters", $"Name=association.subnet-id,Values={subnetId}"))
            .GetProperty("RouteTables").EnumerateArray());
        Assert.Equal(tableId, bySubnet.GetProperty("RouteTableId").GetString());
        var association = Assert.Single(bySubnet.GetProperty("Associations").EnumerateArray());
        Assert.Equal((associationId, subnetId, false, "associated"), (association.GetProperty("RouteTableAssociationId").GetString(),
            association.GetProperty("SubnetId").GetString(), association.GetProperty("Main").GetBoolean(),
            association.GetProperty("AssociationState").GetProperty("State").GetString()));
        var defaultRoute = bySubnet.GetProperty("Routes").EnumerateArray().Single(r => r.GetProperty("DestinationCidrBlock").GetString() == "0.0.0.0/0");
        Assert.Equal((igw, "active", "CreateRoute"), (defaultRoute.GetProperty("GatewayId").GetString(), defaultRoute.GetProperty("State").GetString(),
            defaultRoute.GetProperty("Origin").GetString()));
        Assert.Equal([tableId], (await Ec2("describe-route-tables", "--filters", $"Name=route.gateway-id,Values={igw}", "--query", "RouteTables[].RouteTableId"))
            .EnumerateArray().Select(t => t.GetString()));

        // A route to an instance (its primary interface), then replaced by one to the gateway.
        var instanceId = (await Ec2("run-instances", "--image-id", _cloud.ImageId, "--instance-type", "t3.micro", "--subnet-id", subnetId))
            .GetProperty("Instances")[0].GetProperty("InstanceId").GetString()!;
        await Ec2("create-route", "--route-table-id", tableId, "--destination-cidr-block", "192.168.0.0/16", "--instance-id", instanceId);
        var viaInstance = (await Table(tableId)).GetProperty("Routes").EnumerateArray().Single(r => r.GetProperty("DestinationCidrBlock").GetString() == "192.168.0.0/16");
        Assert.Equal(instanceId, viaInstance.GetProperty("InstanceId").GetString());
        Assert.Equal(root.AccountId, viaInstance.GetProperty("InstanceOwnerId").GetString());
        Assert.StartsWith("eni-", viaInstance.GetProperty("NetworkInterfaceId").GetString(), StringComparison.Ordinal);
        Assert.Equal("active", viaInstance.GetProperty("State").GetString());
        Assert.Equal([tableId], (await Ec2("describe-route-tables", "--filters", $"Name=route.instance-id,Values={instanceId}", "--query", "RouteTables[].RouteTableId"))
            .EnumerateArray().Select(t => t.GetString()));
        await Ec2("replace-route", "--route-table-id", tableId, "--destination-cidr-block", "192.168.0.0/16", "--gateway-id", igw);
        var replaced = (await Table(tableId)).GetProperty("Routes").EnumerateArray().Single(r => r.GetProperty("DestinationCidrBlock").GetString() == "192.168.0.0/16");
        Assert.Equal(igw, replaced.GetProperty("GatewayId").GetString());
        Assert.False(replaced.TryGetProperty("InstanceId", out _));
        await Fails("InvalidRoute.NotFound", "ReplaceRoute", "replace-route", "--route-table-id", tableId, "--destination-cidr-block", "172.16.0.0/12", "--gateway-id", igw);
        await Ec2("delete-route", "--route-table-id", tableId, "--destination-cidr-block", "192.168.0.0/16");
        await Fails("InvalidRoute.NotFound", "DeleteRoute", "delete-route", "--route-table-id", tableId, "--destination-cidr-block", "192.168.0.0/16");
        Assert.Equal(["0.0.0.0/0", "10.60.0.0/16"], Destinations(await Table(tableId)));

        // Another account sees none of it and changes nothing; a user without the permission is refused.
        var stranger = await _cloud.Native.CreateAccountAsync("route-stranger");
        Task<string> StrangerFails(string code, string operation, params string[] arguments) => _cloud.FailsAsync(Cli, stranger, code, operation, ["ec2", .. arguments]);
        await StrangerFails("InvalidRouteTableID.NotFound", "DescribeRouteTables", "describe-route-tables", "--route-table-ids", tableId);
        await StrangerFails("InvalidRouteTableID.NotFound", "DeleteRoute", "delete-route", "--route-table-id", tableId, "--destination-cidr-block", "0.0.0.0/0");
        await StrangerFails("InvalidRouteTableID.NotFound", "DeleteRouteTable", "delete-route-table", "--route-table-id", tableId);
        await StrangerFails("InvalidAssociationID.NotFound", "DisassociateRouteTable", "disassociate-route-table", "--association-id", associationId);
        await StrangerFails("InvalidInternetGatewayID.NotFound", "DetachInternetGateway", "detach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpcId);
        await StrangerFails("InvalidInternetGatewayID.NotFound", "DescribeInternetGateways", "describe-internet-gateways", "--internet-gateway-ids", igw);
        Assert.Equal(0, (await _cloud.JsonAsync(Cli, stranger, "ec2", "describe-internet-gateways", "--query", "InternetGateways[]")).GetArrayLength());
        {
            var admin = _cloud.Native;
            var reader = await admin.CreateUserWithKeyAsync("route-reader", root.AccountId);
            await admin.AttachAsync("route-reader", await admin.CreatePolicyAsync("route-read",
                IamSetup.Document(new { Effect = "Allow", Action = "ec2:Describe*", Resource = "*" })));
            await Eventually.TrueAsync(async () => (await _cloud.CliAsync(Cli, reader, ["ec2", "describe-route-tables", "--route-table-ids", tableId])).Exit == 0,
                TimeSpan.FromSeconds(90), "the reader's policy did not take effect");
            await _cloud.FailsAsync(Cli, reader, "UnauthorizedOperation", "DeleteRoute", ["ec2", "delete-route", "--route-table-id", tableId, "--destination-cidr-block", "0.0.0.0/0"]);
            await _cloud.FailsAsync(Cli, reader, "UnauthorizedOperation", "DetachInternetGateway", ["ec2", "detach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpcId]);
        }

        Assert.Equal(["0.0.0.0/0", "10.60.0.0/16"], Destinations(await Table(tableId)));
        Assert.Equal(vpcId, (await Ec2("describe-internet-gateways", "--internet-gateway-ids", igw, "--query", "InternetGateways[0].Attachments[0].VpcId")).GetString());

        // The VPC's main association moves to the custom table and back; it cannot be ended, only moved.
        var mainAssociation = (await Ec2("describe-route-tables", "--route-table-ids", mainId, "--query", "RouteTables[0].Associations[?Main].RouteTableAssociationId | [0]"))
            .GetString()!;
        await Fails("InvalidParameterValue", "DisassociateRouteTable", "disassociate-route-table", "--association-id", mainAssociation);
        var moved = await Ec2("replace-route-table-association", "--association-id", mainAssociation, "--route-table-id", tableId);
        var movedId = moved.GetProperty("NewAssociationId").GetString()!;
        Assert.NotEqual(mainAssociation, movedId);
        Assert.Equal("associated", moved.GetProperty("AssociationState").GetProperty("State").GetString());
        Assert.Equal([tableId], (await Ec2("describe-route-tables", "--filters", $"Name=vpc-id,Values={vpcId}", "Name=association.main,Values=true",
            "--query", "RouteTables[].RouteTableId")).EnumerateArray().Select(t => t.GetString()));
        await Fails("InvalidAssociationID.NotFound", "ReplaceRouteTableAssociation", "replace-route-table-association", "--association-id", mainAssociation,
            "--route-table-id", mainId);
        await Ec2("replace-route-table-association", "--association-id", movedId, "--route-table-id", mainId);
        Assert.Equal([mainId], (await Ec2("describe-route-tables", "--filters", $"Name=vpc-id,Values={vpcId}", "Name=association.main,Values=true",
            "--query", "RouteTables[].RouteTableId")).EnumerateArray().Select(t => t.GetString()));

        // Taken apart in the order AWS requires, each refusal first.
        await Fails("DependencyViolation", "DeleteRouteTable", "delete-route-table", "--route-table-id", tableId);
        await Ec2("disassociate-route-table", "--association-id", associationId);
        await Fails("InvalidAssociationID.NotFound", "DisassociateRouteTable", "disassociate-route-table", "--association-id", associationId);
        await Ec2("delete-route-table", "--route-table-id", tableId);
        await Fails("InvalidRouteTableID.NotFound", "DescribeRouteTables", "describe-route-tables", "--route-table-ids", tableId);
        await Ec2("detach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpcId);
        Assert.Equal(0, (await Ec2("describe-internet-gateways", "--internet-gateway-ids", igw, "--query", "InternetGateways[0].Attachments")).GetArrayLength());
        await Ec2("delete-internet-gateway", "--internet-gateway-id", igw);
        await Fails("InvalidInternetGatewayID.NotFound", "DescribeInternetGateways", "describe-internet-gateways", "--internet-gateway-ids", igw);
        await Ec2("terminate-instances", "--instance-ids", instanceId);
        await Ec2("wait", "instance-terminated", "--instance-ids", instanceId);
        await Eventually.TrueAsync(async () => (await _cloud.CliAsync(Cli, root, ["ec2", "delete-subnet", "--subnet-id", subnetId])).Exit == 0,
            TimeSpan.FromSeconds(90), "the subnet stayed in use");
        await Ec2("delete-vpc", "--vpc-id", vpcId);
        await Ec2("delete-vpc", "--vpc-id", otherVpcId);
    }

    private static (string?, string?) Tag(JsonElement tag) => (tag.GetProperty("Key").GetString(), tag.GetProperty("Value").GetString());

    private static List<string?> Destinations(JsonElement table) =>
        table.GetProperty("Routes").EnumerateArray().Select(r => r.GetProperty("DestinationCidrBlock").GetString()).Order(StringComparer.Ordinal).ToList();
}
