using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Platform.Api.Tests.Ec2Query;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.AutoScaling;

/// <summary>
/// Auto Scaling on AWS's query protocol (<c>POST /</c> signed for <c>autoscaling</c>) and EC2's launch template actions,
/// driven by the real aws CLIs as a user would: templates and their versions, groups created, paged, filtered by tag,
/// updated, suspended, given a policy and deleted, and the errors AWS would print. Groups stay at capacity 0: no instance
/// is launched, so the test needs no guest and no server.
/// </summary>
public sealed class AutoScalingQueryCliTests(AutoScalingQueryCliTests.Cloud fixture) : IClassFixture<AutoScalingQueryCliTests.Cloud>
{
    private const string Namespace = "http://autoscaling.amazonaws.com/doc/2011-01-01/";

    private readonly Ec2Cloud _cloud = fixture.Ec2;

    /// <summary>One API process for the class: each test names its own resources.</summary>
    public sealed class Cloud : IAsyncLifetime
    {
        public Ec2Cloud Ec2 { get; private set; } = null!;

        public async Task InitializeAsync() => Ec2 = await Ec2Cloud.StartAsync();

        public async Task DisposeAsync() => await Ec2.DisposeAsync();
    }

    [Fact]
    public async Task Given_awscli_1_When_it_creates_pages_and_deletes_groups_Then_it_prints_what_AWS_would()
    {
        const string cli = AwsCli.Pyenv;
        var root = _cloud.Api.RootCredentials();
        Task<JsonElement> Aws(params string[] arguments) => _cloud.JsonAsync(cli, root, arguments);

        var vpcId = (await Aws("ec2", "create-vpc", "--cidr-block", "10.31.0.0/16")).GetProperty("Vpc").GetProperty("VpcId").GetString()!;
        var subnetId = (await Aws("ec2", "create-subnet", "--vpc-id", vpcId, "--cidr-block", "10.31.1.0/24", "--availability-zone", Ec2Cloud.Zone))
            .GetProperty("Subnet").GetProperty("SubnetId").GetString()!;
        await Aws("ec2", "create-launch-template", "--launch-template-name", "web-v1", "--launch-template-data", $$"""{"ImageId":"{{_cloud.ImageId}}"}""");
        string[] groups = ["asg-v1-a", "asg-v1-b"];
        foreach (var group in groups)
        {
            await Aws("autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", group, "--launch-template", "LaunchTemplateName=web-v1",
                "--min-size", "0", "--max-size", "2", "--vpc-zone-identifier", subnetId);
        }

        var paged = await Aws(["autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", .. groups, "--page-size", "1",
            "--query", "AutoScalingGroups[].[AutoScalingGroupName,DesiredCapacity,LaunchTemplate.Version]"]);
        Assert.Equal("""[["asg-v1-a",0,"$Default"],["asg-v1-b",0,"$Default"]]""", JsonSerializer.Serialize(paged));
        await _cloud.FailsAsync(cli, root, "ValidationError", "DescribePolicies", "autoscaling", "describe-policies", "--auto-scaling-group-name", "asg-v1-none");

        // An instance refresh to a desired configuration with auto rollback, rolled back by hand. The group's InstanceRefresh process is
        // suspended, so the group job leaves the refresh where the calls put it.
        await Aws("autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", "asg-v1-rb", "--launch-template", "LaunchTemplateName=web-v1,Version=1",
            "--min-size", "0", "--max-size", "2", "--vpc-zone-identifier", subnetId);
        await Aws("autoscaling", "suspend-processes", "--auto-scaling-group-name", "asg-v1-rb", "--scaling-processes", "InstanceRefresh");
        await _cloud.FailsAsync(cli, root, "ActiveInstanceRefreshNotFound", "RollbackInstanceRefresh", "autoscaling", "rollback-instance-refresh",
            "--auto-scaling-group-name", "asg-v1-rb");
        var refreshId = (await Aws("autoscaling", "start-instance-refresh", "--auto-scaling-group-name", "asg-v1-rb",
            "--desired-configuration", """{"LaunchTemplate":{"LaunchTemplateName":"web-v1","Version":"1"}}""",
            "--preferences", """{"AutoRollback":true,"ScaleInProtectedInstances":"Refresh","StandbyInstances":"Ignore","MinHealthyPercentage":90}"""))
            .GetProperty("InstanceRefreshId").GetString()!;
        var started = (await Aws("autoscaling", "describe-instance-refreshes", "--auto-scaling-group-name", "asg-v1-rb")).GetProperty("InstanceRefreshes")[0];
        Assert.Equal((refreshId, "Pending", "web-v1", "1"), (started.GetProperty("InstanceRefreshId").GetString(), started.GetProperty("Status").GetString(),
            started.GetProperty("DesiredConfiguration").GetProperty("LaunchTemplate").GetProperty("LaunchTemplateName").GetString(),
            started.GetProperty("DesiredConfiguration").GetProperty("LaunchTemplate").GetProperty("Version").GetString()));
        Assert.Equal((true, "Refresh", "Ignore"), (started.GetProperty("Preferences").GetProperty("AutoRollback").GetBoolean(),
            started.GetProperty("Preferences").GetProperty("ScaleInProtectedInstances").GetString(), started.GetProperty("Preferences").GetProperty("StandbyInstances").GetString()));
        Assert.Equal(refreshId, (await Aws("autoscaling", "rollback-instance-refresh", "--auto-scaling-group-name", "asg-v1-rb")).GetProperty("InstanceRefreshId").GetString());
        var rolling = (await Aws("autoscaling", "describe-instance-refreshes", "--auto-scaling-group-name", "asg-v1-rb")).GetProperty("InstanceRefreshes")[0];
        Assert.Equal("RollbackInProgress", rolling.GetProperty("Status").GetString());
        Assert.Equal("Rollback initiated by user request.", rolling.GetProperty("RollbackDetails").GetProperty("RollbackReason").GetString());
        await _cloud.FailsAsync(cli, root, "ActiveInstanceRefreshNotFound", "RollbackInstanceRefresh", "autoscaling", "rollback-instance-refresh",
            "--auto-scaling-group-name", "asg-v1-rb");
        await Aws("autoscaling", "delete-auto-scaling-group", "--auto-scaling-group-name", "asg-v1-rb", "--force-delete");
        foreach (var group in groups)
        {
            await Aws("autoscaling", "delete-auto-scaling-group", "--auto-scaling-group-name", group);
        }

        Assert.Equal(0, (await Aws(["autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", .. groups]))
            .GetProperty("AutoScalingGroups").GetArrayLength());
    }

