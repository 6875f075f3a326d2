using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Platform.Modules.Network.ElasticIps;
using Platform.Modules.Network.Interfaces;
using Platform.Modules.Network.InternetGateways;
using Platform.Modules.Network.NatGateways;
using Platform.Modules.Network.RouteTables;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authentication;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Tagging;
using Platform.Modules.Network.SecurityGroups;
using Platform.Modules.Network.Subnets;
using Platform.Modules.Network.Vpcs;

namespace Platform.Modules.Network;

/// <summary>The native VPC API: <c>/api/v1/vpc/...</c>, snake_case JSON. Filters are repeatable query parameters.</summary>
internal static class NetworkEndpoints
{
    public const string Prefix = "/api/v1/vpc";

    public static RouteGroupBuilder MapNetwork(IEndpointRouteBuilder routes)
    {
        var vpc = routes.MapGroup(Prefix).WithTags("VPC").WithMetadata(SigningService.Ec2);

        vpc.MapPost("/vpcs", async (CreateVpcBody body, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateVpc(settings.Region, body.CidrBlock, body.Tags), ct)));
        vpc.MapGet("/vpcs", async ([FromQuery(Name = "vpc_id")] string[]? ids, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeVpcs(ids ?? []), ct)));
        vpc.MapGet("/vpcs/{vpc_id}", async ([FromRoute(Name = "vpc_id")] string id, ISender sender, CancellationToken ct) =>
            TypedResults.Ok((await sender.Send(new DescribeVpcs([id]), ct)).Vpcs[0]));
        vpc.MapDelete("/vpcs/{vpc_id}", async ([FromRoute(Name = "vpc_id")] string id, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteVpc(settings.Region, id), ct)));

        vpc.MapPost("/subnets", async (CreateSubnetBody body, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateSubnet(settings.Region, body.VpcId, body.CidrBlock, body.AvailabilityZone, body.Tags), ct)));
        vpc.MapGet("/subnets", async ([FromQuery(Name = "subnet_id")] string[]? ids, [FromQuery(Name = "vpc_id")] string[]? vpcIds,
                NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeSubnets(settings.Region, ids ?? [], vpcIds ?? []), ct)));
        vpc.MapGet("/subnets/{subnet_id}", async ([FromRoute(Name = "subnet_id")] string id, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok((await sender.Send(new DescribeSubnets(settings.Region, [id], []), ct)).Subnets[0]));
        vpc.MapDelete("/subnets/{subnet_id}", async ([FromRoute(Name = "subnet_id")] string id, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteSubnet(settings.Region, id), ct)));

        vpc.MapPost("/security-groups", async (CreateSecurityGroupBody body, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateSecurityGroup(settings.Region, body.GroupName, body.Description, body.VpcId, body.Tags), ct)));
        vpc.MapGet("/security-groups", async ([FromQuery(Name = "group_id")] string[]? ids, [FromQuery(Name = "group_name")] string[]? names,
                [FromQuery(Name = "vpc_id")] string[]? vpcIds, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeSecurityGroups(settings.Region, ids ?? [], names ?? [], vpcIds ?? []), ct)));
        vpc.MapGet("/security-groups/{group_id}", async ([FromRoute(Name = "group_id")] string id, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok((await sender.Send(new DescribeSecurityGroups(settings.Region, [id], [], []), ct)).SecurityGroups[0]));
        vpc.MapDelete("/security-groups/{group_id}", async ([FromRoute(Name = "group_id")] string id, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteSecurityGroup(settings.Region, id), ct)));

        foreach (var (path, isEgress) in new[] { ("ingress-rules", false), ("egress-rules", true) })
        {
            vpc.MapPost($"/security-groups/{{group_id}}/{path}", async ([FromRoute(Name = "group_id")] string id, RulesBody body,
                    NetworkSettings settings, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new AuthorizeSecurityGroupRules(settings.Region, id, isEgress, body.Rules), ct)));
            vpc.MapPost($"/security-groups/{{group_id}}/{path}/revoke", async ([FromRoute(Name = "group_id")] string id, RevokeBody body,
                    NetworkSettings settings, ISender sender, CancellationToken ct) =>
                await NoContent(sender.Send(new RevokeSecurityGroupRules(settings.Region, id, isEgress, body.Rules, body.SecurityGroupRuleIds), ct)));
            vpc.MapDelete($"/security-groups/{{group_id}}/{path}/{{security_group_rule_id}}", async ([FromRoute(Name = "group_id")] string id,
                    [FromRoute(Name = "security_group_rule_id")] string ruleId, NetworkSettings settings, ISender sender, CancellationToken ct) =>
                await NoContent(sender.Send(new RevokeSecurityGroupRules(settings.Region, id, isEgress, null, [ruleId]), ct)));
        }

        vpc.MapGet("/network-interfaces", async ([FromQuery(Name = "network_interface_id")] string[]? ids, [FromQuery(Name = "subnet_id")] string[]? subnetIds,
                [FromQuery(Name = "vpc_id")] string[]? vpcIds, [FromQuery(Name = "instance_id")] string[]? instanceIds, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeNetworkInterfaces(ids ?? [], subnetIds ?? [], vpcIds ?? [], instanceIds ?? []), ct)));
        vpc.MapGet("/network-interfaces/{network_interface_id}", async ([FromRoute(Name = "network_interface_id")] string id, ISender sender, CancellationToken ct) =>
            TypedResults.Ok((await sender.Send(new DescribeNetworkInterfaces([id], [], [], []), ct)).NetworkInterfaces[0]));

        MapEdge(vpc);
        MapTags(vpc);
        return vpc;
    }

    /// <summary>
    /// Tags of each taggable resource, as the instances' (<c>POST …/{id}/tags</c> adds or overwrites, <c>DELETE …/{id}/tags?key=…</c>
    /// removes): both answer with or leave the resource's tags; EC2's CreateTags and DeleteTags send the same requests.
    /// </summary>
    private static void MapTags(RouteGroupBuilder vpc)
    {
        foreach (var collection in (string[])["vpcs", "subnets", "security-groups", "route-tables", "internet-gateways", "addresses"])
        {
            vpc.MapPost($"/{collection}/{{resource_id}}/tags", async ([FromRoute(Name = "resource_id")] string id, ResourceTagsBody body, ICallerContext caller,
                ISender sender, CancellationToken ct) =>
            {
                EnsureCollection(collection, id);
                await sender.Send(new CreateNetworkTags(id, body.Tags ?? []), ct);
                return TypedResults.Ok(ResourceTagsResponse.From(id, await sender.Send(new DescribeNetworkTags(caller.Identity.AccountId, [id]), ct)));
            });
            vpc.MapDelete($"/{collection}/{{resource_id}}/tags", async ([FromRoute(Name = "resource_id")] string id, [FromQuery(Name = "key")] string[]? keys,
                ISender sender, CancellationToken ct) =>
            {
                EnsureCollection(collection, id);
                // Without keys nothing is removed: the native API removes all tags only when asked key by key.
                return keys is { Length: > 0 }
                    ? await NoContent(sender.Send(new DeleteNetworkTags(id, [.. keys.Select(k => new ResourceTagRemoval(k, null))]), ct))
                    : throw ApiErrors.MissingParameter("The request must contain the parameter key.");
            });
        }
    }

    /// <summary>An id of another collection (a subnet's under /vpcs) is not found there, as a missing one.</summary>
    private static void EnsureCollection(string collection, string id)
    {
        var expected = collection switch
        {
            "vpcs" => "vpc",
            "subnets" => "subnet",
            "security-groups" => "security-group",
            "route-tables" => "route-table",
            "internet-gateways" => "internet-gateway",
            _ => "elastic-ip",
        };
        if (ResourceTags.ResourceTypeOf(id) != expected)
        {
            throw expected switch
            {
                "vpc" => NetworkErrors.VpcNotFound(id),
                "subnet" => NetworkErrors.SubnetNotFound(id),
                "security-group" => NetworkErrors.GroupNotFound(id),
                "route-table" => NetworkErrors.RouteTableNotFound(id),
                "internet-gateway" => NetworkErrors.InternetGatewayNotFound(id),
                _ => NetworkErrors.AllocationNotFound(id),
            };
        }
    }

    /// <summary>Route tables, internet gateways, elastic IPs and NAT gateways.</summary>
    private static void MapEdge(RouteGroupBuilder vpc)
    {
        vpc.MapPost("/route-tables", async (CreateRouteTableBody body, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateRouteTable(settings.Region, body.VpcId), ct)));
        vpc.MapGet("/route-tables", async ([FromQuery(Name = "route_table_id")] string[]? ids, [FromQuery(Name = "vpc_id")] string[]? vpcIds, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeRouteTables(ids ?? [], vpcIds ?? []), ct)));
        vpc.MapGet("/route-tables/{route_table_id}", async ([FromRoute(Name = "route_table_id")] string id, ISender sender, CancellationToken ct) =>
            TypedResults.Ok((await sender.Send(new DescribeRouteTables([id], []), ct)).RouteTables[0]));
        vpc.MapDelete("/route-tables/{route_table_id}", async ([FromRoute(Name = "route_table_id")] string id, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteRouteTable(settings.Region, id), ct)));
        vpc.MapPost("/route-tables/{route_table_id}/routes", async ([FromRoute(Name = "route_table_id")] string id, RouteSpec body, NetworkSettings settings,
                ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateRoute(settings.Region, id, body), ct)));
        vpc.MapPut("/route-tables/{route_table_id}/routes", async ([FromRoute(Name = "route_table_id")] string id, RouteSpec body, NetworkSettings settings,
                ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ReplaceRoute(settings.Region, id, body), ct)));
        vpc.MapDelete("/route-tables/{route_table_id}/routes", async ([FromRoute(Name = "route_table_id")] string id,
                [FromQuery(Name = "destination_cidr_block")] string? destination, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteRoute(settings.Region, id, destination), ct)));
        vpc.MapPost("/route-tables/{route_table_id}/associations", async ([FromRoute(Name = "route_table_id")] string id, AssociateRouteTableBody body,
                NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new AssociateRouteTable(settings.Region, id, body.SubnetId), ct)));
        vpc.MapPut("/route-table-associations/{association_id}", async ([FromRoute(Name = "association_id")] string id, ReplaceAssociationBody body,
                NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ReplaceRouteTableAssociation(settings.Region, id, body.RouteTableId), ct)));
        vpc.MapDelete("/route-table-associations/{association_id}", async ([FromRoute(Name = "association_id")] string id, NetworkSettings settings,
                ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DisassociateRouteTable(settings.Region, id), ct)));

        vpc.MapPost("/internet-gateways", async (NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateInternetGateway(settings.Region), ct)));
        vpc.MapGet("/internet-gateways", async ([FromQuery(Name = "internet_gateway_id")] string[]? ids, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeInternetGateways(ids ?? []), ct)));
        vpc.MapGet("/internet-gateways/{internet_gateway_id}", async ([FromRoute(Name = "internet_gateway_id")] string id, ISender sender, CancellationToken ct) =>
            TypedResults.Ok((await sender.Send(new DescribeInternetGateways([id]), ct)).InternetGateways[0]));
        vpc.MapDelete("/internet-gateways/{internet_gateway_id}", async ([FromRoute(Name = "internet_gateway_id")] string id, NetworkSettings settings,
                ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteInternetGateway(settings.Region, id), ct)));
        vpc.MapPost("/internet-gateways/{internet_gateway_id}/attach", async ([FromRoute(Name = "internet_gateway_id")] string id, VpcIdBody body,
                NetworkSettings settings, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new AttachInternetGateway(settings.Region, id, body.VpcId), ct)));
        vpc.MapPost("/internet-gateways/{internet_gateway_id}/detach", async ([FromRoute(Name = "internet_gateway_id")] string id, VpcIdBody body,
                NetworkSettings settings, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DetachInternetGateway(settings.Region, id, body.VpcId), ct)));

        vpc.MapPost("/addresses", async (AllocateAddressBody? body, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new AllocateAddress(settings.Region, body?.Address), ct)));
        vpc.MapGet("/addresses", async ([FromQuery(Name = "allocation_id")] string[]? ids, [FromQuery(Name = "public_ip")] string[]? publicIps, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeAddresses(ids ?? [], publicIps ?? []), ct)));
        vpc.MapGet("/addresses/{allocation_id}", async ([FromRoute(Name = "allocation_id")] string id, ISender sender, CancellationToken ct) =>
            TypedResults.Ok((await sender.Send(new DescribeAddresses([id], []), ct)).Addresses[0]));
        vpc.MapDelete("/addresses/{allocation_id}", async ([FromRoute(Name = "allocation_id")] string id, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new ReleaseAddress(settings.Region, id), ct)));
        vpc.MapPost("/addresses/{allocation_id}/associate", async ([FromRoute(Name = "allocation_id")] string id, AssociateAddressBody body,
                NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new AssociateAddress(settings.Region, id, body.InstanceId, body.NetworkInterfaceId, body.AllowReassociation ?? false), ct)));
        vpc.MapDelete("/address-associations/{association_id}", async ([FromRoute(Name = "association_id")] string id, NetworkSettings settings,
                ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DisassociateAddress(settings.Region, id), ct)));

        vpc.MapPost("/nat-gateways", async (CreateNatGatewayBody body, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateNatGateway(settings.Region, body.SubnetId, body.AllocationId, body.ClientToken), ct)));
        vpc.MapGet("/nat-gateways", async ([FromQuery(Name = "nat_gateway_id")] string[]? ids, [FromQuery(Name = "vpc_id")] string[]? vpcIds, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeNatGateways(ids ?? [], vpcIds ?? []), ct)));
        vpc.MapGet("/nat-gateways/{nat_gateway_id}", async ([FromRoute(Name = "nat_gateway_id")] string id, ISender sender, CancellationToken ct) =>
            TypedResults.Ok((await sender.Send(new DescribeNatGateways([id], []), ct)).NatGateways[0]));
        vpc.MapDelete("/nat-gateways/{nat_gateway_id}", async ([FromRoute(Name = "nat_gateway_id")] string id, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DeleteNatGateway(settings.Region, id), ct)));
    }

    private static async Task<NoContent> NoContent(ValueTask<Unit> work)
    {
        await work;
        return TypedResults.NoContent();
    }

    internal sealed record CreateVpcBody(string? CidrBlock, IReadOnlyList<ResourceTag>? Tags);

    internal sealed record CreateSubnetBody(string? VpcId, string? CidrBlock, string? AvailabilityZone, IReadOnlyList<ResourceTag>? Tags);

    internal sealed record CreateSecurityGroupBody(string? GroupName, string? Description, string? VpcId, IReadOnlyList<ResourceTag>? Tags);

    internal sealed record RulesBody(IReadOnlyList<RuleSpec>? Rules);

    internal sealed record CreateRouteTableBody(string? VpcId);

    internal sealed record AssociateRouteTableBody(string? SubnetId);

    internal sealed record ReplaceAssociationBody(string? RouteTableId);

    internal sealed record VpcIdBody(string? VpcId);

    internal sealed record AllocateAddressBody(string? Address);

    internal sealed record AssociateAddressBody(string? InstanceId, string? NetworkInterfaceId, bool? AllowReassociation);

    internal sealed record CreateNatGatewayBody(string? SubnetId, string? AllocationId, string? ClientToken);

    internal sealed record RevokeBody(IReadOnlyList<RuleSpec>? Rules, IReadOnlyList<string>? SecurityGroupRuleIds);
}
