using System.Net;
using System.Text.Json;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;

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
            }, TimeSpan.FromSeconds(60), $"the group never had {count} instances in service");
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

        // Scale-in to 1 keeps the protected instance, whatever its age.
        var keep = replaced[^1].GetProperty("instance_id").GetString()!;
        await (await client.PostJsonAsync($"{Api}/groups/web/instance-protection", new { instance_ids = new[] { keep }, protected_from_scale_in = true })).AssertOkAsync();
        await (await client.PostJsonAsync($"{Api}/groups/web/desired-capacity", new { desired_capacity = 1 })).AssertOkAsync();
        var last = Assert.Single(await InService(1));
        Assert.Equal(keep, last.GetProperty("instance_id").GetString());
        Assert.True(last.GetProperty("protected_from_scale_in").GetBoolean());

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
        }, TimeSpan.FromSeconds(60), "the group was never deleted");
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
        var activities = (await (await client.GetAsync($"{Api}/groups/web/activities")).AssertOkAsync()).GetProperty("activities").EnumerateArray().ToList();
        Assert.Contains(activities, a => a.GetProperty("cause").GetString()!.Contains("-AlarmHigh-", StringComparison.Ordinal)
            && a.GetProperty("cause").GetString()!.Contains("triggered policy cpu changing the desired capacity from", StringComparison.Ordinal));

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
        }, TimeSpan.FromSeconds(60), "three instances never were in service");
        await (await client.PostJsonAsync($"{Api}/groups/web/policies/steps/execute", new { })).AssertErrorAsync(HttpStatusCode.BadRequest, "ValidationError");
        await (await client.PostJsonAsync($"{Api}/groups/web/policies/steps/execute", new { metric_value = 30, breach_threshold = 50 })).AssertOkAsync();
        Assert.Equal(2, await Desired());
        await WaitForDesired(2);
        activities = (await (await client.GetAsync($"{Api}/groups/web/activities")).AssertOkAsync()).GetProperty("activities").EnumerateArray().ToList();
        await Eventually.TrueAsync(async () =>
        {
            RunGroupJob(1);
            activities = (await (await client.GetAsync($"{Api}/groups/web/activities")).AssertOkAsync()).GetProperty("activities").EnumerateArray().ToList();
            return activities.Any(a => a.GetProperty("cause").GetString()!.StartsWith("At ", StringComparison.Ordinal)
                && a.GetProperty("cause").GetString()!.Contains("a user request executed policy steps changing the desired capacity from 3 to 2.", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(60), "no activity names the step policy");
    }
}