    /// <summary>Scheduled actions with awscli 2: put (one-time and recurring in a time zone), describe with and without the group, batch delete, the errors.</summary>
    [Fact]
    public async Task Given_awscli_2_When_it_schedules_actions_Then_it_prints_what_AWS_would()
    {
        const string cli = AwsCli.Debian;
        var root = _cloud.Api.RootCredentials();
        Task<JsonElement> Aws(params string[] arguments) => _cloud.JsonAsync(cli, root, arguments);

        var vpcId = (await Aws("ec2", "create-vpc", "--cidr-block", "10.32.0.0/16")).GetProperty("Vpc").GetProperty("VpcId").GetString()!;
        var subnetId = (await Aws("ec2", "create-subnet", "--vpc-id", vpcId, "--cidr-block", "10.32.1.0/24", "--availability-zone", Ec2Cloud.Zone))
            .GetProperty("Subnet").GetProperty("SubnetId").GetString()!;
        await Aws("ec2", "create-launch-template", "--launch-template-name", "web-sched", "--launch-template-data", $$"""{"ImageId":"{{_cloud.ImageId}}"}""");
        await Aws("autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", "asg-sched", "--launch-template", "LaunchTemplateName=web-sched",
            "--min-size", "0", "--max-size", "2", "--vpc-zone-identifier", subnetId);

        var start = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        await Aws("autoscaling", "put-scheduled-update-group-action", "--auto-scaling-group-name", "asg-sched", "--scheduled-action-name", "once",
            "--start-time", start, "--desired-capacity", "1");
        await Aws("autoscaling", "put-scheduled-update-group-action", "--auto-scaling-group-name", "asg-sched", "--scheduled-action-name", "weekdays",
            "--recurrence", "0 9 * * 1-5", "--time-zone", "Europe/Paris", "--min-size", "0", "--max-size", "2");
        await _cloud.FailsAsync(cli, root, "ValidationError", "PutScheduledUpdateGroupAction", "autoscaling", "put-scheduled-update-group-action",
            "--auto-scaling-group-name", "asg-sched", "--scheduled-action-name", "bad", "--recurrence", "0 9 * *", "--min-size", "0");

        var actions = (await Aws("autoscaling", "describe-scheduled-actions", "--auto-scaling-group-name", "asg-sched"))
            .GetProperty("ScheduledUpdateGroupActions").EnumerateArray().ToList();
        Assert.Equal(["once", "weekdays"], actions.Select(a => a.GetProperty("ScheduledActionName").GetString()));
        Assert.Equal(start, actions[0].GetProperty("StartTime").GetString()!.Replace("+00:00", "Z", StringComparison.Ordinal));
        Assert.Equal(1, actions[0].GetProperty("DesiredCapacity").GetInt32());
        Assert.Equal(("0 9 * * 1-5", "Europe/Paris", 2), (actions[1].GetProperty("Recurrence").GetString(), actions[1].GetProperty("TimeZone").GetString(),
            actions[1].GetProperty("MaxSize").GetInt32()));
        Assert.Contains(":scheduledUpdateGroupAction:", actions[1].GetProperty("ScheduledActionARN").GetString(), StringComparison.Ordinal);
        Assert.True((await Aws("autoscaling", "describe-scheduled-actions")).GetProperty("ScheduledUpdateGroupActions").GetArrayLength() >= 2);

        var failed = (await Aws("autoscaling", "batch-delete-scheduled-action", "--auto-scaling-group-name", "asg-sched", "--scheduled-action-names", "once", "none"))
            .GetProperty("FailedScheduledActions").EnumerateArray().ToList();
        Assert.Equal(("none", "ValidationError"), (Assert.Single(failed).GetProperty("ScheduledActionName").GetString(), failed[0].GetProperty("ErrorCode").GetString()));
        await Aws("autoscaling", "delete-scheduled-action", "--auto-scaling-group-name", "asg-sched", "--scheduled-action-name", "weekdays");
        Assert.Equal(0, (await Aws("autoscaling", "describe-scheduled-actions", "--auto-scaling-group-name", "asg-sched"))
            .GetProperty("ScheduledUpdateGroupActions").GetArrayLength());

        // Account-wide describes, as AWS answers them without a group name.
        Assert.Equal(JsonValueKind.Array, (await Aws("autoscaling", "describe-scaling-activities")).GetProperty("Activities").ValueKind);
        Assert.Equal(JsonValueKind.Array, (await Aws("autoscaling", "describe-policies")).GetProperty("ScalingPolicies").ValueKind);
        await Aws("autoscaling", "delete-auto-scaling-group", "--auto-scaling-group-name", "asg-sched", "--force-delete");
    }

