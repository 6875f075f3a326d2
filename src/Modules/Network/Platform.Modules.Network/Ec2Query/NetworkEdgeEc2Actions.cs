using Platform.Modules.Network.ElasticIps;
using Platform.Modules.Network.InternetGateways;
using Platform.Modules.Network.NatGateways;
using Platform.Modules.Network.RouteTables;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Ec2Query;
using Platform.Modules.Shared.Errors;
using static Platform.Modules.Shared.Ec2Query.Ec2QueryCalls;
using static Platform.Modules.Shared.Ec2Query.Ec2QueryXml;

namespace Platform.Modules.Network.Ec2Query;

/// <summary>
/// Network's VPC edge on EC2's query protocol: internet gateways, changing route tables and their routes and associations,
/// elastic IPs (domain <c>vpc</c>, named by allocation and association ids) and public NAT gateways, each bound to the native request, so both APIs share every rule, error and permission (<c>ec2:&lt;Action&gt;</c>). Routes
/// take an IPv4 destination and one target the platform has (an internet gateway, a NAT gateway, an instance or an interface);
/// the targets and destinations it has not (IPv6, prefix lists, peering, transit, VPC endpoint, local, carrier and egress-only
/// gateways, core networks, edge associations) are UnsupportedOperation, and nothing changes.
/// </summary>
internal static class NetworkEdgeEc2Actions
{
    /// <summary>The one pool elastic IPs come from, under the name EC2 gives its own (the operator's public network).</summary>
    private const string AmazonPool = "amazon";

    /// <summary>CreateRoute's and ReplaceRoute's parameters for what no platform route has.</summary>
    private static readonly string[] UnsupportedRouteParameters =
    [
        "DestinationIpv6CidrBlock", "DestinationPrefixListId", "VpcEndpointId", "EgressOnlyInternetGatewayId", "TransitGatewayId", "LocalGatewayId",
        "CarrierGatewayId", "VpcPeeringConnectionId", "CoreNetworkArn", "LocalTarget",
    ];

