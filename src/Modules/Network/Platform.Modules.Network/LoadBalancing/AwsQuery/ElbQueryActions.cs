using System.Globalization;
using Platform.Modules.Network.LoadBalancing.Listeners;
using Platform.Modules.Network.LoadBalancing.LoadBalancers;
using Platform.Modules.Network.LoadBalancing.Rules;
using Platform.Modules.Network.LoadBalancing.TargetGroups;
using Platform.Modules.Network.LoadBalancing.Targets;
using Platform.Modules.Shared.AwsQuery;
using static Platform.Modules.Shared.AwsQuery.AwsQueryXml;

namespace Platform.Modules.Network.LoadBalancing.AwsQuery;

/// <summary>
/// ELBv2 on AWS's query protocol (botocore's elbv2 2015-12-01 names, shapes and errors; signed for <c>elasticloadbalancing</c>),
/// each action bound to the request the native API (<c>/api/v1/elb</c>) sends, so both share every rule and permission.
/// Describe calls page with <c>PageSize</c>/<c>Marker</c> (<c>NextMarker</c>) over what the native request returned. Not here,
/// because the native API has no such thing: attributes (Modify/Describe…Attributes), tags after creation, certificates,
/// Modify* of balancers, groups, listeners and rules, trust stores.
/// </summary>
internal static class ElbQueryActions
{
    public const string Namespace = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

    private const string PagingKey = "elbv2.paging";

