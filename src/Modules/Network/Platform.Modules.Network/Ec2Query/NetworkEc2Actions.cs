using Mediator;
using Platform.Modules.Network.Interfaces;
using Platform.Modules.Network.RouteTables;
using Platform.Modules.Network.SecurityGroups;
using Platform.Modules.Network.Subnets;
using Platform.Modules.Network.Vpcs;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Ec2Query;
using Platform.Modules.Shared.Errors;
using static Platform.Modules.Shared.Ec2Query.Ec2QueryCalls;
using static Platform.Modules.Shared.Ec2Query.Ec2QueryXml;

namespace Platform.Modules.Network.Ec2Query;

/// <summary>
/// Network's part of EC2's query protocol: VPCs, subnets, security groups and their rules, network interfaces, and the
/// account attributes the CLI and Terraform read first, each bound to the native request; the VPC attributes and route
/// tables Terraform's aws_vpc reads (DescribeVpcAttribute, DescribeRouteTables; ModifyVpcAttribute to what the VPCs have), with
/// their tags (TagSpecification on create, <c>tag:</c>/<c>tag-key</c> filters, <c>tagSet</c>). Changing route tables, internet and NAT
/// gateways and elastic IPs are in <see cref="NetworkEdgeEc2Actions"/>. Rules take CIDR ranges and groups of the VPC; IPv6 ranges and
/// prefix lists are refused as unknown parameters, as the native API has neither (revoking an IPv6 range answers
/// InvalidPermission.NotFound: no group has one).
/// </summary>
internal static class NetworkEc2Actions
{
    public static AwsQueryService Table(NetworkSettings settings) => new AwsQueryService("ec2", "2016-11-15", Namespace, AwsQueryDialect.Ec2)
        .Action("CreateVpc", c =>
        {
            // Terraform's aws_vpc always sends both; the platform's VPCs are IPv4 only and on shared hosts.
            if (c.Parameters.OptionalBool("AmazonProvidedIpv6CidrBlock") == true)
            {
                throw new ApiException(400, "UnsupportedOperation", "This platform's VPCs have no IPv6 CIDR block: AmazonProvidedIpv6CidrBlock must be false.");
            }

            if (c.Parameters.Optional("InstanceTenancy") is { } tenancy && tenancy != "default")
            {
                throw ApiErrors.InvalidParameterValue($"Value ({tenancy}) for parameter instanceTenancy is invalid. Supported here: default.");
            }

            return new CreateVpc(settings.Region, c.Parameters.Optional("CidrBlock"), c.TagSpecifications("vpc"));
        }, vpc => Vpc("vpc", vpc))
        .Action("DescribeVpcs", c =>
        {
            var ids = c.Ids("VpcId");
            c.ReadFilters("vpc-id", "cidr", "cidr-block-association.cidr-block", "state", "is-default", "owner-id", "tag:");
            c.ReadPaging(5, 1000, ids.Count);
            return new DescribeVpcs(ids);
        }, (c, found) =>
        {
            var filtered = c.Filters().Apply(found.Vpcs, (v, name) => name switch
            {
                "vpc-id" => [v.VpcId],
                "cidr" or "cidr-block-association.cidr-block" => [v.CidrBlock],
                "state" => [v.State],
                "is-default" => [v.IsDefault ? "true" : "false"],
                "owner-id" => [v.OwnerId],
                _ => null,
            }, v => TagPairs(v.Tags));
            var (page, next) = c.Paging().Apply(filtered, v => v.VpcId);
            return new object?[] { Items("vpcSet", page, v => VpcContent(v)), Value("nextToken", next) };
        })
        .Command("DeleteVpc", c => new DeleteVpc(settings.Region, c.Parameters.Required("VpcId")))
        .Action("DescribeVpcAttribute", c =>
        {
            var attribute = c.Parameters.Required("Attribute");
            if (attribute is not ("enableDnsSupport" or "enableDnsHostnames" or "enableNetworkAddressUsageMetrics"))
            {
                throw ApiErrors.InvalidParameterValue(
                    $"Value ({attribute}) for parameter attribute is invalid. Supported here: enableDnsSupport, enableDnsHostnames, enableNetworkAddressUsageMetrics.");
            }

            c.Items["attribute"] = attribute;
            return new DescribeVpcs([c.Parameters.Required("VpcId")]);
        }, (c, found) => new object?[]
        {
            Value("vpcId", found.Vpcs[0].VpcId),
            // What the platform's VPCs have: no resolver at the VPC's .2 address and no DNS names for instances (guests are told
            // of no name server), and no address usage metrics. Each is false for every VPC.
            Element((string)c.Items["attribute"], Value("value", false)),
        })
        .Action("ModifyVpcAttribute", c =>
        {
            // One attribute per call, as EC2 requires. The platform's VPCs have no resolver and no instance DNS names, which is
            // what false means; a call asking for that is answered, and one asking for what the platform does not have is refused.
            var given = ((string[])["EnableDnsSupport", "EnableDnsHostnames", "EnableNetworkAddressUsageMetrics"])
                .Select(name => (Name: char.ToLowerInvariant(name[0]) + name[1..], Value: c.Parameters.Structure(name)?.OptionalBool("Value")))
                .Where(a => a.Value is not null).ToList();
            if (given.Count == 0)
            {
                throw ApiErrors.MissingParameter("The request must contain one of EnableDnsSupport, EnableDnsHostnames or EnableNetworkAddressUsageMetrics.");
            }

            if (given.Count > 1)
            {
                throw new ApiException(400, "InvalidParameterCombination", $"Fields for multiple attribute types specified: {string.Join(", ", given.Select(a => a.Name))}");
            }

            if (given[0].Value == true)
            {
                throw new ApiException(400, "UnsupportedOperation",
                    $"This platform's VPCs have no DNS resolver, instance DNS names or address usage metrics: {given[0].Name} must be false.");
            }

            return new DescribeVpcs([c.Parameters.Required("VpcId")]);
        }, _ => Value("return", true))
        .Action("DescribeRouteTables", c =>
        {
            var ids = c.Ids("RouteTableId");
            c.ReadFilters("route-table-id", "vpc-id", "association.main", "association.subnet-id", "association.route-table-association-id",
                "association.route-table-id", "route.destination-cidr-block", "route.gateway-id", "route.nat-gateway-id", "route.instance-id", "route.state",
                "route.origin", "owner-id", "tag:");
            c.ReadPaging(5, 100, ids.Count);
            return new DescribeRouteTables(ids, []);
        }, (c, found) =>
        {
            var filtered = c.Filters().Apply(found.RouteTables, (t, name) =>
            {
                string?[]? values = name switch
                {
                    "route-table-id" => [t.RouteTableId],
                    "vpc-id" => [t.VpcId],
                    "owner-id" => [t.OwnerId],
                    "association.main" => [.. t.Associations.Select(a => a.Main ? "true" : "false")],
                    "association.subnet-id" => [.. t.Associations.Select(a => a.SubnetId)],
                    "association.route-table-association-id" => [.. t.Associations.Select(a => a.RouteTableAssociationId)],
                    "association.route-table-id" => [.. t.Associations.Select(a => a.RouteTableId)],
                    "route.destination-cidr-block" => [.. t.Routes.Select(r => r.DestinationCidrBlock)],
                    "route.gateway-id" => [.. t.Routes.Select(r => r.GatewayId)],
                    "route.nat-gateway-id" => [.. t.Routes.Select(r => r.NatGatewayId)],
                    "route.instance-id" => [.. t.Routes.Select(r => r.InstanceId)],
                    "route.state" => [.. t.Routes.Select(r => r.State)],
                    "route.origin" => [.. t.Routes.Select(r => r.Origin)],
                    _ => null,
                };
                return values;
            }, t => TagPairs(t.Tags));
            var (page, next) = c.Paging().Apply(filtered, t => t.RouteTableId);
            return new object?[] { Items("routeTableSet", page, RouteTable), Value("nextToken", next) };
        })
        .Action("CreateSubnet", c => new CreateSubnet(settings.Region, c.Parameters.Optional("VpcId"), c.Parameters.Optional("CidrBlock"),
            c.Parameters.Optional("AvailabilityZone"), c.TagSpecifications("subnet")), subnet => Element("subnet", SubnetContent(subnet)))
        .Action("DescribeSubnets", c =>
        {
            var ids = c.Ids("SubnetId");
            c.ReadFilters("subnet-id", "vpc-id", "cidr-block", "availability-zone", "default-for-az", "state", "owner-id", "tag:");
            c.ReadPaging(5, 1000, ids.Count);
            return new DescribeSubnets(settings.Region, ids, []);
        }, (c, found) =>
        {
            var filtered = c.Filters().Apply(found.Subnets, (s, name) => name switch
            {
                "subnet-id" => [s.SubnetId],
                "vpc-id" => [s.VpcId],
                "cidr-block" => [s.CidrBlock],
                "availability-zone" => [s.AvailabilityZone],
                "default-for-az" => [s.DefaultForAz ? "true" : "false"],
                "state" => [s.State],
                "owner-id" => [s.OwnerId],
                _ => null,
            }, s => TagPairs(s.Tags));
            var (page, next) = c.Paging().Apply(filtered, s => s.SubnetId);
            return new object?[] { Items("subnetSet", page, SubnetContent), Value("nextToken", next) };
        })
        .Command("DeleteSubnet", c => new DeleteSubnet(settings.Region, c.Parameters.Required("SubnetId")))
        .Action("CreateSecurityGroup", c => new CreateSecurityGroup(settings.Region, c.Parameters.Optional("GroupName"), c.Parameters.Optional("GroupDescription"),
            c.Parameters.Optional("VpcId"), c.TagSpecifications("security-group")), group => new object?[]
            {
                Value("return", true),
                Value("groupId", group.GroupId),
                TagSetOrNone(group.Tags),
                Value("securityGroupArn", group.SecurityGroupArn),
            })
        .Action("DescribeSecurityGroups", c =>
        {
            var ids = c.Ids("GroupId");
            var names = c.Ids("GroupName");
            c.ReadFilters("group-id", "group-name", "vpc-id", "description", "owner-id", "tag:");
            c.ReadPaging(5, 1000, ids.Count + names.Count);
            return new DescribeSecurityGroups(settings.Region, ids, names, []);
        }, (c, found) =>
        {
            var filtered = c.Filters().Apply(found.SecurityGroups, (g, name) => name switch
            {
                "group-id" => [g.GroupId],
                "group-name" => [g.GroupName],
                "vpc-id" => [g.VpcId],
                "description" => [g.Description],
                "owner-id" => [g.OwnerId],
                _ => null,
            }, g => TagPairs(g.Tags));
            var (page, next) = c.Paging().Apply(filtered, g => g.GroupId);
            return new object?[] { Items("securityGroupInfo", page, SecurityGroup), Value("nextToken", next) };
        })
        .Command("DeleteSecurityGroup", c => new DeleteSecurityGroup(settings.Region, c.Parameters.Required("GroupId")))
        .Action("AuthorizeSecurityGroupIngress", c => new AuthorizeSecurityGroupRules(settings.Region, c.Parameters.Required("GroupId"), false, Rules(c)), Authorized)
        .Action("AuthorizeSecurityGroupEgress", c => new AuthorizeSecurityGroupRules(settings.Region, c.Parameters.Required("GroupId"), true, Rules(c)), Authorized)
        .Command("RevokeSecurityGroupIngress", c => Revoke(settings, c, false))
        .Command("RevokeSecurityGroupEgress", c => Revoke(settings, c, true))
        .Action("DescribeNetworkInterfaces", c =>
        {
            var ids = c.Ids("NetworkInterfaceId");
            c.ReadFilters("network-interface-id", "subnet-id", "vpc-id", "attachment.instance-id", "status", "availability-zone", "private-ip-address",
                "mac-address", "group-id", "owner-id");
            c.ReadPaging(5, 1000, ids.Count);
            return new DescribeNetworkInterfaces(ids, [], [], []);
        }, (c, found) =>
        {
            var filtered = c.Filters().Apply(found.NetworkInterfaces, (n, name) =>
            {
                string?[]? values = name switch
                {
                    "network-interface-id" => [n.NetworkInterfaceId],
                    "subnet-id" => [n.SubnetId],
                    "vpc-id" => [n.VpcId],
                    "attachment.instance-id" => [n.Attachment?.InstanceId],
                    "status" => [n.Status],
                    "availability-zone" => [n.AvailabilityZone],
                    "private-ip-address" => [n.PrivateIpAddress],
                    "mac-address" => [n.MacAddress],
                    "group-id" => [.. n.Groups.Select(g => g.GroupId)],
                    "owner-id" => [n.OwnerId],
                    _ => null,
                };
                return values;
            });
            var (page, next) = c.Paging().Apply(filtered, n => n.NetworkInterfaceId);
            return new object?[] { Items("networkInterfaceSet", page, NetworkInterface), Value("nextToken", next) };
        })
        .Action("DescribeAccountAttributes", c =>
        {
            c.Items["names"] = c.Ids("AttributeName");
            return new DescribeVpcs([]);
        }, (c, vpcs) =>
        {
            // What the account really has: VPCs only (no EC2-Classic), its default VPC if it still has one.
            var attributes = new Dictionary<string, string[]>(StringComparer.Ordinal)
            {
                ["supported-platforms"] = ["VPC"],
                ["default-vpc"] = [vpcs.Vpcs.FirstOrDefault(v => v.IsDefault)?.VpcId ?? "none"],
            };
            var names = (IReadOnlyList<string>)c.Items["names"];
            if (names.FirstOrDefault(n => !attributes.ContainsKey(n)) is { } unknown)
            {
                throw ApiErrors.InvalidParameterValue($"Value ({unknown}) for parameter attributeName is invalid. Supported here: supported-platforms, default-vpc.");
            }

            return Items("accountAttributeSet", attributes.Where(a => names.Count == 0 || names.Contains(a.Key)), a => new object?[]
            {
                Value("attributeName", a.Key),
                Items("attributeValueSet", a.Value, v => Value("attributeValue", v)),
            });
        });