    [Fact]
    public async Task Given_query_requests_outside_the_CLI_When_sent_Then_answers_and_errors_are_Auto_Scaling_XML_and_change_nothing()
    {
        var root = _cloud.Api.RootCredentials();
        XNamespace ns = Namespace;
        using var signed = new HttpClient(new SdkSigningHandler(root, "autoscaling") { InnerHandler = _cloud.Api.CreateHandler() })
        {
            BaseAddress = _cloud.Api.BaseAddress,
        };

        var list = await signed.PostAsync("/", Form("Action=DescribeAutoScalingGroups&Version=2011-01-01"));
        var document = XDocument.Parse(await list.Content.ReadAsStringAsync()).Root!;
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(ns + "DescribeAutoScalingGroupsResponse", document.Name);
        Assert.NotNull(document.Element(ns + "DescribeAutoScalingGroupsResult")!.Element(ns + "AutoScalingGroups"));
        Assert.Equal(list.Headers.GetValues("x-amz-request-id").Single(), document.Element(ns + "ResponseMetadata")!.Element(ns + "RequestId")!.Value);

        foreach (var (form, code) in new[]
        {
            ("Action=DescribeAutoScalingGroups&Version=2011-01-01&NextToken=not-a-token", "InvalidNextToken"),
            ("Action=DescribeAutoScalingGroups&Version=2011-01-01&MaxRecords=101", "ValidationError"),
            ("Action=DescribeAutoScalingGroups&Version=2011-01-01&MaxRecords=0", "ValidationError"),
            ("Action=DescribeAutoScalingGroups&Version=2011-01-01&Filters.member.1.Name=instance-state&Filters.member.1.Values.member.1=x", "ValidationError"),
            ("Action=DescribeAutoScalingGroups&Version=2010-05-08", "NoSuchVersion"),
            ("Action=CreateLaunchConfiguration&Version=2011-01-01&LaunchConfigurationName=x", "InvalidAction"),
            ("Action=DeleteAutoScalingGroup&Version=2011-01-01", "MissingParameter"),
            ("Action=DescribePolicies&Version=2011-01-01&AutoScalingGroupName=nothing", "ValidationError"),
            // A setting the platform does not implement is refused, and the group is not created without it.
            ("Action=CreateAutoScalingGroup&Version=2011-01-01&AutoScalingGroupName=lc&LaunchConfigurationName=x&MinSize=0&MaxSize=1&VPCZoneIdentifier=subnet-1",
                "UnknownParameter"),
            ("Action=CreateAutoScalingGroup&Version=2011-01-01&AutoScalingGroupName=t&LaunchTemplate.LaunchTemplateName=x&MinSize=0&MaxSize=1"
                + "&VPCZoneIdentifier=subnet-1&Tags.member.1.Key=k&Tags.member.1.ResourceType=instance", "ValidationError"),
            ("Action=RollbackInstanceRefresh&Version=2011-01-01&AutoScalingGroupName=nothing", "ValidationError"),
            ("Action=RollbackInstanceRefresh&Version=2011-01-01", "MissingParameter"),
            // No mixed instances policies here: refused, as any parameter the platform does not implement.
            ("Action=StartInstanceRefresh&Version=2011-01-01&AutoScalingGroupName=nothing"
                + "&DesiredConfiguration.MixedInstancesPolicy.InstancesDistribution.OnDemandBaseCapacity=1", "UnknownParameter"),
            ("Action=StartInstanceRefresh&Version=2011-01-01&AutoScalingGroupName=nothing&Preferences.AutoRollback=true", "ValidationError"),
            ("Action=StartInstanceRefresh&Version=2011-01-01&AutoScalingGroupName=nothing&Preferences.ScaleInProtectedInstances=Sometimes", "ValidationError"),
            ("Action=StartInstanceRefresh&Version=2011-01-01&AutoScalingGroupName=nothing&DesiredConfiguration.LaunchTemplate.Version=1", "ValidationError"),
        })
        {
            var response = await signed.PostAsync("/", Form(form));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{form}: {response.StatusCode} {text}");
            var error = XDocument.Parse(text).Root!;
            Assert.Equal("ErrorResponse", error.Name.LocalName);
            Assert.Equal(code, error.Descendants().Single(e => e.Name.LocalName == "Code").Value);
            Assert.Equal("Sender", error.Descendants().Single(e => e.Name.LocalName == "Type").Value);
        }

        var after = XDocument.Parse(await (await signed.PostAsync("/", Form("Action=DescribeAutoScalingGroups&Version=2011-01-01"))).Content.ReadAsStringAsync());
        Assert.DoesNotContain(after.Descendants(ns + "AutoScalingGroupName"), e => e.Value is "lc" or "t");
    }