    public static AwsQueryService Table(NetworkSettings settings) => new AwsQueryService("elasticloadbalancing", "2015-12-01", Namespace)
        .Action("CreateLoadBalancer", c =>
        {
            var p = c.Parameters;
            return new CreateLoadBalancer(settings.Region, p.Optional("Name"), p.Optional("Type"), p.Optional("Scheme"), p.OptionalStringList("Subnets"),
                p.OptionalStringList("SecurityGroups"), p.Optional("IpAddressType"), Tags(p));
        }, lb => Members("LoadBalancers", [lb], LoadBalancer))
        .Action("DescribeLoadBalancers", c =>
        {
            ReadPaging(c, "DescribeLoadBalancers");
            return new DescribeLoadBalancers(c.Parameters.OptionalStringList("LoadBalancerArns") ?? [], c.Parameters.OptionalStringList("Names") ?? []);
        }, (c, found) =>
        {
            var (page, next) = Paging(c).Apply(found.LoadBalancers, lb => lb.LoadBalancerArn);
            return new object?[] { Members("LoadBalancers", page, LoadBalancer), Value("NextMarker", next) };
        })
        .Action("DeleteLoadBalancer", c => new DeleteLoadBalancer(c.Parameters.Required("LoadBalancerArn")), _ => Array.Empty<object>())
        .Action("SetSecurityGroups", c => new SetSecurityGroups(c.Parameters.Required("LoadBalancerArn"), c.Parameters.OptionalStringList("SecurityGroups") ?? []),
            set => Members("SecurityGroupIds", set.SecurityGroupIds, g => g))
        .Action("CreateTargetGroup", c =>
        {
            var p = c.Parameters;
            return new CreateTargetGroup(settings.Region, p.Optional("Name"), p.Optional("Protocol"), p.OptionalInt("Port"), p.Optional("VpcId"),
                p.Optional("TargetType"), p.OptionalBool("HealthCheckEnabled"), p.Optional("HealthCheckProtocol"), p.Optional("HealthCheckPort"),
                p.Optional("HealthCheckPath"), p.OptionalInt("HealthCheckIntervalSeconds"), p.OptionalInt("HealthCheckTimeoutSeconds"),
                p.OptionalInt("HealthyThresholdCount"), p.OptionalInt("UnhealthyThresholdCount"), p.Structure("Matcher")?.Optional("HttpCode"),
                DeregistrationDelaySeconds: null, Tags(p));
        }, group => Members("TargetGroups", [group], TargetGroup))
        .Action("DescribeTargetGroups", c =>
        {
            ReadPaging(c, "DescribeTargetGroups");
            return new DescribeTargetGroups(c.Parameters.OptionalStringList("TargetGroupArns") ?? [], c.Parameters.OptionalStringList("Names") ?? [],
                c.Parameters.Optional("LoadBalancerArn"));
        }, (c, found) =>
        {
            var (page, next) = Paging(c).Apply(found.TargetGroups, g => g.TargetGroupArn);
            return new object?[] { Members("TargetGroups", page, TargetGroup), Value("NextMarker", next) };
        })
        .Action("DeleteTargetGroup", c => new DeleteTargetGroup(c.Parameters.Required("TargetGroupArn")), _ => Array.Empty<object>())
        .Action("RegisterTargets", c => new RegisterTargets(c.Parameters.Required("TargetGroupArn"), Targets(c.Parameters)), _ => Array.Empty<object>())
        .Action("DeregisterTargets", c => new DeregisterTargets(c.Parameters.Required("TargetGroupArn"), Targets(c.Parameters)), _ => Array.Empty<object>())
        .Action("DescribeTargetHealth", c => new DescribeTargetHealth(c.Parameters.Required("TargetGroupArn"), Targets(c.Parameters)), health => Members(
            "TargetHealthDescriptions", health.TargetHealthDescriptions, h => new object?[]
            {
                Element("Target", Value("Id", h.Target.Id), Value("Port", h.Target.Port), Value("AvailabilityZone", h.Target.AvailabilityZone)),
                Value("HealthCheckPort", h.HealthCheckPort),
                Element("TargetHealth", Value("State", h.TargetHealth.State), Value("Reason", h.TargetHealth.Reason), Value("Description", h.TargetHealth.Description)),
            }))
        .Action("CreateListener", c => new CreateListener(c.Parameters.Required("LoadBalancerArn"), c.Parameters.Optional("Protocol"), c.Parameters.OptionalInt("Port"),
            Actions(c.Parameters, "DefaultActions")), listener => Members("Listeners", [listener], Listener))
        .Action("DescribeListeners", c =>
        {
            // A marker names a port: given for another balancer's listeners it would skip some, so it holds the balancer too.
            ReadPaging(c, "DescribeListeners " + c.Parameters.Optional("LoadBalancerArn"));
            return new DescribeListeners(c.Parameters.Optional("LoadBalancerArn"), c.Parameters.OptionalStringList("ListenerArns") ?? []);
        }, (c, found) =>
        {
            // In port order (one port per listener on a balancer), as the native API and the console list them.
            var (page, next) = Paging(c).Apply(found.Listeners, l => l.Port.ToString("D5", CultureInfo.InvariantCulture) + l.ListenerArn);
            return new object?[] { Members("Listeners", page, Listener), Value("NextMarker", next) };
        })
        .Action("DeleteListener", c => new DeleteListener(c.Parameters.Required("ListenerArn")), _ => Array.Empty<object>())
        .Action("CreateRule", c => new CreateRule(c.Parameters.Required("ListenerArn"), c.Parameters.OptionalInt("Priority"), Conditions(c.Parameters),
            Actions(c.Parameters, "Actions")), rule => Members("Rules", [rule], Rule))
        .Action("DescribeRules", c =>
        {
            ReadPaging(c, "DescribeRules " + c.Parameters.Optional("ListenerArn"));
            return new DescribeRules(c.Parameters.Optional("ListenerArn"), c.Parameters.OptionalStringList("RuleArns") ?? []);
        }, (c, found) =>
        {
            // In priority order, the default rule last, as ELBv2 lists them.
            var (page, next) = Paging(c).Apply(found.Rules, r => (r.IsDefault ? "1" : "0") + (r.IsDefault ? "" : r.Priority.PadLeft(5, '0')) + r.RuleArn);
            return new object?[] { Members("Rules", page, Rule), Value("NextMarker", next) };
        })
        .Action("DeleteRule", c => new DeleteRule(c.Parameters.Required("RuleArn")), _ => Array.Empty<object>());

    /// <summary>A marker is good for the action that wrote it only: ValidationError elsewhere, as ELBv2 answers a marker it did not write.</summary>
    private static void ReadPaging(AwsQueryCall call, string action) =>
        call.Items[PagingKey] = AwsQueryPaging.Read(call.Parameters, "PageSize", "Marker", 400, invalidTokenCode: "ValidationError", scope: action);