    private static object?[] VpcContent(VpcResponse v) =>
    [
        Value("vpcId", v.VpcId),
        Value("ownerId", v.OwnerId),
        Value("state", v.State),
        Value("cidrBlock", v.CidrBlock),
        Items("cidrBlockAssociationSet", [v], a => new object?[]
        {
            Value("cidrBlock", a.CidrBlock),
            Element("cidrBlockState", Value("state", "associated")),
        }),
        Value("instanceTenancy", "default"),
        Value("isDefault", v.IsDefault),
        TagSetOrNone(v.Tags),
    ];

    private static System.Xml.Linq.XElement Vpc(string element, VpcResponse v) => Element(element, VpcContent(v));

    /// <summary>A route table as EC2 writes it (DescribeRouteTables, CreateRouteTable).</summary>
    internal static object?[] RouteTable(RouteTableResponse t) =>
    [
        Value("routeTableId", t.RouteTableId),
        Value("vpcId", t.VpcId),
        Value("ownerId", t.OwnerId),
        Items("routeSet", t.Routes, r => new object?[]
        {
            Value("destinationCidrBlock", r.DestinationCidrBlock),
            Value("gatewayId", r.GatewayId),
            Value("natGatewayId", r.NatGatewayId),
            Value("networkInterfaceId", r.NetworkInterfaceId),
            Value("instanceId", r.InstanceId),
            Value("instanceOwnerId", r.InstanceId is null ? null : t.OwnerId),
            Value("state", r.State),
            Value("origin", r.Origin),
        }),
        Items("associationSet", t.Associations, a => new object?[]
        {
            Value("routeTableAssociationId", a.RouteTableAssociationId),
            Value("routeTableId", a.RouteTableId),
            Value("subnetId", a.SubnetId),
            Value("main", a.Main),
            Element("associationState", Value("state", a.AssociationState.State)),
        }),
        Items("propagatingVgwSet", Array.Empty<string>(), _ => null),
        TagSetOrNone(t.Tags),
    ];

