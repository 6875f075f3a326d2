using System.Text.RegularExpressions;

namespace Platform.Modules.Network.LoadBalancing.Rules;

/// <summary>An action as the caller writes it (ELBv2's Action in snake_case).</summary>
internal sealed record RuleActionSpec(
    string? Type,
    string? TargetGroupArn = null,
    ForwardConfig? ForwardConfig = null,
    RedirectConfig? RedirectConfig = null,
    FixedResponseConfig? FixedResponseConfig = null,
    int? Order = null);

internal sealed record ForwardConfig(IReadOnlyList<WeightedTargetGroup>? TargetGroups);

internal sealed record WeightedTargetGroup(string? TargetGroupArn, int? Weight = null);

/// <summary>ELBv2's redirect: each part may keep the request's (<c>#{protocol}</c>, <c>#{host}</c>, <c>#{port}</c>, <c>#{path}</c>, <c>#{query}</c>, the defaults).</summary>
internal sealed record RedirectConfig(string? Protocol, string? Port, string? Host, string? Path, string? Query, string? StatusCode);

internal sealed record FixedResponseConfig(string? StatusCode, string? ContentType = null, string? MessageBody = null);

/// <summary>A checked action: forward has its weighted target groups (ARNs, weights 0–999), redirect and fixed-response their config.</summary>
internal sealed record RuleAction(string Type, IReadOnlyList<WeightedTargetGroup>? TargetGroups = null, RedirectConfig? Redirect = null, FixedResponseConfig? FixedResponse = null);

internal static class ActionTypes
{
    public const string Forward = "forward";
    public const string Redirect = "redirect";
    public const string FixedResponse = "fixed-response";
}

/// <summary>
/// ELBv2's checks of a rule's or listener's actions: exactly one action here (the authenticate actions, the only ones that
/// may precede it on AWS, are not offered: <c>InvalidLoadBalancerAction</c>); forward names one target group or up to five
/// weighted ones; a network load balancer only forwards; a redirect must change something (else it loops); a fixed
/// response has a 2XX/4XX/5XX code, one of ELBv2's content types and at most 1024 characters.
/// </summary>
internal static partial class RuleActions
{
    public const int MaxWeightedGroups = 5;
    public const int MaxWeight = 999;

    private static readonly string[] ContentTypes = ["text/plain", "text/css", "text/html", "application/javascript", "application/json"];

    public static RuleAction Check(IReadOnlyList<RuleActionSpec>? specs, bool networkLoadBalancer)
    {
        if (specs is null || specs.Count == 0)
        {
            throw ElbErrors.Validation("At least one action must be specified.");
        }

        if (specs.Count > 1)
        {
            throw ElbErrors.TooManyActions();
        }

        var spec = specs[0];
        if (spec.Type is not (ActionTypes.Forward or ActionTypes.Redirect or ActionTypes.FixedResponse))
        {
            throw ElbErrors.InvalidAction($"Action type '{spec.Type}' is not supported; use forward, redirect or fixed-response.");
        }

        if (networkLoadBalancer && spec.Type != ActionTypes.Forward)
        {
            throw ElbErrors.InvalidAction($"A network load balancer's listener only forwards, not '{spec.Type}'.");
        }

        return spec.Type switch
        {
            ActionTypes.Forward => new RuleAction(ActionTypes.Forward, TargetGroups: Forward(spec)),
            ActionTypes.Redirect => new RuleAction(ActionTypes.Redirect, Redirect: Redirect(spec.RedirectConfig)),
            _ => new RuleAction(ActionTypes.FixedResponse, FixedResponse: Fixed(spec.FixedResponseConfig)),
        };
    }