    private static AwsQueryPaging Paging(AwsQueryCall call) => (AwsQueryPaging)call.Items[PagingKey];

    private static List<ElbTag>? Tags(AwsQueryParameters p)
    {
        var tags = p.List("Tags");
        return tags.Count == 0 ? (p.Optional("Tags") is null ? null : []) : tags.Select(t => new ElbTag(t.Optional("Key"), t.Optional("Value"))).ToList();
    }

    private static List<TargetDescription>? Targets(AwsQueryParameters p)
    {
        var targets = p.List("Targets");
        return targets.Count == 0
            ? (p.Optional("Targets") is null ? null : [])
            : targets.Select(t => new TargetDescription(t.Optional("Id"), t.OptionalInt("Port"), t.Optional("AvailabilityZone"))).ToList();
    }

    private static List<RuleActionSpec>? Actions(AwsQueryParameters p, string name)
    {
        var actions = p.List(name);
        return actions.Count == 0
            ? (p.Optional(name) is null ? null : [])
            : actions.Select(a => new RuleActionSpec(
                a.Optional("Type"),
                a.Optional("TargetGroupArn"),
                a.Structure("ForwardConfig") is { } forward
                    ? new ForwardConfig(forward.List("TargetGroups").Select(g => new WeightedTargetGroup(g.Optional("TargetGroupArn"), g.OptionalInt("Weight"))).ToList())
                    : null,
                a.Structure("RedirectConfig") is { } r
                    ? new RedirectConfig(r.Optional("Protocol"), r.Optional("Port"), r.Optional("Host"), r.Optional("Path"), r.Optional("Query"), r.Optional("StatusCode"))
                    : null,
                a.Structure("FixedResponseConfig") is { } f ? new FixedResponseConfig(f.Optional("StatusCode"), f.Optional("ContentType"), f.Optional("MessageBody")) : null,
                a.OptionalInt("Order"))).ToList();
    }

    private static List<RuleConditionSpec>? Conditions(AwsQueryParameters p)
    {
        var conditions = p.List("Conditions");
        static ValuesConfig? Values(AwsQueryParameters c, string name) => c.Structure(name) is { } s ? new ValuesConfig(s.OptionalStringList("Values")) : null;
        return conditions.Count == 0
            ? (p.Optional("Conditions") is null ? null : [])
            : conditions.Select(c => new RuleConditionSpec(
                c.Optional("Field"),
                c.OptionalStringList("Values"),
                Values(c, "HostHeaderConfig"),
                Values(c, "PathPatternConfig"),
                c.Structure("HttpHeaderConfig") is { } h ? new HttpHeaderConfig(h.Optional("HttpHeaderName"), h.OptionalStringList("Values")) : null,
                c.Structure("QueryStringConfig") is { } q
                    ? new QueryStringConfig(q.List("Values").Select(v => new QueryStringPair(v.Optional("Key"), v.Optional("Value"))).ToList())
                    : null,
                Values(c, "HttpRequestMethodConfig"),
                Values(c, "SourceIpConfig"))).ToList();
    }

    private static object?[] LoadBalancer(LoadBalancerResponse lb) =>
    [
        Value("LoadBalancerArn", lb.LoadBalancerArn),
        Value("DNSName", lb.DnsName),
        Value("CreatedTime", lb.CreatedTime),
        Value("LoadBalancerName", lb.LoadBalancerName),
        Value("Scheme", lb.Scheme),
        Value("VpcId", lb.VpcId),
        Element("State", Value("Code", lb.State.Code), Value("Reason", lb.State.Reason)),
        Value("Type", lb.Type),
        Members("AvailabilityZones", lb.AvailabilityZones, z => new object?[]
        {
            Value("ZoneName", z.ZoneName),
            Value("SubnetId", z.SubnetId),
            Members("LoadBalancerAddresses", z.LoadBalancerAddresses, a => new object?[]
            {
                Value("IpAddress", a.IpAddress),
                Value("AllocationId", a.AllocationId),
                Value("PrivateIPv4Address", a.PrivateIPv4Address),
            }),
        }),
        Members("SecurityGroups", lb.SecurityGroups, g => g),
        Value("IpAddressType", lb.IpAddressType),
    ];