    private static object?[] SubnetContent(SubnetResponse s) =>
    [
        Value("subnetId", s.SubnetId),
        Value("subnetArn", s.SubnetArn),
        Value("state", s.State),
        Value("ownerId", s.OwnerId),
        Value("vpcId", s.VpcId),
        Value("cidrBlock", s.CidrBlock),
        Value("availableIpAddressCount", s.AvailableIpAddressCount),
        Value("availabilityZone", s.AvailabilityZone),
        Value("defaultForAz", s.DefaultForAz),
        // No address outside the VPC is given to an instance at launch.
        Value("mapPublicIpOnLaunch", false),
        Value("assignIpv6AddressOnCreation", false),
        TagSetOrNone(s.Tags),
    ];

    /// <summary>A group, its rules gathered into EC2's permissions (one per protocol and port range, with its ranges and groups).</summary>
    private static object?[] SecurityGroup(SecurityGroupResponse g) =>
    [
        Value("ownerId", g.OwnerId),
        Value("groupId", g.GroupId),
        Value("groupName", g.GroupName),
        Value("groupDescription", g.Description),
        Value("vpcId", g.VpcId),
        Value("securityGroupArn", g.SecurityGroupArn),
        Permissions("ipPermissions", g.IngressRules, g.OwnerId),
        Permissions("ipPermissionsEgress", g.EgressRules, g.OwnerId),
        TagSetOrNone(g.Tags),
    ];

