using System.Net;
using System.Text.Json;
using Hangfire;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Agent;
using Platform.HostAgent.Protocol;

namespace Platform.Api.Tests.AutoScaling;

/// <summary>
/// Launch templates and Auto Scaling groups through the native API, signed for <c>autoscaling</c>, on simulated servers in
/// two zones: bad input gets Auto Scaling's errors and changes nothing; a group converges to its desired capacity through
/// EC2's own launches (instances tagged with the group, balanced over the zones), replaces an instance terminated by hand,
/// keeps a protected instance at scale-in, and is deleted with its instances. The group job runs on Hangfire's workers;
/// the test triggers it several times at once, so passes race on one database as two replicas' would.
/// </summary>
public sealed class AutoScalingGroupTests : IAsyncLifetime, IDisposable
{
    private const string Api = "/api/v1/autoscaling";

    private readonly PlatformApp _app = new(settings: new Dictionary<string, string?>
    {
        ["Platform:AvailabilityZones:0"] = "us-east-1a",
        ["Platform:AvailabilityZones:1"] = "us-east-1b",
    });

    private HttpClient _root = null!;
    private SimulatedFleet _fleet = null!;
    private string _imageId = null!;

    public async Task InitializeAsync()
    {
        _root = _app.SignedClient(_app.RootCredentials);
        _fleet = new SimulatedFleet(_app, _root);
        _imageId = await _root.RegisterKernelImageAsync("asg-image", [1, 2, 3], [4, 5, 6], isPublic: true);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _app.DisposeAsync();
    }

    public void Dispose() => _root.Dispose();

