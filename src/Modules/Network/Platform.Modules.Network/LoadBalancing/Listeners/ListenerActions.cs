using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.LoadBalancing.Rules;
using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.LoadBalancing.Listeners;

/// <summary>
/// Checks an action against its load balancer: the target groups it forwards to exist in the account
/// (<c>TargetGroupNotFound</c>), lie in the load balancer's VPC, speak a protocol the listener can carry
/// (<c>IncompatibleProtocols</c>) and serve no other load balancer (<c>TargetGroupAssociationLimit</c>), as on ELBv2.
/// </summary>
internal static class ListenerActions
{
    public static async Task<RuleAction> CheckAsync(NetworkDbContext db, string accountId, LoadBalancer lb, string listenerProtocol,
        IReadOnlyList<RuleActionSpec>? specs, CancellationToken cancellationToken)
    {
        var action = RuleActions.Check(specs, lb.Type == LoadBalancerTypes.Network);
        if (action.TargetGroups is not { } weighted)
        {
            return action;
        }

        var users = await db.LoadBalancersByTargetGroupAsync(accountId, cancellationToken);
        foreach (var arn in weighted.Select(w => w.TargetGroupArn!))
        {
            var group = await db.TargetGroups.AsNoTracking().SingleOrDefaultAsync(g => g.Arn == arn && g.AccountId == accountId, cancellationToken)
                ?? throw ElbErrors.TargetGroupNotFound(arn);
            if (group.VpcId != lb.VpcId)
            {
                throw ElbErrors.Validation($"The target group '{arn}' is in VPC '{group.VpcId}', not in the load balancer's VPC '{lb.VpcId}'.");
            }

            if (!Compatible(listenerProtocol, group.Protocol))
            {
                throw ElbErrors.IncompatibleProtocols($"Listener protocol '{listenerProtocol}' is not compatible with target group protocol '{group.Protocol}'");
            }

            if (users.TryGetValue(arn, out var balancers) && balancers.Any(b => b != lb.Arn))
            {
                throw new Shared.Errors.ApiException(400, "TargetGroupAssociationLimit",
                    $"The following target groups cannot be associated with more than one load balancer: {arn}");
            }
        }

        return action;
    }

    public static bool Compatible(string listener, string group) => (listener, group) switch
    {
        ("HTTP", "HTTP") => true,
        ("TCP", "TCP" or "TCP_UDP") => true,
        ("UDP", "UDP" or "TCP_UDP") => true,
        ("TCP_UDP", "TCP_UDP") => true,
        _ => false,
    };
}

internal sealed record ActionResponse(
    string Type,
    string? TargetGroupArn,
    ForwardConfig? ForwardConfig,
    RedirectConfig? RedirectConfig,
    FixedResponseConfig? FixedResponseConfig,
    int Order = 1)
{
    public static ActionResponse From(RuleAction action) => new(
        action.Type,
        action.TargetGroups is [var single] ? single.TargetGroupArn : null,
        action.TargetGroups is null ? null : new ForwardConfig(action.TargetGroups),
        action.Redirect,
        action.FixedResponse);
}

internal sealed record ConditionResponse(
    string Field,
    IReadOnlyList<string>? Values,
    ValuesConfig? HostHeaderConfig,
    ValuesConfig? PathPatternConfig,
    HttpHeaderConfig? HttpHeaderConfig,
    QueryStringConfig? QueryStringConfig,
    ValuesConfig? HttpRequestMethodConfig,
    ValuesConfig? SourceIpConfig)
{
    public static ConditionResponse From(RuleCondition c) => new(
        c.Field,
        c.Field is ConditionFields.HostHeader or ConditionFields.PathPattern ? c.Values : null,
        c.Field == ConditionFields.HostHeader ? new ValuesConfig(c.Values) : null,
        c.Field == ConditionFields.PathPattern ? new ValuesConfig(c.Values) : null,
        c.Field == ConditionFields.HttpHeader ? new HttpHeaderConfig(c.HttpHeaderName, c.Values) : null,
        c.Field == ConditionFields.QueryString ? new QueryStringConfig(c.QueryPairs) : null,
        c.Field == ConditionFields.HttpRequestMethod ? new ValuesConfig(c.Values) : null,
        c.Field == ConditionFields.SourceIp ? new ValuesConfig(c.Values) : null);
}
