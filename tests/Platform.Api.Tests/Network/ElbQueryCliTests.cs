using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Platform.Api.Tests.Ec2Query;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Network;

/// <summary>
/// ELBv2 on AWS's query protocol (<c>POST /</c> signed for <c>elasticloadbalancing</c>) driven by Debian's awscli 2 as a user
/// would: target groups paged, an internal application load balancer placed on the simulated server, a listener and a path
/// rule, and the errors AWS would print; raw requests check the XML and that a refused request changes nothing.
/// </summary>
public sealed class ElbQueryCliTests : IAsyncLifetime
{
    private const string Namespace = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

    private Ec2Cloud _cloud = null!;

    public async Task InitializeAsync() => _cloud = await Ec2Cloud.StartAsync();

    public async Task DisposeAsync() => await _cloud.DisposeAsync();

    [Fact]
    public async Task Given_awscli_2_When_it_tours_target_groups_a_balancer_a_listener_and_a_rule_Then_it_prints_what_AWS_would()
    {
        const string cli = AwsCli.Debian;
        var root = _cloud.Api.RootCredentials();
        Task<JsonElement> Aws(params string[] arguments) => _cloud.JsonAsync(cli, root, arguments);
        Task<string> Fails(string code, string operation, params string[] arguments) => _cloud.FailsAsync(cli, root, code, operation, ["elbv2", .. arguments]);

        var vpcId = (await Aws("ec2", "create-vpc", "--cidr-block", "10.40.0.0/16")).GetProperty("Vpc").GetProperty("VpcId").GetString()!;
        var subnetId = (await Aws("ec2", "create-subnet", "--vpc-id", vpcId, "--cidr-block", "10.40.1.0/24", "--availability-zone", Ec2Cloud.Zone))
            .GetProperty("Subnet").GetProperty("SubnetId").GetString()!;

        var web = (await Aws("elbv2", "create-target-group", "--name", "web", "--protocol", "HTTP", "--port", "80", "--vpc-id", vpcId,
            "--health-check-path", "/health", "--matcher", "HttpCode=200-299", "--tags", "Key=team,Value=blue")).GetProperty("TargetGroups")[0];
        var webArn = web.GetProperty("TargetGroupArn").GetString()!;
        Assert.StartsWith($"arn:aws:elasticloadbalancing:us-east-1:{root.AccountId}:targetgroup/web/", webArn, StringComparison.Ordinal);
        Assert.Equal("/health", web.GetProperty("HealthCheckPath").GetString());
        Assert.Equal("200-299", web.GetProperty("Matcher").GetProperty("HttpCode").GetString());
        var apiArn = (await Aws("elbv2", "create-target-group", "--name", "api", "--protocol", "HTTP", "--port", "8080", "--vpc-id", vpcId))
            .GetProperty("TargetGroups")[0].GetProperty("TargetGroupArn").GetString()!;
        await Fails("DuplicateTargetGroupName", "CreateTargetGroup", "create-target-group", "--name", "web", "--protocol", "HTTP", "--port", "81", "--vpc-id", vpcId);

        // awscli takes elbv2's --page-size as the operation's own PageSize and prints one page with its NextMarker (as against AWS);
        // ELBv2's paging is checked with direct query requests in ElbQueryPagingTests.
        var listed = await Aws("elbv2", "describe-target-groups", "--query", "TargetGroups[].TargetGroupName");
        Assert.Equal(["api", "web"], listed.EnumerateArray().Select(g => g.GetString()).Order(StringComparer.Ordinal));

        var lb = (await Aws("elbv2", "create-load-balancer", "--name", "front", "--type", "application", "--scheme", "internal", "--subnets", subnetId))
            .GetProperty("LoadBalancers")[0];
        var lbArn = lb.GetProperty("LoadBalancerArn").GetString()!;
        Assert.Equal("internal", lb.GetProperty("Scheme").GetString());
        Assert.Equal(vpcId, lb.GetProperty("VpcId").GetString());
        Assert.Equal(subnetId, lb.GetProperty("AvailabilityZones")[0].GetProperty("SubnetId").GetString());
        Assert.Contains(lb.GetProperty("State").GetProperty("Code").GetString(), new[] { "provisioning", "active" });
        await Fails("LoadBalancerNotFound", "DescribeLoadBalancers", "describe-load-balancers", "--names", "nothing");

        var listener = (await Aws("elbv2", "create-listener", "--load-balancer-arn", lbArn, "--protocol", "HTTP", "--port", "80",
            "--default-actions", $"Type=forward,TargetGroupArn={webArn}")).GetProperty("Listeners")[0];
        var listenerArn = listener.GetProperty("ListenerArn").GetString()!;
        Assert.Equal(webArn, listener.GetProperty("DefaultActions")[0].GetProperty("TargetGroupArn").GetString());
        var rule = (await Aws("elbv2", "create-rule", "--listener-arn", listenerArn, "--priority", "10",
            "--conditions", "Field=path-pattern,Values=/api/*", "--actions", $"Type=forward,TargetGroupArn={apiArn}")).GetProperty("Rules")[0];
        var ruleArn = rule.GetProperty("RuleArn").GetString()!;
        Assert.Equal("/api/*", rule.GetProperty("Conditions")[0].GetProperty("PathPatternConfig").GetProperty("Values")[0].GetString());
        var rules = await Aws("elbv2", "describe-rules", "--listener-arn", listenerArn, "--query", "Rules[].[Priority,IsDefault]");
        Assert.Equal("""[["10",false],["default",true]]""", JsonSerializer.Serialize(rules));
        var groupsOfLb = await Aws("elbv2", "describe-target-groups", "--load-balancer-arn", lbArn, "--query", "TargetGroups[].TargetGroupName");
        Assert.Equal(["api", "web"], groupsOfLb.EnumerateArray().Select(g => g.GetString()).Order(StringComparer.Ordinal));

        await Fails("InvalidTarget", "RegisterTargets", "register-targets", "--target-group-arn", webArn, "--targets", "Id=i-0123456789abcdef0");
        Assert.Equal(0, (await Aws("elbv2", "describe-target-health", "--target-group-arn", webArn)).GetProperty("TargetHealthDescriptions").GetArrayLength());
        await Fails("ResourceInUse", "DeleteTargetGroup", "delete-target-group", "--target-group-arn", apiArn);

        await Aws("elbv2", "delete-rule", "--rule-arn", ruleArn);
        await Aws("elbv2", "delete-listener", "--listener-arn", listenerArn);
        await Aws("elbv2", "delete-load-balancer", "--load-balancer-arn", lbArn);
        await Aws("elbv2", "delete-target-group", "--target-group-arn", apiArn);
        await Aws("elbv2", "delete-target-group", "--target-group-arn", webArn);
        Assert.Equal(0, (await Aws("elbv2", "describe-target-groups")).GetProperty("TargetGroups").GetArrayLength());
        await Fails("TargetGroupNotFound", "DescribeTargetGroups", "describe-target-groups", "--target-group-arns", webArn);
    }