    private static StringContent Form(string body) => new(body, Encoding.UTF8, "application/x-www-form-urlencoded");
}

/// <summary>
/// The whole tour with Debian's awscli 2 in a class of its own (five minutes of CLI calls), so it runs beside the shorter
/// tours above, on its own API process.
/// </summary>
public sealed class AutoScalingQueryCliTourTests(AutoScalingQueryCliTests.Cloud fixture) : IClassFixture<AutoScalingQueryCliTests.Cloud>
{
    private readonly Ec2Cloud _cloud = fixture.Ec2;

    /// <summary>The whole tour with Debian's awscli 2; awscli 1 takes the shorter one in AutoScalingQueryCliTests (each CLI call costs about a second of CPU).</summary>
    [Fact]
    public async Task Given_awscli_2_When_it_tours_launch_templates_groups_and_policies_Then_it_prints_what_AWS_would()
    {
        const string cli = AwsCli.Debian;
        var root = _cloud.Api.RootCredentials();
        const string tour = "v2";
        const string octet = "30";
        Task<JsonElement> Aws(params string[] arguments) => _cloud.JsonAsync(cli, root, arguments);
        Task<string> Fails(string code, string operation, params string[] arguments) => _cloud.FailsAsync(cli, root, code, operation, arguments);

        var vpcId = (await Aws("ec2", "create-vpc", "--cidr-block", $"10.{octet}.0.0/16")).GetProperty("Vpc").GetProperty("VpcId").GetString()!;
        var subnetId = (await Aws("ec2", "create-subnet", "--vpc-id", vpcId, "--cidr-block", $"10.{octet}.1.0/24", "--availability-zone", Ec2Cloud.Zone))
            .GetProperty("Subnet").GetProperty("SubnetId").GetString()!;

        // A launch template with a second version, made the default: EC2's actions.
        var template = "web-" + tour;
        var created = (await Aws("ec2", "create-launch-template", "--launch-template-name", template, "--version-description", "first",
            "--launch-template-data", $$"""{"ImageId":"{{_cloud.ImageId}}","InstanceType":"t3.micro","TagSpecifications":[{"ResourceType":"instance","Tags":[{"Key":"role","Value":"web"}]}]}""")).GetProperty("LaunchTemplate");
        Assert.Equal(template, created.GetProperty("LaunchTemplateName").GetString());
        Assert.StartsWith("lt-", created.GetProperty("LaunchTemplateId").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, created.GetProperty("DefaultVersionNumber").GetInt64());
        await Fails("InvalidLaunchTemplateName.AlreadyExistsException", "CreateLaunchTemplate", "ec2", "create-launch-template", "--launch-template-name", template,
            "--launch-template-data", $$"""{"ImageId":"{{_cloud.ImageId}}"}""");
        await Fails("InvalidParameterValue", "CreateLaunchTemplate", "ec2", "create-launch-template", "--launch-template-name", "bad-" + template,
            "--launch-template-data", """{"InstanceType":"t9.enormous"}""");

        var second = (await Aws("ec2", "create-launch-template-version", "--launch-template-name", template, "--source-version", "1",
            "--launch-template-data", """{"InstanceType":"t3.small"}""")).GetProperty("LaunchTemplateVersion");
        Assert.Equal(2, second.GetProperty("VersionNumber").GetInt64());
        Assert.Equal("t3.small", second.GetProperty("LaunchTemplateData").GetProperty("InstanceType").GetString());
        Assert.Equal(_cloud.ImageId, second.GetProperty("LaunchTemplateData").GetProperty("ImageId").GetString());
        Assert.Equal("web", second.GetProperty("LaunchTemplateData").GetProperty("TagSpecifications")[0].GetProperty("Tags")[0].GetProperty("Value").GetString());

        var modified = (await Aws("ec2", "modify-launch-template", "--launch-template-name", template, "--default-version", "2")).GetProperty("LaunchTemplate");
        Assert.Equal(2, modified.GetProperty("DefaultVersionNumber").GetInt64());
        var versions = await Aws("ec2", "describe-launch-template-versions", "--launch-template-name", template, "--query", "LaunchTemplateVersions[].[VersionNumber,DefaultVersion]");
        Assert.Equal("[[2,true],[1,false]]", versions.GetRawText().Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal));
        var templates = await Aws("ec2", "describe-launch-templates", "--launch-template-names", template);
        Assert.Equal(2, Assert.Single(templates.GetProperty("LaunchTemplates").EnumerateArray()).GetProperty("LatestVersionNumber").GetInt64());
        await Fails("InvalidLaunchTemplateName.NotFoundException", "DescribeLaunchTemplates", "ec2", "describe-launch-templates",
            "--launch-template-names", "nothing-" + tour);

