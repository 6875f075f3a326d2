using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Platform.Modules.Network.Interfaces;
using Platform.Modules.Shared.Authentication;
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
            TypedResults.Ok(await sender.Send(new CreateVpc(settings.Region, body.CidrBlock), ct)));
        vpc.MapGet("/vpcs", async ([FromQuery(Name = "vpc_id")] string[]? ids, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeVpcs(ids ?? []), ct)));
        vpc.MapGet("/vpcs/{vpc_id}", async ([FromRoute(Name = "vpc_id")] string id, ISender sender, CancellationToken ct) =>
            TypedResults.Ok((await sender.Send(new DescribeVpcs([id]), ct)).Vpcs[0]));
        vpc.MapDelete("/vpcs/{vpc_id}", async ([FromRoute(Name = "vpc_id")] string id, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteVpc(settings.Region, id), ct)));

        vpc.MapPost("/subnets", async (CreateSubnetBody body, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateSubnet(settings.Region, body.VpcId, body.CidrBlock, body.AvailabilityZone), ct)));
        vpc.MapGet("/subnets", async ([FromQuery(Name = "subnet_id")] string[]? ids, [FromQuery(Name = "vpc_id")] string[]? vpcIds,
                NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeSubnets(settings.Region, ids ?? [], vpcIds ?? []), ct)));
        vpc.MapGet("/subnets/{subnet_id}", async ([FromRoute(Name = "subnet_id")] string id, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok((await sender.Send(new DescribeSubnets(settings.Region, [id], []), ct)).Subnets[0]));
        vpc.MapDelete("/subnets/{subnet_id}", async ([FromRoute(Name = "subnet_id")] string id, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteSubnet(settings.Region, id), ct)));

        vpc.MapPost("/security-groups", async (CreateSecurityGroupBody body, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateSecurityGroup(settings.Region, body.GroupName, body.Description, body.VpcId), ct)));
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

        return vpc;
    }

    private static async Task<NoContent> NoContent(ValueTask<Unit> work)
    {
        await work;
        return TypedResults.NoContent();
    }

    internal sealed record CreateVpcBody(string? CidrBlock);

    internal sealed record CreateSubnetBody(string? VpcId, string? CidrBlock, string? AvailabilityZone);

    internal sealed record CreateSecurityGroupBody(string? GroupName, string? Description, string? VpcId);

    internal sealed record RulesBody(IReadOnlyList<RuleSpec>? Rules);

    internal sealed record RevokeBody(IReadOnlyList<RuleSpec>? Rules, IReadOnlyList<string>? SecurityGroupRuleIds);
}
