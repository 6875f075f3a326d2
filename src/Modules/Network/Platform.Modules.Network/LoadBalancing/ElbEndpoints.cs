using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Platform.Modules.Network.LoadBalancing.Listeners;
using Platform.Modules.Network.LoadBalancing.LoadBalancers;
using Platform.Modules.Network.LoadBalancing.Rules;
using Platform.Modules.Network.LoadBalancing.TargetGroups;
using Platform.Modules.Network.LoadBalancing.Targets;
using Platform.Modules.Shared.Authentication;

namespace Platform.Modules.Network.LoadBalancing;

/// <summary>
/// The native load balancing API (ELBv2's model): <c>/api/v1/elb/...</c>, snake_case JSON, signed for
/// <c>elasticloadbalancing</c>. Resources are named by their ARNs, which hold slashes: they travel in query parameters
/// (<c>?load_balancer_arn=</c>, repeatable on describes) and bodies, not in paths.
/// </summary>
internal static class ElbEndpoints
{
    public const string Prefix = "/api/v1/elb";

    public static RouteGroupBuilder Map(IEndpointRouteBuilder routes)
    {
        var elb = routes.MapGroup(Prefix).WithTags("ELB").WithMetadata(SigningService.ElasticLoadBalancing);

        elb.MapPost("/load-balancers", async (CreateLoadBalancerBody body, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateLoadBalancer(settings.Region, body.Name, body.Type, body.Scheme, body.Subnets, body.SecurityGroups,
                body.IpAddressType, body.Tags), ct)));
        elb.MapGet("/load-balancers", async ([FromQuery(Name = "load_balancer_arn")] string[]? arns, [FromQuery(Name = "name")] string[]? names,
                ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeLoadBalancers(arns ?? [], names ?? []), ct)));
        elb.MapDelete("/load-balancers", async ([FromQuery(Name = "load_balancer_arn")] string? arn, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteLoadBalancer(Required(arn, "LoadBalancerArn")), ct)));
        elb.MapPost("/load-balancers/security-groups", async (SetSecurityGroupsBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new SetSecurityGroups(body.LoadBalancerArn, body.SecurityGroups), ct)));

        elb.MapPost("/target-groups", async (CreateTargetGroupBody body, NetworkSettings settings, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateTargetGroup(settings.Region, body.Name, body.Protocol, body.Port, body.VpcId, body.TargetType,
                body.HealthCheckEnabled, body.HealthCheckProtocol, body.HealthCheckPort, body.HealthCheckPath, body.HealthCheckIntervalSeconds,
                body.HealthCheckTimeoutSeconds, body.HealthyThresholdCount, body.UnhealthyThresholdCount, body.Matcher?.HttpCode,
                body.DeregistrationDelaySeconds, body.Tags), ct)));
        elb.MapGet("/target-groups", async ([FromQuery(Name = "target_group_arn")] string[]? arns, [FromQuery(Name = "name")] string[]? names,
                [FromQuery(Name = "load_balancer_arn")] string? loadBalancerArn, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeTargetGroups(arns ?? [], names ?? [], loadBalancerArn), ct)));
        elb.MapDelete("/target-groups", async ([FromQuery(Name = "target_group_arn")] string? arn, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteTargetGroup(Required(arn, "TargetGroupArn")), ct)));

        elb.MapPost("/targets/register", async (TargetsBody body, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new RegisterTargets(Required(body.TargetGroupArn, "TargetGroupArn"), body.Targets), ct)));
        elb.MapPost("/targets/deregister", async (TargetsBody body, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeregisterTargets(Required(body.TargetGroupArn, "TargetGroupArn"), body.Targets), ct)));
        elb.MapGet("/target-health", async ([FromQuery(Name = "target_group_arn")] string? arn, [FromQuery(Name = "target_id")] string[]? ids,
                ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeTargetHealth(Required(arn, "TargetGroupArn"), ids?.Select(i => new TargetDescription(i)).ToList()), ct)));

        elb.MapPost("/listeners", async (CreateListenerBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateListener(Required(body.LoadBalancerArn, "LoadBalancerArn"), body.Protocol, body.Port, body.DefaultActions), ct)));
        elb.MapGet("/listeners", async ([FromQuery(Name = "load_balancer_arn")] string? loadBalancerArn, [FromQuery(Name = "listener_arn")] string[]? arns,
                ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeListeners(loadBalancerArn, arns ?? []), ct)));
        elb.MapDelete("/listeners", async ([FromQuery(Name = "listener_arn")] string? arn, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteListener(Required(arn, "ListenerArn")), ct)));

        elb.MapPost("/rules", async (CreateRuleBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateRule(Required(body.ListenerArn, "ListenerArn"), body.Priority, body.Conditions, body.Actions), ct)));
        elb.MapGet("/rules", async ([FromQuery(Name = "listener_arn")] string? listenerArn, [FromQuery(Name = "rule_arn")] string[]? arns, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeRules(listenerArn, arns ?? []), ct)));
        elb.MapDelete("/rules", async ([FromQuery(Name = "rule_arn")] string? arn, ISender sender, CancellationToken ct) =>
            await NoContent(sender.Send(new DeleteRule(Required(arn, "RuleArn")), ct)));
        return elb;
    }

    private static string Required(string? value, string name)
    {
        Shared.Messaging.Parameter.Required(value, name);
        return value;
    }

    private static async Task<NoContent> NoContent(ValueTask<Unit> work)
    {
        await work;
        return TypedResults.NoContent();
    }

    internal sealed record CreateLoadBalancerBody(string? Name, string? Type, string? Scheme, IReadOnlyList<string>? Subnets, IReadOnlyList<string>? SecurityGroups,
        string? IpAddressType, IReadOnlyList<ElbTag>? Tags);

    internal sealed record SetSecurityGroupsBody(string? LoadBalancerArn, IReadOnlyList<string>? SecurityGroups);

    internal sealed record MatcherBody(string? HttpCode);

    internal sealed record CreateTargetGroupBody(string? Name, string? Protocol, int? Port, string? VpcId, string? TargetType, bool? HealthCheckEnabled,
        string? HealthCheckProtocol, string? HealthCheckPort, string? HealthCheckPath, int? HealthCheckIntervalSeconds, int? HealthCheckTimeoutSeconds,
        int? HealthyThresholdCount, int? UnhealthyThresholdCount, MatcherBody? Matcher, int? DeregistrationDelaySeconds, IReadOnlyList<ElbTag>? Tags);

    internal sealed record TargetsBody(string? TargetGroupArn, IReadOnlyList<TargetDescription>? Targets);

    internal sealed record CreateListenerBody(string? LoadBalancerArn, string? Protocol, int? Port, IReadOnlyList<RuleActionSpec>? DefaultActions);

    internal sealed record CreateRuleBody(string? ListenerArn, int? Priority, IReadOnlyList<RuleConditionSpec>? Conditions, IReadOnlyList<RuleActionSpec>? Actions);
}