        // Three groups at capacity 0; one tagged.
        var groups = new[] { $"asg-{tour}-a", $"asg-{tour}-b", $"asg-{tour}-c" };
        foreach (var group in groups)
        {
            string[] tags = group == groups[0] ? ["--tags", $"Key=team,Value=blue-{tour},PropagateAtLaunch=true"] : [];
            var output = await Aws(["autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", group,
                "--launch-template", $"LaunchTemplateName={template},Version=$Latest", "--min-size", "0", "--max-size", "3", "--desired-capacity", "0",
                "--vpc-zone-identifier", subnetId, .. tags]);
            Assert.Equal(JsonValueKind.Undefined, output.ValueKind);
        }

        await Fails("AlreadyExists", "CreateAutoScalingGroup", "autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", groups[0],
            "--launch-template", $"LaunchTemplateName={template}", "--min-size", "0", "--max-size", "1", "--vpc-zone-identifier", subnetId);
        await Fails("ValidationError", "CreateAutoScalingGroup", "autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", $"asg-{tour}-bad",
            "--launch-template", $"LaunchTemplateName={template}", "--min-size", "3", "--max-size", "1", "--vpc-zone-identifier", subnetId);

        // One request per page of one group: the CLI follows NextToken through all three.
        var paged = await Aws("autoscaling", "describe-auto-scaling-groups", "--page-size", "1", "--query", "AutoScalingGroups[].AutoScalingGroupName");
        Assert.Equal(groups, paged.EnumerateArray().Select(g => g.GetString()!).Where(g => g.StartsWith($"asg-{tour}-", StringComparison.Ordinal)));
        var firstPage = await Aws(["autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", .. groups, "--max-items", "2"]);
        Assert.Equal(2, firstPage.GetProperty("AutoScalingGroups").GetArrayLength());
        var rest = await Aws(["autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", .. groups, "--max-items", "2",
            "--starting-token", firstPage.GetProperty("NextToken").GetString()!]);
        Assert.Equal([groups[2]], rest.GetProperty("AutoScalingGroups").EnumerateArray().Select(g => g.GetProperty("AutoScalingGroupName").GetString()));