    private static object?[] TargetGroup(TargetGroupResponse g) =>
    [
        Value("TargetGroupArn", g.TargetGroupArn),
        Value("TargetGroupName", g.TargetGroupName),
        Value("Protocol", g.Protocol),
        Value("Port", g.Port),
        Value("VpcId", g.VpcId),
        Value("HealthCheckProtocol", g.HealthCheckProtocol),
        Value("HealthCheckPort", g.HealthCheckPort),
        Value("HealthCheckEnabled", g.HealthCheckEnabled),
        Value("HealthCheckIntervalSeconds", g.HealthCheckIntervalSeconds),
        Value("HealthCheckTimeoutSeconds", g.HealthCheckTimeoutSeconds),
        Value("HealthyThresholdCount", g.HealthyThresholdCount),
        Value("UnhealthyThresholdCount", g.UnhealthyThresholdCount),
        Value("HealthCheckPath", g.HealthCheckPath),
        g.Matcher is { } m ? Element("Matcher", Value("HttpCode", m.HttpCode)) : null,
        Members("LoadBalancerArns", g.LoadBalancerArns, a => a),
        Value("TargetType", g.TargetType),
        Value("IpAddressType", g.IpAddressType),
    ];

    private static object?[] Listener(ListenerResponse l) =>
    [
        Value("ListenerArn", l.ListenerArn),
        Value("LoadBalancerArn", l.LoadBalancerArn),
        Value("Port", l.Port),
        Value("Protocol", l.Protocol),
        Members("DefaultActions", l.DefaultActions, Action),
    ];

    private static object?[] Rule(RuleResponse r) =>
    [
        Value("RuleArn", r.RuleArn),
        Value("Priority", r.Priority),
        Members("Conditions", r.Conditions, c => new object?[]
        {
            Value("Field", c.Field),
            c.Values is null ? null : Members("Values", c.Values, v => v),
            ValuesXml("HostHeaderConfig", c.HostHeaderConfig),
            ValuesXml("PathPatternConfig", c.PathPatternConfig),
            c.HttpHeaderConfig is { } h
                ? Element("HttpHeaderConfig", Value("HttpHeaderName", h.HttpHeaderName), Members("Values", h.Values ?? [], v => v))
                : null,
            c.QueryStringConfig is { } q
                ? Element("QueryStringConfig", Members("Values", q.Values ?? [], v => new object?[] { Value("Key", v.Key), Value("Value", v.Value) }))
                : null,
            ValuesXml("HttpRequestMethodConfig", c.HttpRequestMethodConfig),
            ValuesXml("SourceIpConfig", c.SourceIpConfig),
        }),
        Members("Actions", r.Actions, Action),
        Value("IsDefault", r.IsDefault),
    ];

    private static System.Xml.Linq.XElement? ValuesXml(string name, ValuesConfig? config) => config is null ? null : Element(name, Members("Values", config.Values ?? [], v => v));

    private static object?[] Action(ActionResponse a) =>
    [
        Value("Type", a.Type),
        Value("TargetGroupArn", a.TargetGroupArn),
        a.ForwardConfig is { } f
            ? Element("ForwardConfig", Members("TargetGroups", f.TargetGroups ?? [], g => new object?[] { Value("TargetGroupArn", g.TargetGroupArn), Value("Weight", g.Weight) }))
            : null,
        a.RedirectConfig is { } r
            ? Element("RedirectConfig", Value("Protocol", r.Protocol), Value("Port", r.Port), Value("Host", r.Host), Value("Path", r.Path), Value("Query", r.Query),
                Value("StatusCode", r.StatusCode))
            : null,
        a.FixedResponseConfig is { } x
            ? Element("FixedResponseConfig", Value("MessageBody", x.MessageBody), Value("StatusCode", x.StatusCode), Value("ContentType", x.ContentType))
            : null,
        Value("Order", a.Order),
    ];
}