    private static System.Xml.Linq.XElement Permissions(string name, IReadOnlyList<SecurityGroupRuleResponse> rules, string ownerId) =>
        Items(name, rules.GroupBy(r => (r.IpProtocol, r.FromPort, r.ToPort)), permission => new object?[]
        {
            Value("ipProtocol", permission.Key.IpProtocol),
            Value("fromPort", permission.Key.FromPort),
            Value("toPort", permission.Key.ToPort),
            Items("groups", permission.Where(r => r.ReferencedGroupId is not null), r => new object?[]
            {
                Value("groupId", r.ReferencedGroupId), Value("userId", ownerId), Value("description", r.Description),
            }),
            Items("ipRanges", permission.Where(r => r.CidrIpv4 is not null), r => new object?[] { Value("cidrIp", r.CidrIpv4), Value("description", r.Description) }),
            Items("ipv6Ranges", Array.Empty<string>(), _ => null),
            Items("prefixListIds", Array.Empty<string>(), _ => null),
        });

    private static object?[] Authorized(SecurityGroupRulesResponse added) =>
    [
        Value("return", true),
        Items("securityGroupRuleSet", added.SecurityGroupRules, r => new object?[]
        {
            Value("securityGroupRuleId", r.SecurityGroupRuleId),
            Value("groupId", r.GroupId),
            Value("isEgress", r.IsEgress),
            Value("ipProtocol", r.IpProtocol),
            Value("fromPort", r.FromPort ?? -1),
            Value("toPort", r.ToPort ?? -1),
            Value("cidrIpv4", r.CidrIpv4),
            r.ReferencedGroupId is null ? null : Element("referencedGroupInfo", Value("groupId", r.ReferencedGroupId)),
            Value("description", r.Description),
        }),
    ];