    [Fact]
    public async Task Given_query_requests_outside_the_CLI_When_sent_Then_answers_and_errors_are_ELBv2_XML_and_change_nothing()
    {
        XNamespace ns = Namespace;
        using var signed = new HttpClient(new SdkSigningHandler(_cloud.Api.RootCredentials(), "elasticloadbalancing") { InnerHandler = _cloud.Api.CreateHandler() })
        {
            BaseAddress = _cloud.Api.BaseAddress,
        };

        var list = await signed.PostAsync("/", Form("Action=DescribeLoadBalancers&Version=2015-12-01"));
        var document = XDocument.Parse(await list.Content.ReadAsStringAsync()).Root!;
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(ns + "DescribeLoadBalancersResponse", document.Name);
        Assert.NotNull(document.Element(ns + "DescribeLoadBalancersResult")!.Element(ns + "LoadBalancers"));

        foreach (var form in new[]
        {
            "Action=DescribeLoadBalancers&Version=2015-12-01&Marker=not-a-marker",
            "Action=DescribeLoadBalancers&Version=2015-12-01&PageSize=401",
            "Action=CreateTargetGroup&Version=2015-12-01&Name=bad_name!&Protocol=HTTP&Port=80&VpcId=vpc-1",
            "Action=CreateTargetGroup&Version=2015-12-01&Name=tg&Protocol=HTTP&Port=80&VpcId=vpc-1&ProtocolVersion=HTTP2",
        })
        {
            var response = await signed.PostAsync("/", Form(form));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{form}: {response.StatusCode} {text}");
            Assert.Equal("ErrorResponse", XDocument.Parse(text).Root!.Name.LocalName);
        }

        // SetSecurityGroups is served (not InvalidAction): an unknown balancer is ELBv2's LoadBalancerNotFound.
        var set = await signed.PostAsync("/", Form("Action=SetSecurityGroups&Version=2015-12-01&LoadBalancerArn=" +
            Uri.EscapeDataString("arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/x/0000000000000000") + "&SecurityGroups.member.1=sg-0123456789abcdef0"));
        var setText = await set.Content.ReadAsStringAsync();
        Assert.True(set.StatusCode == HttpStatusCode.BadRequest, setText);
        Assert.Equal("LoadBalancerNotFound", XDocument.Parse(setText).Descendants().First(e => e.Name.LocalName == "Code").Value);

        var after = XDocument.Parse(await (await signed.PostAsync("/", Form("Action=DescribeTargetGroups&Version=2015-12-01"))).Content.ReadAsStringAsync());
        Assert.Empty(after.Descendants(ns + "TargetGroupName"));
    }

    private static StringContent Form(string body) => new(body, Encoding.UTF8, "application/x-www-form-urlencoded");
}