    public static AwsQueryService Table(NetworkSettings settings) => new AwsQueryService("ec2", "2016-11-15", Namespace, AwsQueryDialect.Ec2)
        .Action("CreateInternetGateway", c => new CreateInternetGateway(settings.Region, c.TagSpecifications("internet-gateway")),
            gateway => Element("internetGateway", InternetGateway(gateway)))
        .Action("DescribeInternetGateways", c =>
        {
            var ids = c.Ids("InternetGatewayId");
            c.ReadFilters("internet-gateway-id", "attachment.vpc-id", "attachment.state", "owner-id", "tag:");
            c.ReadPaging(5, 1000, ids.Count);
            return new DescribeInternetGateways(ids);
        }, (c, found) =>
        {
            var filtered = c.Filters().Apply(found.InternetGateways, (g, name) => name switch
            {
                "internet-gateway-id" => [g.InternetGatewayId],
                "attachment.vpc-id" => [.. g.Attachments.Select(a => a.VpcId)],
                "attachment.state" => [.. g.Attachments.Select(a => a.State)],
                "owner-id" => [g.OwnerId],
                _ => null,
            }, g => TagPairs(g.Tags));
            var (page, next) = c.Paging().Apply(filtered, g => g.InternetGatewayId);
            return new object?[] { Items("internetGatewaySet", page, InternetGateway), Value("nextToken", next) };
        })
        .Command("AttachInternetGateway", c => new AttachInternetGateway(settings.Region, c.Parameters.Required("InternetGatewayId"), c.Parameters.Optional("VpcId")))
        .Command("DetachInternetGateway", c => new DetachInternetGateway(settings.Region, c.Parameters.Required("InternetGatewayId"), c.Parameters.Optional("VpcId")))
        .Command("DeleteInternetGateway", c => new DeleteInternetGateway(settings.Region, c.Parameters.Required("InternetGatewayId")))
        .Action("CreateRouteTable", c => new CreateRouteTable(settings.Region, c.Parameters.Optional("VpcId"), c.TagSpecifications("route-table")),
            table => Element("routeTable", NetworkEc2Actions.RouteTable(table)))
        .Command("DeleteRouteTable", c => new DeleteRouteTable(settings.Region, c.Parameters.Required("RouteTableId")))
        .Action("CreateRoute", c => new CreateRoute(settings.Region, c.Parameters.Required("RouteTableId"), Route(c)), _ => Value("return", true))
        .Action("ReplaceRoute", c => new ReplaceRoute(settings.Region, c.Parameters.Required("RouteTableId"), Route(c)), _ => Value("return", true))
        .Command("DeleteRoute", c =>
        {
            Unsupported(c, "DestinationIpv6CidrBlock", "DestinationPrefixListId");
            return new DeleteRoute(settings.Region, c.Parameters.Required("RouteTableId"), c.Parameters.Optional("DestinationCidrBlock"));
        })
        .Action("AssociateRouteTable", c =>
        {
            Unsupported(c, "GatewayId");
            return new AssociateRouteTable(settings.Region, c.Parameters.Required("RouteTableId"), c.Parameters.Optional("SubnetId"));
        }, association => new object?[] { Value("associationId", association.AssociationId), AssociationState(association.AssociationState) })
        .Command("DisassociateRouteTable", c => new DisassociateRouteTable(settings.Region, c.Parameters.Required("AssociationId")))
        .Action("ReplaceRouteTableAssociation", c => new ReplaceRouteTableAssociation(settings.Region, c.Parameters.Required("AssociationId"),
                c.Parameters.Optional("RouteTableId")),
            association => new object?[] { Value("newAssociationId", association.AssociationId), AssociationState(association.AssociationState) })
        .Action("AllocateAddress", c =>
        {
            if (c.Parameters.Optional("Domain") is { } domain && domain != "vpc")
            {
                throw domain == "standard"
                    ? new ApiException(400, "UnsupportedOperation", "This platform's elastic IPs are for VPCs only: Domain must be vpc.")
                    : ApiErrors.InvalidParameterValue($"Value ({domain}) for parameter domain is invalid. Supported here: vpc.");
            }

            Defaults(c, settings);
            Unsupported(c, "CustomerOwnedIpv4Pool");
            return new AllocateAddress(settings.Region, c.Parameters.Optional("Address"), c.TagSpecifications("elastic-ip"));
        }, address => new object?[]
        {
            Value("publicIp", address.PublicIp),
            Value("allocationId", address.AllocationId),
            Value("publicIpv4Pool", AmazonPool),
            Value("networkBorderGroup", settings.Region),
            Value("domain", address.Domain),
            TagSetOrNone(address.Tags),
        })
        .Action("AssociateAddress", c =>
        {
            ByAllocationOnly(c);
            Unsupported(c, "PrivateIpAddress");
            return new AssociateAddress(settings.Region, c.Parameters.Optional("AllocationId"), c.Parameters.Optional("InstanceId"),
                c.Parameters.Optional("NetworkInterfaceId"), c.Parameters.OptionalBool("AllowReassociation") ?? false);
        }, associated => Value("associationId", associated.AssociationId))
        .Command("DisassociateAddress", c =>
        {
            ByAllocationOnly(c);
            return new DisassociateAddress(settings.Region, c.Parameters.Optional("AssociationId"));
        })
        .Command("ReleaseAddress", c =>
        {
            ByAllocationOnly(c);
            Defaults(c, settings);
            return new ReleaseAddress(settings.Region, c.Parameters.Optional("AllocationId"));
        })
        .Action("DescribeAddresses", c =>
        {
            var ids = c.Ids("AllocationId");
            var publicIps = c.Ids("PublicIp");
            c.ReadFilters("allocation-id", "association-id", "domain", "instance-id", "network-interface-id", "network-interface-owner-id",
                "private-ip-address", "public-ip", "network-border-group", "tag:");
            return new DescribeAddresses(ids, publicIps);
        }, (c, found) =>
        {
            var filtered = c.Filters().Apply(found.Addresses, (a, name) => name switch
            {
                "allocation-id" => [a.AllocationId],
                "association-id" => [a.AssociationId],
                "domain" => [a.Domain],
                "instance-id" => [a.InstanceId],
                "network-interface-id" => [a.NetworkInterfaceId],
                "network-interface-owner-id" => [a.NetworkInterfaceId is null ? null : a.NetworkInterfaceOwnerId],
                "private-ip-address" => [a.PrivateIpAddress],
                "public-ip" => [a.PublicIp],
                "network-border-group" => [settings.Region],
                _ => null,
            }, a => TagPairs(a.Tags));
            return Items("addressesSet", filtered, a => new object?[]
            {
                Value("instanceId", a.InstanceId),
                Value("publicIp", a.PublicIp),
                Value("allocationId", a.AllocationId),
                Value("associationId", a.AssociationId),
                Value("domain", a.Domain),
                Value("networkInterfaceId", a.NetworkInterfaceId),
                Value("networkInterfaceOwnerId", a.NetworkInterfaceId is null ? null : a.NetworkInterfaceOwnerId),
                Value("privateIpAddress", a.PrivateIpAddress),
                TagSetOrNone(a.Tags),
                Value("publicIpv4Pool", AmazonPool),
                Value("networkBorderGroup", settings.Region),
            });
        })
        .Action("CreateNatGateway", c =>
        {
            if (c.Parameters.Optional("ConnectivityType") is { } connectivity && connectivity != "public")
            {
                throw connectivity == "private"
                    ? new ApiException(400, "UnsupportedOperation", "This platform's NAT gateways are public, with an elastic IP: ConnectivityType must be public.")
                    : ApiErrors.InvalidParameterValue($"Value ({connectivity}) for parameter connectivityType is invalid. Supported here: public.");
            }

            if (c.TagSpecifications("natgateway") is not null)
            {
                throw new ApiException(400, "UnsupportedOperation", "This platform's NAT gateways take no tags.");
            }

            Unsupported(c, "PrivateIpAddress");
            c.Items["clientToken"] = c.Parameters.Optional("ClientToken") ?? "";
            return new CreateNatGateway(settings.Region, c.Parameters.Optional("SubnetId"), c.Parameters.Optional("AllocationId"), c.Parameters.Optional("ClientToken"));
        }, (c, nat) => new object?[]
        {
            Value("clientToken", (string)c.Items["clientToken"] is { Length: > 0 } token ? token : null),
            Element("natGateway", NatGateway(nat)),
        })
        .Action("DescribeNatGateways", c =>
        {
            var ids = c.Ids("NatGatewayId");
            c.ReadFilters("nat-gateway-id", "state", "subnet-id", "vpc-id", "tag:");
            c.ReadPaging(5, 1000, ids.Count);
            return new DescribeNatGateways(ids, []);
        }, (c, found) =>
        {
            var filtered = c.Filters().Apply(found.NatGateways, (n, name) => name switch
            {
                "nat-gateway-id" => [n.NatGatewayId],
                "state" => [n.State],
                "subnet-id" => [n.SubnetId],
                "vpc-id" => [n.VpcId],
                _ => null,
            }, _ => []);
            var (page, next) = c.Paging().Apply(filtered, n => n.NatGatewayId);
            return new object?[] { Items("natGatewaySet", page, NatGateway), Value("nextToken", next) };
        })
        .Action("DeleteNatGateway", c => new DeleteNatGateway(settings.Region, c.Parameters.Required("NatGatewayId")),
            deleted => Value("natGatewayId", deleted.NatGatewayId));