    private static async Task<(string VpcId, string SubnetA, string SubnetB)> NetworkAsync(HttpClient client, string cidr)
    {
        var vpc = (await (await client.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = $"{cidr}.0.0/16" })).AssertOkAsync()).GetProperty("vpc_id").GetString()!;
        async Task<string> Subnet(string block, string zone) => (await (await client.PostJsonAsync("/api/v1/vpc/subnets",
            new { vpc_id = vpc, cidr_block = block, availability_zone = zone })).AssertOkAsync()).GetProperty("subnet_id").GetString()!;
        return (vpc, await Subnet($"{cidr}.1.0/24", "us-east-1a"), await Subnet($"{cidr}.2.0/24", "us-east-1b"));
    }

    private async Task<string> TemplateAsync(HttpClient client, string name) =>
        (await (await client.PostJsonAsync($"{Api}/launch-templates", new
        {
            launch_template_name = name,
            launch_template_data = new { image_id = _imageId, instance_type = "t3.nano", tags = new[] { new { key = "tier", value = "web" } } },
        })).AssertOkAsync()).GetProperty("launch_template_id").GetString()!;

    private void RunGroupJob(int times)
    {
        var jobs = _app.Services.GetRequiredService<IRecurringJobManager>();
        for (var i = 0; i < times; i++)
        {
            jobs.Trigger("autoscaling-groups");
        }
    }

    [Fact]
    public async Task Given_bad_input_Then_Auto_Scalings_errors_answer_and_nothing_changes()
    {
        var tenant = await _root.CreateAccountAsync("asg-bad-input");
        using var client = _app.SignedClient(tenant);
        var (_, subnetA, subnetB) = await NetworkAsync(client, "10.1");
        var (_, otherVpcSubnet, _) = await NetworkAsync(client, "10.2");
        await TemplateAsync(client, "web");
        var neighbour = await _root.CreateAccountAsync("asg-neighbour");
        using var neighbourClient = _app.SignedClient(neighbour);
        var theirTemplate = await TemplateAsync(neighbourClient, "theirs");
        var (_, theirSubnet, _) = await NetworkAsync(neighbourClient, "10.3");

        object Group(object? template = null, int min = 1, int max = 3, int? desired = null, string? subnets = null, string? healthCheck = null) => new
        {
            auto_scaling_group_name = "web",
            launch_template = template ?? new { launch_template_name = "web", version = "$Latest" },
            min_size = min,
            max_size = max,
            desired_capacity = desired,
            vpc_zone_identifier = subnets ?? $"{subnetA},{subnetB}",
            health_check_type = healthCheck,
        };
        async Task<string> Refused(object body, string code = "ValidationError") =>
            (await (await client.PostJsonAsync($"{Api}/groups", body)).AssertErrorAsync(HttpStatusCode.BadRequest, code)).GetProperty("message").GetString()!;

        Assert.Equal("Max bound, 1, must be greater than or equal to min bound, 3", await Refused(Group(min: 3, max: 1)));
        Assert.Equal("Desired capacity:5 must be between the specified min size:1 and max size:3", await Refused(Group(desired: 5)));
        Assert.Contains("does not exist", await Refused(Group(template: new { launch_template_id = theirTemplate })), StringComparison.Ordinal);
        Assert.Contains("does not exist", await Refused(Group(template: new { launch_template_name = "theirs" })), StringComparison.Ordinal);
        Assert.Contains("launch template", await Refused(Group(template: new { launch_template_name = "web", version = "7" })), StringComparison.Ordinal);
        Assert.Contains("different VPCs", await Refused(Group(subnets: $"{subnetA},{otherVpcSubnet}")), StringComparison.Ordinal);
        Assert.Equal($"The subnet ID '{theirSubnet}' does not exist", await Refused(Group(subnets: $"{subnetA},{theirSubnet}")));
        await Refused(Group(healthCheck: "TCP"));
        await Refused(Group(template: new { launch_template_name = "web", version = "latest" }), "InvalidParameterValue");
        var error = await (await client.PostJsonAsync($"{Api}/groups", Group(min: 2, max: 1))).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("request_id").GetString()));
        Assert.Empty((await (await client.GetAsync($"{Api}/groups")).AssertOkAsync()).GetProperty("auto_scaling_groups").EnumerateArray());

        // Desired 0: nothing launches (no server here), and the group can be taken apart afterwards.
        var created = await (await client.PostJsonAsync($"{Api}/groups", Group(min: 0, desired: 0))).AssertOkAsync();
        Assert.Matches($"^arn:aws:autoscaling:us-east-1:{tenant.AccountId}:autoScalingGroup:[0-9a-f-]{{36}}:autoScalingGroupName/web$",
            created.GetProperty("auto_scaling_group_arn").GetString());
        Assert.Equal(["us-east-1a", "us-east-1b"], created.GetProperty("availability_zones").EnumerateArray().Select(z => z.GetString()));
        await Refused(Group(), "AlreadyExists");
        await (await client.PutJsonAsync($"{Api}/groups/web", new { min_size = 4 })).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await client.PostJsonAsync($"{Api}/groups/web/desired-capacity", new { desired_capacity = 4 })).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await client.DeleteAsync($"{Api}/launch-templates/web")).AssertErrorAsync(HttpStatusCode.BadRequest, "ResourceInUse");
        var unchanged = await (await client.GetAsync($"{Api}/groups/web")).AssertOkAsync();
        Assert.Equal((0, 3, 0), (unchanged.GetProperty("min_size").GetInt32(), unchanged.GetProperty("max_size").GetInt32(), unchanged.GetProperty("desired_capacity").GetInt32()));

        // The neighbour sees no group of this account, by name or in its list.
        await (await neighbourClient.GetAsync($"{Api}/groups/web")).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await neighbourClient.PostJsonAsync($"{Api}/groups/web/desired-capacity", new { desired_capacity = 1 })).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        Assert.Empty((await (await neighbourClient.GetAsync($"{Api}/groups")).AssertOkAsync()).GetProperty("auto_scaling_groups").EnumerateArray());

        // Launch template versions: $Latest, $Default, a missing one.
        await (await client.PostJsonAsync($"{Api}/launch-templates", new { launch_template_name = "web", launch_template_data = new { image_id = _imageId } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidLaunchTemplateName.AlreadyExistsException");
        var second = await (await client.PostJsonAsync($"{Api}/launch-templates/web/versions", new
        {
            source_version = "1",
            launch_template_data = new { instance_type = "t3.micro" },
        })).AssertOkAsync();
        Assert.Equal(2, second.GetProperty("version_number").GetInt64());
        Assert.Equal(_imageId, second.GetProperty("launch_template_data").GetProperty("image_id").GetString());
        async Task<long> Version(string asked) => (await (await client.GetAsync($"{Api}/launch-templates/web/versions?version={Uri.EscapeDataString(asked)}")).AssertOkAsync())
            .GetProperty("launch_template_versions")[0].GetProperty("version_number").GetInt64();
        Assert.Equal((2L, 1L), (await Version("$Latest"), await Version("$Default")));
        await (await client.PutJsonAsync($"{Api}/launch-templates/web/default-version", new { default_version = "2" })).AssertOkAsync();
        Assert.Equal(2L, await Version("$Default"));
        await (await client.GetAsync($"{Api}/launch-templates/web/versions?version=9")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidLaunchTemplateId.VersionNotFound");
        await (await neighbourClient.GetAsync($"{Api}/launch-templates/web/versions")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidLaunchTemplateName.NotFoundException");

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{Api}/groups/web")).StatusCode);
        await (await client.GetAsync($"{Api}/groups/web")).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await client.DeleteAsync($"{Api}/launch-templates/web")).AssertOkAsync();
    }

    [Fact]
    public async Task Given_a_group_of_min_1_max_3_Then_it_converges_replaces_keeps_protected_instances_and_is_deleted_with_its_instances()
    {
        await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        await _fleet.AddHostAsync("us-east-1b", cpus: 4, memoryMiB: 4096);
        var tenant = await _root.CreateAccountAsync("asg-converge");
        using var client = _app.SignedClient(tenant);
        var (_, subnetA, subnetB) = await NetworkAsync(client, "10.1");
        await TemplateAsync(client, "web");
        await (await client.PostJsonAsync($"{Api}/groups", new
        {
            auto_scaling_group_name = "web",
            launch_template = new { launch_template_name = "web" },
            min_size = 1,
            max_size = 3,
            vpc_zone_identifier = $"{subnetA},{subnetB}",
            tags = new[] { new { key = "env", value = "test", propagate_at_launch = true }, new { key = "team", value = "ops", propagate_at_launch = false } },
        })).AssertOkAsync();

        async Task<List<JsonElement>> InService(int count, string? without = null)
        {
            List<JsonElement> members = [];
            await Eventually.TrueAsync(async () =>
            {
                RunGroupJob(1);
                var group = await (await client.GetAsync($"{Api}/groups/web")).AssertOkAsync();
                members = group.GetProperty("instances").EnumerateArray().ToList();
                return members.Count == count && members.All(m => m.GetProperty("lifecycle_state").GetString() == "InService"
                    && m.GetProperty("instance_id").GetString() != without);
            }, TimeSpan.FromSeconds(90), $"the group never had {count} instances in service");
            return members;
        }

        async Task<List<string>> EverLaunched() => (await (await client.GetAsync("/api/v1/ec2/instances?tag=aws:autoscaling:groupName=web")).AssertOkAsync())
            .GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("instance_id").GetString()!).ToList();

        // Several passes at once from the start: one launch, not several.
        RunGroupJob(4);
        var first = Assert.Single(await InService(1));
        var firstId = first.GetProperty("instance_id").GetString()!;
        Assert.Equal([firstId], await EverLaunched());
        var instance = await client.InstanceAsync(firstId);
        var tags = instance.GetProperty("tags").EnumerateArray().ToDictionary(t => t.GetProperty("key").GetString()!, t => t.GetProperty("value").GetString());
        Assert.Equal("web", tags["aws:autoscaling:groupName"]);
        Assert.Equal("test", tags["env"]);
        Assert.Equal("web", tags["tier"]);
        Assert.False(tags.ContainsKey("team"));
        Assert.Equal(subnetA, instance.GetProperty("subnet_id").GetString());

        // Desired 3: two more, the zones balanced (2 and 1), and still exactly three launches with passes racing.
        await (await client.PostJsonAsync($"{Api}/groups/web/desired-capacity", new { desired_capacity = 3 })).AssertOkAsync();
        RunGroupJob(4);
        var three = await InService(3);
        Assert.Equal(3, (await EverLaunched()).Count);
        Assert.Equal(2, three.Select(m => m.GetProperty("availability_zone").GetString()).Distinct().Count());

        // An instance terminated by hand is replaced.
        var victim = three[1].GetProperty("instance_id").GetString()!;
        await (await client.PostAsync($"/api/v1/ec2/instances/{victim}/terminate", null)).AssertOkAsync();
        var replaced = await InService(3, without: victim);
        Assert.DoesNotContain(victim, replaced.Select(m => m.GetProperty("instance_id").GetString()));
        Assert.Equal(4, (await EverLaunched()).Count);

        // Scale-in to 1 keeps the protected instance, whatever its age; EC2's termination protection does not stop the group
        // (as on AWS: Auto Scaling ignores disableApiTermination), though it still stops a terminate by hand.
        var keep = replaced[^1].GetProperty("instance_id").GetString()!;
        var ec2Protected = replaced[0].GetProperty("instance_id").GetString()!;
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-protection", new { instance_ids = new[] { keep }, protected_from_scale_in = true })).AssertOkAsync();
        await (await client.PostJsonAsync($"/api/v1/ec2/instances/{ec2Protected}/attributes", new { disable_api_termination = true })).AssertOkAsync();
        await (await client.PostAsync($"/api/v1/ec2/instances/{ec2Protected}/terminate", null)).AssertErrorAsync(HttpStatusCode.BadRequest, "OperationNotPermitted");
        await (await client.PostJsonAsync($"{Api}/groups/web/desired-capacity", new { desired_capacity = 1 })).AssertOkAsync();
        var last = Assert.Single(await InService(1));
        Assert.Equal(keep, last.GetProperty("instance_id").GetString());
        Assert.True(last.GetProperty("protected_from_scale_in").GetBoolean());
        Assert.Contains(await client.StateAsync(ec2Protected), new[] { "shutting-down", "terminated" });

        var activities = (await (await client.GetAsync($"{Api}/groups/web/activities")).AssertOkAsync()).GetProperty("activities").EnumerateArray().ToList();
        Assert.Equal(4, activities.Count(a => a.GetProperty("description").GetString()!.StartsWith("Launching a new EC2 instance: i-", StringComparison.Ordinal)
            && a.GetProperty("status_code").GetString() == "Successful"));
        Assert.Contains(activities, a => a.GetProperty("description").GetString() == $"Terminating EC2 instance: {victim}"
            && a.GetProperty("cause").GetString()!.Contains("EC2 health check", StringComparison.Ordinal));
        Assert.Equal(2, activities.Count(a => a.GetProperty("cause").GetString()!.Contains("shrinking the capacity from", StringComparison.Ordinal)));
        Assert.Contains(activities, a => a.GetProperty("cause").GetString()!.Contains("increasing the capacity from 1 to 2", StringComparison.Ordinal));

        // A group with instances goes only when forced, and takes them with it.
        await (await client.DeleteAsync($"{Api}/groups/web")).AssertErrorAsync(HttpStatusCode.BadRequest, "ResourceInUse");
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{Api}/groups/web?force_delete=true")).StatusCode);
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(1);
            return !(await client.GetAsync($"{Api}/groups/web")).IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(90), "the group was never deleted");
        Assert.Contains(await client.StateAsync(keep), new[] { "shutting-down", "terminated" });
    }

    [Fact]
    public async Task Given_scaling_policies_Then_target_tracking_follows_CPU_out_and_in_and_simple_and_step_policies_execute_with_cooldowns()
    {
        await _fleet.AddHostAsync("us-east-1a", cpus: 8, memoryMiB: 4096);
        var tenant = await _root.CreateAccountAsync("asg-policies");
        using var client = _app.SignedClient(tenant);
        var (_, subnetA, _) = await NetworkAsync(client, "10.1");
        await TemplateAsync(client, "web");
        await (await client.PostJsonAsync($"{Api}/groups", new
        {
            auto_scaling_group_name = "web",
            launch_template = new { launch_template_name = "web" },
            min_size = 1,
            max_size = 3,
            vpc_zone_identifier = subnetA,
            default_instance_warmup = 0,
            default_cooldown = 0,
        })).AssertOkAsync();

        // Bad policies: AWS's errors, nothing stored.
        async Task Refused(string name, object body) =>
            await (await client.PutJsonAsync($"{Api}/groups/web/policies/{name}", body)).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await Refused("no-target", new { policy_type = "TargetTrackingScaling", target_tracking_configuration = new { predefined_metric_specification = new { predefined_metric_type = "ASGAverageCPUUtilization" } } });
        await Refused("alb", new { policy_type = "TargetTrackingScaling", target_tracking_configuration = new { predefined_metric_specification = new { predefined_metric_type = "ALBRequestCountPerTarget" }, target_value = 100 } });
        await Refused("gap", new { policy_type = "StepScaling", adjustment_type = "ChangeInCapacity", step_adjustments = new object[] { new { metric_interval_lower_bound = 0, metric_interval_upper_bound = 10, scaling_adjustment = 1 }, new { metric_interval_lower_bound = 20, scaling_adjustment = 2 } } });
        await Refused("no-type", new { policy_type = "SimpleScaling", scaling_adjustment = 1 });
        await (await client.PutJsonAsync($"{Api}/groups/nope/policies/cpu", new { policy_type = "SimpleScaling", adjustment_type = "ChangeInCapacity", scaling_adjustment = 1 }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        Assert.Empty((await (await client.GetAsync($"{Api}/groups/web/policies")).AssertOkAsync()).GetProperty("scaling_policies").EnumerateArray());

        async Task<int> Desired() => (await (await client.GetAsync($"{Api}/groups/web")).AssertOkAsync()).GetProperty("desired_capacity").GetInt32();
        async Task WaitForDesired(int wanted) => await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(1);
            return await Desired() == wanted;
        }, TimeSpan.FromSeconds(90), $"the desired capacity never became {wanted}");

        // A simulated guest of 2 vCPUs shows 50 % CPU: a 20 % target asks ceil(1 × 50 / 20) = 3, the maximum.
        var policy = await (await client.PutJsonAsync($"{Api}/groups/web/policies/cpu", new
        {
            policy_type = "TargetTrackingScaling",
            target_tracking_configuration = new { predefined_metric_specification = new { predefined_metric_type = "ASGAverageCPUUtilization" }, target_value = 20.0 },
        })).AssertOkAsync();
        Assert.Matches($"^arn:aws:autoscaling:us-east-1:{tenant.AccountId}:scalingPolicy:[0-9a-f-]{{36}}:autoScalingGroupName/web:policyName/cpu$", policy.GetProperty("policy_arn").GetString());
        await WaitForDesired(3);

        // The launches carry the alarm as their cause; they are recorded when the job launches, which may be the next pass.
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(1);
            var activities = (await (await client.GetAsync($"{Api}/groups/web/activities")).AssertOkAsync()).GetProperty("activities").EnumerateArray().ToList();
            return activities.Any(a => a.GetProperty("cause").GetString()!.Contains("-AlarmHigh-", StringComparison.Ordinal)
                && a.GetProperty("cause").GetString()!.Contains("triggered policy cpu changing the desired capacity from", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(90), "no launch activity names the target tracking alarm");

        // A 90 % target: three at 50 % fit in ceil(3 × 50 / 90) = 2.
        await (await client.PutJsonAsync($"{Api}/groups/web/policies/cpu", new
        {
            policy_type = "TargetTrackingScaling",
            target_tracking_configuration = new { predefined_metric_specification = new { predefined_metric_type = "ASGAverageCPUUtilization" }, target_value = 90.0 },
        })).AssertOkAsync();
        await WaitForDesired(2);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{Api}/groups/web/policies/cpu")).StatusCode);

        // Simple scaling: +1, then its cooldown refuses a second one when honoured.
        await (await client.PutJsonAsync($"{Api}/groups/web/policies/up", new { policy_type = "SimpleScaling", adjustment_type = "ChangeInCapacity", scaling_adjustment = 1, cooldown = 600 }))
            .AssertOkAsync();
        await (await client.PostJsonAsync($"{Api}/groups/web/policies/up/execute", new { honor_cooldown = true })).AssertOkAsync();
        Assert.Equal(3, await Desired());
        await (await client.PostJsonAsync($"{Api}/groups/web/policies/up/execute", new { honor_cooldown = true })).AssertErrorAsync(HttpStatusCode.BadRequest, "ScalingActivityInProgress");

        // Step scaling: 30 for a threshold of 50 is 20 under it, in the step unbounded below that removes one.
        await (await client.PutJsonAsync($"{Api}/groups/web/policies/steps", new
        {
            policy_type = "StepScaling",
            adjustment_type = "ChangeInCapacity",
            step_adjustments = new object[]
            {
                new { metric_interval_upper_bound = -10, scaling_adjustment = -1 },
                new { metric_interval_lower_bound = -10, metric_interval_upper_bound = 0, scaling_adjustment = 0 },
                new { metric_interval_lower_bound = 0, scaling_adjustment = 1 },
            },
        })).AssertOkAsync();
        // Pending instances count as warming up, and a step scale-in waits for them: first all three in service.
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(1);
            var members = (await (await client.GetAsync($"{Api}/groups/web")).AssertOkAsync()).GetProperty("instances").EnumerateArray().ToList();
            return members.Count == 3 && members.All(m => m.GetProperty("lifecycle_state").GetString() == "InService");
        }, TimeSpan.FromSeconds(90), "three instances never were in service");
        await (await client.PostJsonAsync($"{Api}/groups/web/policies/steps/execute", new { })).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await client.PostJsonAsync($"{Api}/groups/web/policies/steps/execute", new { metric_value = 30, breach_threshold = 50 })).AssertOkAsync();
        Assert.Equal(2, await Desired());
        await WaitForDesired(2);
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(1);
            var activities = (await (await client.GetAsync($"{Api}/groups/web/activities")).AssertOkAsync()).GetProperty("activities").EnumerateArray().ToList();
            return activities.Any(a => a.GetProperty("cause").GetString()!.StartsWith("At ", StringComparison.Ordinal)
                && a.GetProperty("cause").GetString()!.Contains("a user request executed policy steps changing the desired capacity from 3 to 2.", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(90), "no activity names the step policy");
    }

    [Fact]
    public async Task Given_a_group_in_a_target_group_Then_it_registers_its_instances_heals_a_lost_registration_drains_before_terminating_and_replaces_ELB_unhealthy_ones()
    {
        const string Elb = "/api/v1/elb";
        await _fleet.AddHostAsync("us-east-1a", cpus: 8, memoryMiB: 8192);
        await _fleet.AddHostAsync("us-east-1b", cpus: 8, memoryMiB: 8192);
        var tenant = await _root.CreateAccountAsync("asg-elb");
        using var client = _app.SignedClient(tenant);
        var (vpcId, subnetA, subnetB) = await NetworkAsync(client, "10.1");
        var (otherVpc, _, _) = await NetworkAsync(client, "10.2");
        await TemplateAsync(client, "web");
        async Task<string> TargetGroup(HttpClient owner, string name, string vpc) => (await (await owner.PostJsonAsync($"{Elb}/target-groups", new
        {
            name, protocol = "HTTP", port = 80, vpc_id = vpc, deregistration_delay_seconds = 4,
        })).AssertOkAsync()).GetProperty("target_group_arn").GetString()!;
        var web = await TargetGroup(client, "web", vpcId);
        var elsewhere = await TargetGroup(client, "elsewhere", otherVpc);
        var neighbour = await _root.CreateAccountAsync("asg-elb-neighbour");
        using var neighbourClient = _app.SignedClient(neighbour);
        var (theirVpc, _, _) = await NetworkAsync(neighbourClient, "10.3");
        var theirs = await TargetGroup(neighbourClient, "theirs", theirVpc);

        object Group(params string[] arns) => new
        {
            auto_scaling_group_name = "web",
            launch_template = new { launch_template_name = "web" },
            min_size = 1,
            max_size = 3,
            desired_capacity = 2,
            vpc_zone_identifier = $"{subnetA},{subnetB}",
            health_check_type = "ELB",
            health_check_grace_period = 3600,
            default_cooldown = 0,
            target_group_arns = arns,
        };

        // Target groups of another VPC, of another account, or none at all: Auto Scaling's error, and no group.
        foreach (var bad in new[] { elsewhere, theirs, web.Replace("/web/", "/nope/", StringComparison.Ordinal) })
        {
            var message = (await (await client.PostJsonAsync($"{Api}/groups", Group(bad))).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError"))
                .GetProperty("message").GetString()!;
            Assert.Contains(bad, message, StringComparison.Ordinal);
        }

        await (await client.PostJsonAsync($"{Api}/groups", Group("not-an-arn"))).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        Assert.Empty((await (await client.GetAsync($"{Api}/groups")).AssertOkAsync()).GetProperty("auto_scaling_groups").EnumerateArray());

        // Created without target groups, then attached (bad attachments change nothing).
        var body = Group();
        await (await client.PostJsonAsync($"{Api}/groups", body)).AssertOkAsync();
        await (await client.PostJsonAsync($"{Api}/groups/web/target-groups", new { target_group_arns = new[] { web, theirs } })).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await client.PostJsonAsync($"{Api}/groups/web/target-groups", new { target_group_arns = Array.Empty<string>() })).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await neighbourClient.PostJsonAsync($"{Api}/groups/web/target-groups", new { target_group_arns = new[] { theirs } })).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        async Task<List<(string Arn, string State)>> Attached() => (await (await client.GetAsync($"{Api}/groups/web/target-groups")).AssertOkAsync())
            .GetProperty("load_balancer_target_groups").EnumerateArray()
            .Select(g => (g.GetProperty("load_balancer_target_group_arn").GetString()!, g.GetProperty("state").GetString()!)).ToList();
        Assert.Empty(await Attached());
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostJsonAsync($"{Api}/groups/web/target-groups", new { target_group_arns = new[] { web, web } })).StatusCode);
        Assert.Equal([web], (await (await client.GetAsync($"{Api}/groups/web")).AssertOkAsync()).GetProperty("target_group_arns").EnumerateArray().Select(a => a.GetString()));

        async Task<List<JsonElement>> Members() => (await (await client.GetAsync($"{Api}/groups/web")).AssertOkAsync()).GetProperty("instances").EnumerateArray().ToList();
        async Task<Dictionary<string, string>> Targets() => (await (await client.GetAsync($"{Elb}/target-health?target_group_arn={Uri.EscapeDataString(web)}")).AssertOkAsync())
            .GetProperty("target_health_descriptions").EnumerateArray()
            .ToDictionary(h => h.GetProperty("target").GetProperty("id").GetString()!, h => h.GetProperty("target_health").GetProperty("state").GetString()!);
        async Task<List<string>> RegisteredInService(int count)
        {
            List<string> ids = [];
            await Eventually.TrueAsync(async () =>
            {
                RunGroupJob(1);
                var members = await Members();
                ids = members.Where(m => m.GetProperty("lifecycle_state").GetString() == "InService").Select(m => m.GetProperty("instance_id").GetString()!).ToList();
                var targets = await Targets();
                return ids.Count == count && ids.All(i => targets.TryGetValue(i, out var state) && state != "draining");
            }, TimeSpan.FromSeconds(90), $"{count} instances of the group were never in service and registered");
            return ids;
        }

        // Passes racing from the start: two instances, each registered once (the registration is a set).
        RunGroupJob(4);
        var two = await RegisteredInService(2);
        Assert.Equal(two.Order(StringComparer.Ordinal), (await Targets()).Keys.Order(StringComparer.Ordinal));
        Assert.Equal([(web, "Added")], await Attached());

        // A crash between a launch and its registration leaves an instance in service that the target group lacks: the next pass registers it.
        await using (var sqlite = new SqliteConnection($"Data Source={_app.DatabasePath};Pooling=false"))
        {
            await sqlite.OpenAsync();
            await using var delete = sqlite.CreateCommand();
            delete.CommandText = "DELETE FROM network_registered_targets WHERE target_id = $id";
            delete.Parameters.AddWithValue("$id", two[0]);
            Assert.Equal(1, await delete.ExecuteNonQueryAsync());
        }

        Assert.False((await Targets()).ContainsKey(two[0]));
        await RegisteredInService(2);

        // Behind a balancer, its node reports the first instance unhealthy: within the grace period it stays (a third comes for a new desired capacity
        // meanwhile). Simulated servers have no switch to carry a node: a server of zone a with a tunnel address (too small for a guest) carries it, and
        // its reports are made here with the agent's own client, as its agent's HAProxy statistics would be.
        var join = await (await _root.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { availability_zone = "us-east-1a" })).AssertOkAsync();
        var balancerServer = new AgentApiClient(_app.CreateClient());
        var small = new HostCapacity(1, 64);
        var enrolled = await balancerServer.EnrolAsync(new EnrolRequest(join.GetProperty("join_token").GetString()!, "balancer-server", small), CancellationToken.None);
        balancerServer.UseCredential(new HostCredential(enrolled.HostId, enrolled.HostSecret, enrolled.AvailabilityZone, "http://localhost"));
        await balancerServer.ReportAsync(new HostReport(enrolled.HostId, 0, small, [], [], "192.0.2.1"), CancellationToken.None);
        var lbArn = (await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name = "front", scheme = "internal", subnets = new[] { subnetA, subnetB } })).AssertOkAsync())
            .GetProperty("load_balancer_arn").GetString()!;
        await (await client.PostJsonAsync($"{Elb}/listeners", new
        {
            load_balancer_arn = lbArn, protocol = "HTTP", port = 80, default_actions = new[] { new { type = "forward", target_group_arn = web } },
        })).AssertOkAsync();
        var nodeIds = (await (await client.GetAsync($"/api/v1/vpc/network-interfaces?vpc_id={vpcId}")).AssertOkAsync()).GetProperty("network_interfaces").EnumerateArray()
            .Where(n => n.GetProperty("description").GetString()!.StartsWith("ELB app/front/", StringComparison.Ordinal))
            .Select(n => n.GetProperty("network_interface_id").GetString()!).ToList();
        Assert.NotEmpty(nodeIds);
        var (sick, well) = (two[0], two[1]);
        async Task ReportAsync()
        {
            var reports = nodeIds.Select(node => new LoadBalancerNodeReport(lbArn, node, true,
                [new TargetHealthReport(web, sick, 80, "unhealthy", "Target.ResponseCodeMismatch"), new TargetHealthReport(web, well, 80, "healthy", null)])).ToList();
            await balancerServer.ReportAsync(new HostReport(enrolled.HostId, 0, small, [], [], "192.0.2.1", LoadBalancerNodes: reports), CancellationToken.None);
        }

        await ReportAsync();
        Assert.Equal(("unhealthy", "healthy"), ((await Targets())[sick], (await Targets())[well]));
        Assert.Equal([(web, "InService")], await Attached());
        await (await client.PostJsonAsync($"{Api}/groups/web/desired-capacity", new { desired_capacity = 3 })).AssertOkAsync();
        var three = await RegisteredInService(3);
        Assert.Contains(sick, three);
        Assert.Equal("Healthy", (await Members()).Single(m => m.GetProperty("instance_id").GetString() == sick).GetProperty("health_status").GetString());

        // Past the grace period it is unhealthy and replaced: deregistered, drained for the target group's delay, then terminated.
        var asked = DateTime.UtcNow;
        await (await client.PutJsonAsync($"{Api}/groups/web", new { health_check_grace_period = 0 })).AssertOkAsync();
        await AssertDrainedThenTerminatedAsync(sick, asked);
        var replaced = await RegisteredInService(3);
        Assert.DoesNotContain(sick, replaced);
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(1);
            return (await Members()).All(m => m.GetProperty("instance_id").GetString() != sick);
        }, TimeSpan.FromSeconds(90), "the terminated instance stayed in the group");
        var activities = (await (await client.GetAsync($"{Api}/groups/web/activities")).AssertOkAsync()).GetProperty("activities").EnumerateArray().ToList();
        var replacement = Assert.Single(activities, a => a.GetProperty("description").GetString() == $"Terminating EC2 instance: {sick}");
        Assert.Contains("in response to an ELB system health check failure", replacement.GetProperty("cause").GetString(), StringComparison.Ordinal);
        Assert.Equal("Successful", replacement.GetProperty("status_code").GetString());

        // Scale-in drains the instance it takes before terminating it too.
        asked = DateTime.UtcNow;
        await (await client.PostJsonAsync($"{Api}/groups/web/desired-capacity", new { desired_capacity = 2 })).AssertOkAsync();
        string? victim = null;
        var polls = 0;
        await Eventually.TrueAsync(async () =>
        {
            // Polled often so as not to miss the wait; the job is asked for about twice a second, not at every poll.
            if (polls++ % 5 == 0)
            {
                RunGroupJob(1);
            }

            victim = (await Members()).Where(m => m.GetProperty("lifecycle_state").GetString() == "Terminating:Wait").Select(m => m.GetProperty("instance_id").GetString()).FirstOrDefault();
            return victim is not null;
        }, TimeSpan.FromSeconds(90), "no instance went to Terminating:Wait at scale-in", TimeSpan.FromMilliseconds(100));
        await AssertDrainedThenTerminatedAsync(victim!, asked);

        // Detached: the group's instances drain out of the target group, and passes register nothing there any more.
        var remaining = await RegisteredInService(2);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostJsonAsync($"{Api}/groups/web/target-groups/detach", new { target_group_arns = new[] { web } })).StatusCode);
        Assert.Empty(await Attached());
        RunGroupJob(2);
        await Eventually.TrueAsync(async () => !(await Targets()).Keys.Intersect(remaining).Any(), TimeSpan.FromSeconds(90), "the detached target group kept the group's instances");
        Assert.Equal(remaining.Order(StringComparer.Ordinal), (await Members()).Where(m => m.GetProperty("lifecycle_state").GetString() == "InService")
            .Select(m => m.GetProperty("instance_id").GetString()!).Order(StringComparer.Ordinal));

        // The instance stays running, deregistered and draining (Terminating:Wait, the activity waiting for draining) until the target
        // group's 4 s delay has passed since the call that took it out of service, and only then is terminated.
        async Task AssertDrainedThenTerminatedAsync(string instanceId, DateTime askedAt)
        {
            var sawDraining = false;
            var polls = 0;
            await Eventually.TrueAsync(async () =>
            {
                if (polls++ % 5 == 0)
                {
                    RunGroupJob(1);
                }

                var state = await client.StateAsync(instanceId);
                if (state != "running")
                {
                    return state is "shutting-down" or "terminated";
                }

                var member = (await Members()).SingleOrDefault(m => m.GetProperty("instance_id").GetString() == instanceId);
                if (!sawDraining && member.ValueKind == JsonValueKind.Object && member.GetProperty("lifecycle_state").GetString() == "Terminating:Wait"
                    && (await Targets()).GetValueOrDefault(instanceId) == "draining")
                {
                    sawDraining = true;
                    var waiting = (await (await client.GetAsync($"{Api}/groups/web/activities")).AssertOkAsync()).GetProperty("activities").EnumerateArray()
                        .Single(a => a.GetProperty("description").GetString() == $"Terminating EC2 instance: {instanceId}");
                    Assert.Equal("WaitingForELBConnectionDraining", waiting.GetProperty("status_code").GetString());
                }

                return false;
            }, TimeSpan.FromSeconds(90), $"{instanceId} was never terminated", TimeSpan.FromMilliseconds(100));
            var after = DateTime.UtcNow - askedAt;
            Assert.True(sawDraining, $"{instanceId} was terminated without being seen draining first");
            Assert.True(after >= TimeSpan.FromSeconds(4), $"{instanceId} was terminated {after.TotalSeconds:F1} s after the call; the deregistration delay is 4 s");
            Assert.False((await Targets()).ContainsKey(instanceId));
        }
    }
}