    private static object?[] NetworkInterface(NetworkInterfaceResponse n) =>
    [
        Value("networkInterfaceId", n.NetworkInterfaceId),
        Value("subnetId", n.SubnetId),
        Value("vpcId", n.VpcId),
        Value("availabilityZone", n.AvailabilityZone),
        Value("description", n.Description),
        Value("ownerId", n.OwnerId),
        Value("status", n.Status),
        Value("macAddress", n.MacAddress),
        Value("privateIpAddress", n.PrivateIpAddress),
        Value("interfaceType", "interface"),
        Items("groupSet", n.Groups, g => new object?[] { Value("groupId", g.GroupId), Value("groupName", g.GroupName) }),
        n.Attachment is { } a
            ? Element("attachment", Value("attachmentId", a.AttachmentId), Value("instanceId", a.InstanceId), Value("deviceIndex", a.DeviceIndex), Value("status", a.Status))
            : null,
        Items("privateIpAddressesSet", [n], p => new object?[] { Value("privateIpAddress", p.PrivateIpAddress), Value("primary", true) }),
    ];

    private static RevokeSecurityGroupRules Revoke(NetworkSettings settings, AwsQueryCall c, bool isEgress)
    {
        var ruleIds = c.Ids("SecurityGroupRuleId");
        // No group has an IPv6 range (the native API has none), so a rule naming one is not there: Terraform revokes EC2's
        // default ::/0 egress of every new group and expects this answer from a group without IPv6.
        foreach (var permission in c.Parameters.FlatList("IpPermissions"))
        {
            if (permission.FlatList("Ipv6Ranges").Select(r => r.Required("CidrIpv6")).ToList() is { Count: > 0 })
            {
                throw new ApiException(400, "InvalidPermission.NotFound", "The specified rule does not exist in this security group.");
            }
        }

        var rules = Rules(c);
        return new RevokeSecurityGroupRules(settings.Region, c.Parameters.Required("GroupId"), isEgress, rules.Count == 0 ? null : rules,
            ruleIds.Count == 0 ? null : ruleIds);
    }