    private static List<WeightedTargetGroup> Forward(RuleActionSpec spec)
    {
        var weighted = spec.ForwardConfig?.TargetGroups;
        if (weighted is { Count: > 0 })
        {
            if (weighted.Count > MaxWeightedGroups)
            {
                throw ElbErrors.Validation($"A forward action can name at most {MaxWeightedGroups} target groups.");
            }

            if (spec.TargetGroupArn is not null && (weighted.Count != 1 || weighted[0].TargetGroupArn != spec.TargetGroupArn))
            {
                throw ElbErrors.InvalidAction("TargetGroupArn and ForwardConfig name different target groups.");
            }

            var groups = new List<WeightedTargetGroup>();
            foreach (var group in weighted)
            {
                if (string.IsNullOrEmpty(group.TargetGroupArn))
                {
                    throw ElbErrors.Validation("Each target group of a forward action needs its TargetGroupArn.");
                }

                if (group.Weight is < 0 or > MaxWeight)
                {
                    throw ElbErrors.Validation($"Target group weights are 0 to {MaxWeight}, not {group.Weight}.");
                }

                if (groups.Any(g => g.TargetGroupArn == group.TargetGroupArn))
                {
                    throw ElbErrors.Validation($"The target group '{group.TargetGroupArn}' is named twice in one forward action.");
                }

                groups.Add(new WeightedTargetGroup(group.TargetGroupArn, group.Weight ?? 1));
            }

            return groups;
        }

        if (string.IsNullOrEmpty(spec.TargetGroupArn))
        {
            throw ElbErrors.Validation("A forward action needs a TargetGroupArn or a ForwardConfig.");
        }

        return [new WeightedTargetGroup(spec.TargetGroupArn, 1)];
    }

    private static RedirectConfig Redirect(RedirectConfig? config)
    {
        if (config is null)
        {
            throw ElbErrors.Validation("A redirect action needs its RedirectConfig.");
        }

        if (config.StatusCode is not ("HTTP_301" or "HTTP_302"))
        {
            throw ElbErrors.Validation($"Redirect status code must be HTTP_301 or HTTP_302, not '{config.StatusCode}'.");
        }

        if (config.Protocol is not (null or "#{protocol}" or "HTTP" or "HTTPS"))
        {
            throw ElbErrors.Validation($"Redirect protocol must be HTTP, HTTPS or #{{protocol}}, not '{config.Protocol}'.");
        }

        if (config.Port is not null && config.Port != "#{port}" && !(int.TryParse(config.Port, out var port) && port is >= 1 and <= 65535))
        {
            throw ElbErrors.Validation($"Redirect port must be 1 to 65535 or #{{port}}, not '{config.Port}'.");
        }

        if (config.Path is not null && !config.Path.StartsWith('/'))
        {
            throw ElbErrors.Validation($"Redirect path must start with '/', not '{config.Path}'.");
        }

        var normalized = new RedirectConfig(config.Protocol ?? "#{protocol}", config.Port ?? "#{port}", config.Host ?? "#{host}", config.Path ?? "/#{path}",
            config.Query ?? "#{query}", config.StatusCode);
        if (normalized is { Protocol: "#{protocol}", Port: "#{port}", Host: "#{host}", Path: "/#{path}", Query: "#{query}" })
        {
            throw ElbErrors.InvalidAction("The redirect configuration is not valid because it creates a loop.");
        }

        return normalized;
    }

    private static FixedResponseConfig Fixed(FixedResponseConfig? config)
    {
        if (config is null)
        {
            throw ElbErrors.Validation("A fixed-response action needs its FixedResponseConfig.");
        }

        if (config.StatusCode is null || !StatusPattern().IsMatch(config.StatusCode))
        {
            throw ElbErrors.Validation($"Fixed response status code must match ^(2|4|5)\\d\\d$, not '{config.StatusCode}'.");
        }

        if (config.ContentType is not null && Array.IndexOf(ContentTypes, config.ContentType) < 0)
        {
            throw ElbErrors.Validation($"Fixed response content type must be one of [{string.Join(", ", ContentTypes)}].");
        }

        if (config.MessageBody is { Length: > 1024 })
        {
            throw ElbErrors.Validation("Fixed response message body is at most 1024 characters.");
        }

        return config;
    }

    [GeneratedRegex(@"^(2|4|5)\d\d$")]
    private static partial Regex StatusPattern();
}