        var tagged = (await Aws("autoscaling", "describe-auto-scaling-groups", "--filters", $"Name=tag:team,Values=blue-{tour}"))
            .GetProperty("AutoScalingGroups");
        var a = Assert.Single(tagged.EnumerateArray());
        Assert.Equal(groups[0], a.GetProperty("AutoScalingGroupName").GetString());
        Assert.Equal(template, a.GetProperty("LaunchTemplate").GetProperty("LaunchTemplateName").GetString());
        Assert.Equal("$Latest", a.GetProperty("LaunchTemplate").GetProperty("Version").GetString());
        Assert.Equal(subnetId, a.GetProperty("VPCZoneIdentifier").GetString());
        Assert.Equal([Ec2Cloud.Zone], a.GetProperty("AvailabilityZones").EnumerateArray().Select(z => z.GetString()));
        Assert.StartsWith($"arn:aws:autoscaling:us-east-1:{root.AccountId}:autoScalingGroup:", a.GetProperty("AutoScalingGroupARN").GetString(), StringComparison.Ordinal);
        Assert.True(a.GetProperty("Tags")[0].GetProperty("PropagateAtLaunch").GetBoolean());
        Assert.Empty(a.GetProperty("Instances").EnumerateArray());

        await Aws("autoscaling", "update-auto-scaling-group", "--auto-scaling-group-name", groups[1], "--max-size", "5", "--default-cooldown", "120");
        await Aws("autoscaling", "suspend-processes", "--auto-scaling-group-name", groups[1], "--scaling-processes", "AZRebalance");
        var b = Assert.Single((await Aws("autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", groups[1]))
            .GetProperty("AutoScalingGroups").EnumerateArray());
        Assert.Equal(5, b.GetProperty("MaxSize").GetInt32());
        Assert.Equal(120, b.GetProperty("DefaultCooldown").GetInt32());
        Assert.Equal("AZRebalance", Assert.Single(b.GetProperty("SuspendedProcesses").EnumerateArray()).GetProperty("ProcessName").GetString());