    /// <summary>What AllocateAddress and ReleaseAddress may name of the one pool: its EC2 name and the region as the border group.</summary>
    private static void Defaults(AwsQueryCall c, NetworkSettings settings)
    {
        if (c.Parameters.Optional("PublicIpv4Pool") is { } pool && pool != AmazonPool)
        {
            throw ApiErrors.InvalidParameterValue($"Value ({pool}) for parameter publicIpv4Pool is invalid. Supported here: {AmazonPool}.");
        }

        if (c.Parameters.Optional("NetworkBorderGroup") is { } group && group != settings.Region)
        {
            throw ApiErrors.InvalidParameterValue($"Value ({group}) for parameter networkBorderGroup is invalid. Supported here: {settings.Region}.");
        }
    }

    /// <summary>EC2-Classic's way of naming an address by its public IP; in a VPC an address is named by its allocation or association id.</summary>
    private static void ByAllocationOnly(AwsQueryCall c)
    {
        if (c.Parameters.Optional("PublicIp") is not null)
        {
            throw new ApiException(400, "InvalidParameterCombination",
                "The parameter PublicIp is for EC2-Classic: this platform's addresses are in VPCs, named by AllocationId (or AssociationId).");
        }
    }

    private static object?[] NatGateway(NatGatewayResponse n) =>
    [
        Value("createTime", n.CreateTime),
        Value("deleteTime", n.DeleteTime),
        Value("failureCode", n.FailureCode),
        Value("failureMessage", n.FailureMessage),
        Items("natGatewayAddressSet", n.NatGatewayAddresses, a => new object?[]
        {
            Value("allocationId", a.AllocationId),
            Value("networkInterfaceId", a.NetworkInterfaceId),
            Value("privateIp", a.PrivateIp),
            Value("publicIp", a.PublicIp),
        }),
        Value("natGatewayId", n.NatGatewayId),
        Value("state", n.State),
        Value("subnetId", n.SubnetId),
        Value("vpcId", n.VpcId),
        Value("connectivityType", n.ConnectivityType),
    ];

    private static object?[] InternetGateway(InternetGatewayResponse g) =>
    [
        Value("internetGatewayId", g.InternetGatewayId),
        Value("ownerId", g.OwnerId),
        Items("attachmentSet", g.Attachments, a => new object?[] { Value("vpcId", a.VpcId), Value("state", a.State) }),
        TagSetOrNone(g.Tags),
    ];

    private static System.Xml.Linq.XElement AssociationState(AssociationState state) => Element("associationState", Value("state", state.State));

    /// <summary>A route's destination and target, as CreateRoute and ReplaceRoute send them.</summary>
    private static RouteSpec Route(AwsQueryCall c)
    {
        Unsupported(c, UnsupportedRouteParameters);
        return new RouteSpec(c.Parameters.Optional("DestinationCidrBlock"), c.Parameters.Optional("GatewayId"), c.Parameters.Optional("NatGatewayId"),
            c.Parameters.Optional("NetworkInterfaceId"), c.Parameters.Optional("InstanceId"));
    }

    /// <summary>Refuses a parameter naming something the platform's networks do not have, before anything is looked up.</summary>
    private static void Unsupported(AwsQueryCall c, params string[] names)
    {
        if (names.FirstOrDefault(n => c.Parameters.Optional(n) is not null) is { } given)
        {
            throw new ApiException(400, "UnsupportedOperation", $"The parameter {given} is not supported: this platform's route tables have IPv4 routes to internet gateways, "
                + "NAT gateways, instances and network interfaces, and subnet associations only.");
        }
    }
}