    /// <summary>
    /// <c>IpPermissions.N</c> (each with its <c>IpRanges.M</c> and <c>UserIdGroupPairs.M</c>, one native rule per range or group),
    /// or the older flat form the CLI sends for <c>--protocol --port --cidr</c> (<c>IpProtocol</c>, <c>FromPort</c>, <c>ToPort</c>, <c>CidrIp</c>).
    /// </summary>
    private static List<RuleSpec> Rules(AwsQueryCall c)
    {
        var rules = new List<RuleSpec>();
        foreach (var permission in c.Parameters.FlatList("IpPermissions"))
        {
            var protocol = permission.Optional("IpProtocol");
            var from = permission.OptionalInt("FromPort");
            var to = permission.OptionalInt("ToPort");
            var before = rules.Count;
            rules.AddRange(permission.FlatList("IpRanges").Select(r => new RuleSpec(protocol, from, to, r.Required("CidrIp"), null, r.Optional("Description"))));
            rules.AddRange(permission.FlatList("Groups").Select(g => new RuleSpec(protocol, from, to, null, g.Required("GroupId"), g.Optional("Description"))));
            if (rules.Count == before)
            {
                throw ApiErrors.MissingParameter("An IpPermissions entry must name at least one IpRanges CidrIp or Groups GroupId.");
            }
        }

        var flatProtocol = c.Parameters.Optional("IpProtocol");
        var flatFrom = c.Parameters.OptionalInt("FromPort");
        var flatTo = c.Parameters.OptionalInt("ToPort");
        var flatCidr = c.Parameters.Optional("CidrIp");
        if (flatProtocol is not null || flatFrom is not null || flatTo is not null || flatCidr is not null)
        {
            if (rules.Count > 0)
            {
                throw new ApiException(400, "InvalidParameterCombination", "The parameter IpPermissions cannot be used with IpProtocol, FromPort, ToPort or CidrIp.");
            }

            rules.Add(new RuleSpec(flatProtocol, flatFrom, flatTo, flatCidr ?? throw ApiErrors.MissingParameter("The request must contain the parameter CidrIp."),
                null, null));
        }

        return rules;
    }
}
