using Platform.Modules.Network.LoadBalancing.Rules;
using Platform.Modules.Network.LoadBalancing.TargetGroups;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Network.Tests.LoadBalancing;

/// <summary>ELBv2's checks of actions and of target group health check settings, without a database.</summary>
public sealed class RuleActionTests
{
    private const string GroupA = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/a/0123456789abcdef";
    private const string GroupB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/b/0123456789abcdef";

    private static void Refused(string code, IReadOnlyList<RuleActionSpec>? specs, bool network = false)
    {
        var error = Assert.Throws<ApiException>(() => RuleActions.Check(specs, network));
        Assert.Equal((400, code), (error.StatusCode, error.Code));
    }

    [Fact]
    public void Given_a_forward_to_one_or_weighted_groups_Then_it_is_kept_with_weights()
    {
        Assert.Equal([new WeightedTargetGroup(GroupA, 1)], RuleActions.Check([new RuleActionSpec("forward", GroupA)], false).TargetGroups);
        var weighted = RuleActions.Check([new RuleActionSpec("forward", ForwardConfig: new ForwardConfig([new(GroupA, 3), new(GroupB, 0)]))], false);
        Assert.Equal([new WeightedTargetGroup(GroupA, 3), new WeightedTargetGroup(GroupB, 0)], weighted.TargetGroups);
    }

    [Fact]
    public void Given_bad_actions_Then_ELBv2_s_error_answers()
    {
        Refused("ValidationError", null);
        Refused("ValidationError", []);
        Refused("TooManyActions", [new RuleActionSpec("forward", GroupA), new RuleActionSpec("forward", GroupB)]);
        Refused("InvalidLoadBalancerAction", [new RuleActionSpec("authenticate-oidc")]);
        Refused("InvalidLoadBalancerAction", [new RuleActionSpec("fixed-response", FixedResponseConfig: new FixedResponseConfig("200"))], network: true);
        Refused("ValidationError", [new RuleActionSpec("forward")]);
        Refused("ValidationError", [new RuleActionSpec("forward", ForwardConfig: new ForwardConfig([new(GroupA, 1000)]))]);
        Refused("ValidationError", [new RuleActionSpec("forward", ForwardConfig: new ForwardConfig([new(GroupA, -1)]))]);
        Refused("ValidationError", [new RuleActionSpec("forward", ForwardConfig: new ForwardConfig([new(GroupA), new(GroupA)]))]);
        Refused("ValidationError", [new RuleActionSpec("forward", ForwardConfig: new ForwardConfig(Enumerable.Range(0, 6).Select(i => new WeightedTargetGroup($"{GroupA}{i}")).ToList()))]);
        Refused("InvalidLoadBalancerAction", [new RuleActionSpec("forward", GroupB, ForwardConfig: new ForwardConfig([new(GroupA)]))]);
    }

    [Fact]
    public void Given_a_redirect_Then_it_must_change_something_and_name_a_known_code()
    {
        Refused("InvalidLoadBalancerAction", [new RuleActionSpec("redirect", RedirectConfig: new RedirectConfig(null, null, null, null, null, "HTTP_301"))]);
        Refused("InvalidLoadBalancerAction", [new RuleActionSpec("redirect", RedirectConfig: new RedirectConfig("#{protocol}", "#{port}", "#{host}", "/#{path}", "#{query}", "HTTP_302"))]);
        Refused("ValidationError", [new RuleActionSpec("redirect", RedirectConfig: new RedirectConfig(null, null, "example.org", null, null, "HTTP_307"))]);
        Refused("ValidationError", [new RuleActionSpec("redirect", RedirectConfig: new RedirectConfig(null, "70000", null, null, null, "HTTP_301"))]);
        Refused("ValidationError", [new RuleActionSpec("redirect", RedirectConfig: new RedirectConfig(null, null, null, "no-slash", null, "HTTP_301"))]);
        var moved = RuleActions.Check([new RuleActionSpec("redirect", RedirectConfig: new RedirectConfig(null, null, "example.org", null, null, "HTTP_301"))], false);
        Assert.Equal(new RedirectConfig("#{protocol}", "#{port}", "example.org", "/#{path}", "#{query}", "HTTP_301"), moved.Redirect);
    }

    [Theory]
    [InlineData("200", null, null, true)]
    [InlineData("503", "application/json", "{}", true)]
    [InlineData("302", null, null, false)]
    [InlineData("600", null, null, false)]
    [InlineData("20", null, null, false)]
    [InlineData("200", "image/png", null, false)]
    public void Fixed_responses_take_2XX_4XX_5XX_and_ELBv2_s_content_types(string status, string? contentType, string? body, bool accepted)
    {
        RuleActionSpec[] spec = [new RuleActionSpec("fixed-response", FixedResponseConfig: new FixedResponseConfig(status, contentType, body))];
        if (accepted)
        {
            Assert.Equal(status, RuleActions.Check(spec, false).FixedResponse!.StatusCode);
        }
        else
        {
            Refused("ValidationError", spec);
        }

        Refused("ValidationError", [new RuleActionSpec("fixed-response", FixedResponseConfig: new FixedResponseConfig("200", "text/plain", new string('x', 1025)))]);
    }

    private static CreateTargetGroup Group(string protocol = "HTTP", int? interval = null, int? timeout = null, int? healthy = null, string? matcher = null,
        string? path = null, string? checkProtocol = null, string? port = null) =>
        new("us-east-1", "web", protocol, 80, "vpc-1", null, null, checkProtocol, port, path, interval, timeout, healthy, null, matcher, null, null);

    [Fact]
    public void Target_group_health_checks_default_and_range_as_ELBv2_s()
    {
        Assert.Equal(new TargetGroupSettings("HTTP", "traffic-port", "/", 30, 5, 5, 2, "200"), TargetGroupSettings.From(Group()));
        Assert.Equal(new TargetGroupSettings("TCP", "traffic-port", null, 30, 10, 5, 2, null), TargetGroupSettings.From(Group("TCP")));
        Assert.Equal("/health", TargetGroupSettings.From(Group("TCP", checkProtocol: "HTTP", path: "/health")).Path);
        foreach (var bad in new[]
        {
            Group(interval: 4), Group(interval: 301), Group(interval: 10, timeout: 10), Group(timeout: 1), Group(healthy: 11), Group(healthy: 1),
            Group(matcher: "199"), Group(matcher: "500"), Group(matcher: "300-200"), Group(matcher: "200,,201"), Group(matcher: "2xx"),
            Group(path: "health"), Group(checkProtocol: "TCP"), Group("TCP", path: "/"), Group(port: "0"), Group(port: "http"),
        })
        {
            var error = Assert.Throws<ApiException>(() => TargetGroupSettings.From(bad));
            Assert.Equal("ValidationError", error.Code);
        }

        Assert.True(HttpCodes.TryParse("200,202-204,499", out var ranges));
        Assert.Equal([(200, 200), (202, 204), (499, 499)], ranges);
    }
}