        // Group metrics: two enabled at 1Minute, listed by DescribeAutoScalingGroups; a bad granularity refused; disabled again.
        await Aws("autoscaling", "enable-metrics-collection", "--auto-scaling-group-name", groups[1], "--granularity", "1Minute",
            "--metrics", "GroupInServiceInstances", "GroupDesiredCapacity");
        var enabled = await Aws("autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", groups[1],
            "--query", "AutoScalingGroups[0].EnabledMetrics[].[Metric,Granularity]");
        Assert.Equal("""[["GroupDesiredCapacity","1Minute"],["GroupInServiceInstances","1Minute"]]""", JsonSerializer.Serialize(enabled));
        await Fails("ValidationError", "EnableMetricsCollection", "autoscaling", "enable-metrics-collection", "--auto-scaling-group-name", groups[1],
            "--granularity", "5Minute");
        await Aws("autoscaling", "disable-metrics-collection", "--auto-scaling-group-name", groups[1]);
        Assert.Equal("[]", JsonSerializer.Serialize(await Aws("autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", groups[1],
            "--query", "AutoScalingGroups[0].EnabledMetrics")));
        await Fails("ValidationError", "UpdateAutoScalingGroup", "autoscaling", "update-auto-scaling-group", "--auto-scaling-group-name", groups[1],
            "--min-size", "6");
        await Fails("ValidationError", "SetDesiredCapacity", "autoscaling", "set-desired-capacity", "--auto-scaling-group-name", groups[1],
            "--desired-capacity", "9");
        await Fails("ValidationError", "UpdateAutoScalingGroup", "autoscaling", "update-auto-scaling-group", "--auto-scaling-group-name", "nothing-" + tour,
            "--max-size", "2");

        // Policies: a step policy, a target tracking one, listed and deleted.
        var policyArn = (await Aws("autoscaling", "put-scaling-policy", "--auto-scaling-group-name", groups[1], "--policy-name", "out",
            "--policy-type", "StepScaling", "--adjustment-type", "ChangeInCapacity",
            "--step-adjustments", "MetricIntervalLowerBound=0,MetricIntervalUpperBound=10,ScalingAdjustment=1", "MetricIntervalLowerBound=10,ScalingAdjustment=2"))
            .GetProperty("PolicyARN").GetString()!;
        Assert.StartsWith($"arn:aws:autoscaling:us-east-1:{root.AccountId}:scalingPolicy:", policyArn, StringComparison.Ordinal);
        await Aws("autoscaling", "put-scaling-policy", "--auto-scaling-group-name", groups[1], "--policy-name", "cpu", "--policy-type", "TargetTrackingScaling",
            "--target-tracking-configuration", """{"PredefinedMetricSpecification":{"PredefinedMetricType":"ASGAverageCPUUtilization"},"TargetValue":50.5}""");
        await Fails("ValidationError", "PutScalingPolicy", "autoscaling", "put-scaling-policy", "--auto-scaling-group-name", groups[1], "--policy-name", "odd",
            "--policy-type", "StepScaling", "--adjustment-type", "Sideways", "--step-adjustments", "MetricIntervalLowerBound=0,ScalingAdjustment=1");
        var policies = (await Aws("autoscaling", "describe-policies", "--auto-scaling-group-name", groups[1])).GetProperty("ScalingPolicies");
        Assert.Equal(["cpu", "out"], policies.EnumerateArray().Select(p => p.GetProperty("PolicyName").GetString()));
        Assert.Equal(50.5, policies[0].GetProperty("TargetTrackingConfiguration").GetProperty("TargetValue").GetDouble());
        Assert.Equal(2, policies[1].GetProperty("StepAdjustments").GetArrayLength());
        Assert.Equal(policyArn, policies[1].GetProperty("PolicyARN").GetString());
        var stepOnly = await Aws("autoscaling", "describe-policies", "--auto-scaling-group-name", groups[1], "--policy-types", "StepScaling",
            "--query", "ScalingPolicies[].PolicyName");
        Assert.Equal(["out"], stepOnly.EnumerateArray().Select(p => p.GetString()));
        await Aws("autoscaling", "delete-policy", "--auto-scaling-group-name", groups[1], "--policy-name", "out");
        await Aws("autoscaling", "delete-policy", "--auto-scaling-group-name", groups[1], "--policy-name", "cpu");
        Assert.Equal(0, (await Aws("autoscaling", "describe-policies", "--auto-scaling-group-name", groups[1])).GetProperty("ScalingPolicies").GetArrayLength());

        // Lifecycle hooks: put, described with AWS's defaults, a completion with no waiting instance refused, deleted.
        await Aws("autoscaling", "put-lifecycle-hook", "--auto-scaling-group-name", groups[1], "--lifecycle-hook-name", "boot",
            "--lifecycle-transition", "autoscaling:EC2_INSTANCE_LAUNCHING", "--heartbeat-timeout", "120");
        await Fails("ValidationError", "PutLifecycleHook", "autoscaling", "put-lifecycle-hook", "--auto-scaling-group-name", groups[1],
            "--lifecycle-hook-name", "odd", "--lifecycle-transition", "autoscaling:EC2_INSTANCE_REBOOTING");
        var hook = Assert.Single((await Aws("autoscaling", "describe-lifecycle-hooks", "--auto-scaling-group-name", groups[1])).GetProperty("LifecycleHooks").EnumerateArray());
        Assert.Equal(("boot", "autoscaling:EC2_INSTANCE_LAUNCHING", 120, 12000, "ABANDON"), (hook.GetProperty("LifecycleHookName").GetString(),
            hook.GetProperty("LifecycleTransition").GetString(), hook.GetProperty("HeartbeatTimeout").GetInt32(), hook.GetProperty("GlobalTimeout").GetInt32(),
            hook.GetProperty("DefaultResult").GetString()));
        await Fails("ValidationError", "CompleteLifecycleAction", "autoscaling", "complete-lifecycle-action", "--auto-scaling-group-name", groups[1],
            "--lifecycle-hook-name", "boot", "--instance-id", "i-0123456789abcdef0", "--lifecycle-action-result", "CONTINUE");
        Assert.Equal(0, (await Aws("autoscaling", "describe-auto-scaling-instances")).GetProperty("AutoScalingInstances").GetArrayLength());
        await Aws("autoscaling", "delete-lifecycle-hook", "--auto-scaling-group-name", groups[1], "--lifecycle-hook-name", "boot");

        var activities = await Aws("autoscaling", "describe-scaling-activities", "--auto-scaling-group-name", groups[0]);
        Assert.Equal(JsonValueKind.Array, activities.GetProperty("Activities").ValueKind);

        foreach (var group in groups)
        {
            await Aws("autoscaling", "delete-auto-scaling-group", "--auto-scaling-group-name", group, "--force-delete");
        }

        // A group with no instances goes at once.
        var left = await Aws(["autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", .. groups]);
        Assert.Equal(0, left.GetProperty("AutoScalingGroups").GetArrayLength());
        await Fails("ValidationError", "SetDesiredCapacity", "autoscaling", "set-desired-capacity", "--auto-scaling-group-name", groups[0],
            "--desired-capacity", "1");
        await Aws("ec2", "delete-launch-template", "--launch-template-name", template);
        await Fails("InvalidLaunchTemplateName.NotFoundException", "DescribeLaunchTemplateVersions", "ec2", "describe-launch-template-versions",
            "--launch-template-name", template);
    }
}
