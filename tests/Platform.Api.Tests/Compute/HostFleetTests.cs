using System.Net;
using System.Text.Json;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Compute;

/// <summary>
/// The API with several real agents, each on its own simulated server in its own availability zone:
/// placement, capacity running out with its explanation, agent restart and agent loss.
/// </summary>
public sealed class HostFleetTests : IAsyncLifetime, IDisposable
{
    private readonly PlatformApp _app = new(settings: new Dictionary<string, string?>
    {
        ["Platform:AvailabilityZones:0"] = "us-east-1a",
        ["Platform:AvailabilityZones:1"] = "us-east-1b",
        ["Compute:HeartbeatTimeout"] = "00:00:03",
        ["Compute:Scheduler:CpuOvercommitRatio"] = "1",
        ["Compute:Scheduler:ReservedHostMemoryMiB"] = "512",
    });

    private HttpClient _operator = null!;
    private SimulatedFleet _fleet = null!;
    private string _imageId = null!;

    public async Task InitializeAsync()
    {
        _operator = _app.SignedClient(_app.RootCredentials);
        _fleet = new SimulatedFleet(_app, _operator);
        _imageId = await _operator.RegisterKernelImageAsync("fleet-image", [1, 2, 3], [4, 5, 6], isPublic: true);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _app.DisposeAsync();
    }

    public void Dispose() => _operator.Dispose();

    [Fact]
    public async Task Given_two_servers_in_two_zones_Then_instances_land_in_the_asked_zone_run_and_fill_up_with_an_explained_refusal()
    {
        var a = await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        var b = await _fleet.AddHostAsync("us-east-1b", cpus: 4, memoryMiB: 4096);
        var hosts = await _operator.HostsAsync();
        Assert.Equal(2, hosts.GetArrayLength());
        Assert.All(hosts.EnumerateArray(), h =>
        {
            Assert.Equal("available", h.GetProperty("status").GetString());
            Assert.Equal(4, h.GetProperty("cpus").GetInt32());
            Assert.Equal(4096, h.GetProperty("memory_mib").GetInt64());
        });

        // Each server holds two t3.micro (2 vCPUs each, overcommit 1).
        var inB = await _operator.LaunchAsync(new { instance_type = "t3.micro", image_id = _imageId, availability_zone = "us-east-1b" });
        Assert.Equal("pending", inB.GetProperty("status").GetString());
        var idB = inB.GetProperty("instance_id").GetString()!;
        Assert.Equal(b.HostId, inB.GetProperty("instance").GetProperty("host_id").GetString());
        var others = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            others.Add((await _operator.LaunchAsync(new { instance_type = "t3.micro", image_id = _imageId })).GetProperty("instance_id").GetString()!);
        }

        foreach (var id in others.Append(idB))
        {
            await _operator.WaitForStateAsync(id, "running");
        }

        Assert.Equal(2, a.DomainNames().Count);
        Assert.Equal(2, b.DomainNames().Count);
        var described = await _operator.InstanceAsync(idB);
        Assert.Equal("us-east-1b", described.GetProperty("availability_zone").GetString());
        Assert.Equal("ok", described.GetProperty("instance_status").GetString());
        Assert.Equal(_imageId, described.GetProperty("image_id").GetString());

        var refused = await (await _operator.PostJsonAsync("/api/v1/ec2/instances", new { instance_type = "t3.micro", image_id = _imageId }))
            .AssertErrorAsync(HttpStatusCode.InternalServerError, "InsufficientInstanceCapacity");
        var message = refused.GetProperty("message").GetString()!;
        Assert.Contains(a.HostId!, message);
        Assert.Contains(b.HostId!, message);
        Assert.Contains("vCPU", message);

        // Terminating frees the room: the host removes the domain and the next launch fits.
        await (await _operator.PostAsync($"/api/v1/ec2/instances/{idB}/terminate", null)).AssertOkAsync();
        await _operator.WaitForStateAsync(idB, "terminated");
        Assert.Single(b.DomainNames());
        var again = await _operator.LaunchAsync(new { instance_type = "t3.micro", image_id = _imageId });
        Assert.Equal(b.HostId, again.GetProperty("instance").GetProperty("host_id").GetString());
    }

    [Fact]
    public async Task Given_an_agent_killed_and_restarted_mid_launch_Then_each_instance_has_exactly_one_domain_and_the_host_is_not_enrolled_twice()
    {
        var host = await _fleet.AddHostAsync("us-east-1a", cpus: 8, memoryMiB: 8192);
        var credential = host.CredentialJson;
        var first = (await _operator.LaunchAsync(new { instance_type = "t3.nano", image_id = _imageId })).GetProperty("instance_id").GetString()!;
        await _operator.WaitForStateAsync(first, "running");

        await host.StopAgentAsync();
        // Launches while the agent is down wait for it; nothing is lost.
        var second = (await _operator.LaunchAsync(new { instance_type = "t3.nano", image_id = _imageId })).GetProperty("instance_id").GetString()!;
        Assert.Equal("pending", await _operator.StateAsync(second));
        host.Start();

        await _operator.WaitForStateAsync(second, "running");
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), host.DomainNames());
        Assert.Equal(credential, host.CredentialJson);
        Assert.Equal(1, (await _operator.HostsAsync()).GetArrayLength());
        Assert.Equal("running", await _operator.StateAsync(first));
    }

    [Fact]
    public async Task Given_an_agent_that_stops_answering_Then_its_host_turns_unreachable_its_instances_impaired_nothing_deleted_and_it_recovers()
    {
        var lost = await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        var id = (await _operator.LaunchAsync(new { instance_type = "t3.micro", image_id = _imageId })).GetProperty("instance_id").GetString()!;
        await _operator.WaitForStateAsync(id, "running");

        await lost.StopAgentAsync();
        await Eventually.TrueAsync(async () => (await _operator.HostsAsync())[0].GetProperty("status").GetString() == "unreachable",
            TimeSpan.FromSeconds(90), "the silent host did not turn unreachable");
        var impaired = await _operator.InstanceAsync(id);
        Assert.Equal("running", impaired.GetProperty("state").GetString());
        Assert.Equal("impaired", impaired.GetProperty("instance_status").GetString());
        Assert.Equal("impaired", impaired.GetProperty("system_status").GetString());
        Assert.Single(lost.DomainNames());

        // Nothing is placed on it meanwhile, and the refusal says why.
        var refused = await (await _operator.PostJsonAsync("/api/v1/ec2/instances", new { instance_type = "t3.micro", image_id = _imageId }))
            .AssertErrorAsync(HttpStatusCode.InternalServerError, "InsufficientInstanceCapacity");
        Assert.Contains("unreachable", refused.GetProperty("message").GetString());

        lost.Start();
        await Eventually.TrueAsync(async () => (await _operator.InstanceAsync(id)).GetProperty("instance_status").GetString() == "ok",
            TimeSpan.FromSeconds(90), "the instance did not recover with its host");
        Assert.Equal("running", await _operator.StateAsync(id));
    }

    [Fact]
    public async Task Given_a_join_token_Then_it_enrols_one_server_only_and_only_the_operator_may_make_tokens_or_see_hosts()
    {
        var token = await (await _operator.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { availability_zone = "us-east-1b" })).AssertOkAsync();
        using var agentHttp = _app.CreateClient();
        var enrol = new { join_token = token.GetProperty("join_token").GetString(), host_name = "server-9", capacity = new { cpus = 2, memory_mib = 2048 } };
        var enrolled = await (await agentHttp.PostJsonAsync("/api/v1/agent/enrol", enrol)).AssertOkAsync();
        Assert.Equal("us-east-1b", enrolled.GetProperty("availability_zone").GetString());
        await (await agentHttp.PostJsonAsync("/api/v1/agent/enrol", enrol)).AssertErrorAsync(HttpStatusCode.Forbidden, "InvalidJoinToken");
        await (await _operator.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { availability_zone = "mars-1a" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");

        // The agent API wants the host's credential, and a wrong one is refused.
        await (await agentHttp.GetAsync("/api/v1/agent/desired-state")).AssertErrorAsync(HttpStatusCode.Unauthorized, "MissingAuthenticationToken");
        agentHttp.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"PlatformHost {enrolled.GetProperty("host_id").GetString()}:wrong");
        await (await agentHttp.GetAsync("/api/v1/agent/desired-state")).AssertErrorAsync(HttpStatusCode.Unauthorized, "InvalidHostCredential");

        using var management = _app.SignedClient(_app.RootCredentials);
        var tenant = _app.SignedClient(await management.CreateAccountAsync("fleet-tenant"));
        await (await tenant.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { })).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        await (await tenant.GetAsync("/api/v1/ec2/hosts")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
    }

    [Fact]
    public async Task Given_an_enrolment_asked_again_with_the_same_token_and_secret_Then_it_answers_the_same_host_and_any_other_secret_is_refused()
    {
        var token = (await (await _operator.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { availability_zone = "us-east-1a" })).AssertOkAsync())
            .GetProperty("join_token").GetString();
        using var agentHttp = _app.CreateClient();
        var secret = new string('s', 43);
        var enrol = new { join_token = token, host_name = "server-7", capacity = new { cpus = 2, memory_mib = 2048 }, host_secret = secret };
        var first = await (await agentHttp.PostJsonAsync("/api/v1/agent/enrol", enrol)).AssertOkAsync();
        var again = await (await agentHttp.PostJsonAsync("/api/v1/agent/enrol", enrol)).AssertOkAsync();
        Assert.Equal(first.GetProperty("host_id").GetString(), again.GetProperty("host_id").GetString());
        Assert.Equal(secret, again.GetProperty("host_secret").GetString());

        await (await agentHttp.PostJsonAsync("/api/v1/agent/enrol", enrol with { host_secret = new string('x', 43) }))
            .AssertErrorAsync(HttpStatusCode.Forbidden, "InvalidJoinToken");
        await (await agentHttp.PostJsonAsync("/api/v1/agent/enrol", enrol with { host_secret = "short" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        Assert.Equal(1, (await _operator.HostsAsync()).GetArrayLength());

        // The secret the agent chose is its credential.
        agentHttp.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"PlatformHost {first.GetProperty("host_id").GetString()}:{secret}");
        Assert.Equal(HttpStatusCode.NoContent, (await agentHttp.GetAsync("/api/v1/agent/desired-state?after=0")).StatusCode);
    }

    [Fact]
    public async Task Given_an_agent_that_died_after_the_API_enrolled_it_but_before_it_saved_its_credential_Then_its_restart_gets_the_same_host()
    {
        var token = (await (await _operator.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { availability_zone = "us-east-1a" })).AssertOkAsync())
            .GetProperty("join_token").GetString()!;
        var directory = Directory.CreateTempSubdirectory("platform-simhost-").FullName;
        // What the agent did before it died: made and saved its secret, then asked, and the API enrolled it;
        // the answer never reached the disk.
        var secret = Platform.HostAgent.Agent.HostCredential.EnrolmentSecret(directory);
        using var lostAnswer = _app.CreateClient();
        var enrolled = await (await lostAnswer.PostJsonAsync("/api/v1/agent/enrol",
            new { join_token = token, host_name = "crashed", capacity = new { cpus = 4, memory_mib = 4096 }, host_secret = secret })).AssertOkAsync();
        Assert.False(File.Exists(Path.Combine(directory, Platform.HostAgent.Agent.HostCredential.FileName)));

        await using var host = new SimulatedHost(_app, directory, Platform.HostAgent.Libvirt.LibvirtConnection.Open("test:///default"), token);
        host.Start();
        await Eventually.TrueAsync(() => Task.FromResult(host.HostId is not null), TimeSpan.FromSeconds(90), "the restarted agent did not enrol");
        Assert.Equal(enrolled.GetProperty("host_id").GetString(), host.HostId);
        Assert.False(File.Exists(Path.Combine(directory, Platform.HostAgent.Agent.HostCredential.EnrolmentSecretFileName)));
        Assert.Contains(secret, host.CredentialJson, StringComparison.Ordinal);
        Assert.Equal(1, (await _operator.HostsAsync()).GetArrayLength());
        // Its first heartbeat carries the simulated server's own memory, not what the lost request said.
        await Eventually.TrueAsync(async () => (await _operator.HostsAsync())[0].GetProperty("memory_mib").GetInt64() != 4096, TimeSpan.FromSeconds(90),
            "the enrolled host never reported");
    }

    [Fact]
    public async Task Given_the_instance_lifecycle_Then_stop_start_reboot_and_terminate_follow_EC2s_state_machine()
    {
        var host = await _fleet.AddHostAsync("us-east-1a", cpus: 8, memoryMiB: 8192);
        var id = (await _operator.LaunchAsync(new { instance_type = "t3.small", image_id = _imageId, tags = new[] { new { key = "Name", value = "web" } } }))
            .GetProperty("instance_id").GetString()!;
        await _operator.WaitForStateAsync(id, "running");
        await (await _operator.PostAsync($"/api/v1/ec2/instances/{id}/start", null)).AssertOkAsync();

        var stop = await (await _operator.PostAsync($"/api/v1/ec2/instances/{id}/stop", null)).AssertOkAsync();
        Assert.Equal("running", stop.GetProperty("previous_state").GetString());
        Assert.Equal("stopping", stop.GetProperty("current_state").GetString());
        await _operator.WaitForStateAsync(id, "stopped");
        using (var domain = host.Libvirt.FindDomain(id)!)
        {
            Assert.False(domain.IsActive);
        }

        await (await _operator.PostAsync($"/api/v1/ec2/instances/{id}/reboot", null)).AssertErrorAsync(HttpStatusCode.BadRequest, "IncorrectInstanceState");
        var start = await (await _operator.PostAsync($"/api/v1/ec2/instances/{id}/start", null)).AssertOkAsync();
        Assert.Equal("pending", start.GetProperty("current_state").GetString());
        await _operator.WaitForStateAsync(id, "running");
        await (await _operator.PostAsync($"/api/v1/ec2/instances/{id}/reboot", null)).AssertOkAsync();
        Assert.Equal("running", await _operator.StateAsync(id));

        var tagged = await (await _operator.GetAsync("/api/v1/ec2/instances?tag=Name=web")).AssertOkAsync();
        Assert.Equal(id, Assert.Single(tagged.GetProperty("instances").EnumerateArray()).GetProperty("instance_id").GetString());

        await (await _operator.DeleteAsync($"/api/v1/ec2/instances/{id}")).AssertOkAsync();
        await _operator.WaitForStateAsync(id, "terminated");
        Assert.Empty(host.DomainNames());
        await (await _operator.PostAsync($"/api/v1/ec2/instances/{id}/start", null)).AssertErrorAsync(HttpStatusCode.BadRequest, "IncorrectInstanceState");
        var again = await (await _operator.PostAsync($"/api/v1/ec2/instances/{id}/terminate", null)).AssertOkAsync();
        Assert.Equal("terminated", again.GetProperty("current_state").GetString());
    }

    [Fact]
    public async Task Given_a_client_token_Then_retries_and_racing_retries_get_the_first_launch_and_other_parameters_are_refused()
    {
        await _fleet.AddHostAsync("us-east-1a", cpus: 16, memoryMiB: 16384);
        var request = new { instance_type = "t3.nano", image_id = _imageId, client_token = "launch-42" };
        var racing = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            using var client = _app.SignedClient(_app.RootCredentials);
            return (await client.LaunchAsync(request)).GetProperty("instance_id").GetString();
        }));
        Assert.Single(racing.Distinct());
        var retried = await _operator.LaunchAsync(request);
        Assert.Equal(racing[0], retried.GetProperty("instance_id").GetString());

        await (await _operator.PostJsonAsync("/api/v1/ec2/instances", request with { instance_type = "t3.micro" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "IdempotentParameterMismatch");
        var all = await (await _operator.GetAsync("/api/v1/ec2/instances")).AssertOkAsync();
        Assert.Single(all.GetProperty("instances").EnumerateArray());
    }

    [Fact]
    public async Task Given_bad_launch_requests_Then_each_gets_EC2s_error_and_nothing_is_made()
    {
        await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        async Task Refused(object body, string code) =>
            await (await _operator.PostJsonAsync("/api/v1/ec2/instances", body)).AssertErrorAsync(HttpStatusCode.BadRequest, code);

        await Refused(new { instance_type = "t9.huge", image_id = _imageId }, "InvalidParameterValue");
        await Refused(new { instance_type = "t3.micro", image_id = "not-an-ami" }, "InvalidAMIID.Malformed");
        await Refused(new { instance_type = "t3.micro", image_id = "ami-0123456789abcdef0" }, "InvalidAMIID.NotFound");
        await Refused(new { instance_type = "t3.micro", image_id = _imageId, key_name = "nobody" }, "InvalidKeyPair.NotFound");
        await Refused(new { instance_type = "t3.micro" }, "MissingParameter");
        await Refused(new { instance_type = "t3.micro", image_id = _imageId, availability_zone = "mars-1a" }, "InvalidParameterValue");
        await Refused(new { instance_type = "t3.micro", image_id = _imageId, tags = new[] { new { key = "aws:x", value = "y" } } }, "InvalidParameterValue");
        await Refused(new { instance_type = "t3.micro", image_id = _imageId, user_data = "not base64!" }, "InvalidParameterValue");
        // EC2's limit: 16 KiB before base64.
        await Refused(new { instance_type = "t3.micro", image_id = _imageId, user_data = Convert.ToBase64String(new byte[16 * 1024 + 1]) }, "InvalidParameterValue");
        await (await _operator.GetAsync("/api/v1/ec2/instances/i-0123456789abcdef0")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidInstanceID.NotFound");
        await (await _operator.GetAsync("/api/v1/ec2/instances/nope")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidInstanceID.Malformed");

        var all = await (await _operator.GetAsync("/api/v1/ec2/instances")).AssertOkAsync();
        Assert.Empty(all.GetProperty("instances").EnumerateArray());
    }

    [Fact]
    public async Task Given_two_tenants_Then_neither_sees_nor_touches_the_others_instances_images_or_keys()
    {
        await _fleet.AddHostAsync("us-east-1a", cpus: 8, memoryMiB: 8192);
        using var management = _app.SignedClient(_app.RootCredentials);
        var alice = _app.SignedClient(await management.CreateAccountAsync("alice-co"));
        var bob = _app.SignedClient(await management.CreateAccountAsync("bob-co"));
        var privateImage = await alice.RegisterKernelImageAsync("alice-image", [1], [2]);
        await (await alice.PostJsonAsync("/api/v1/ec2/key-pairs", new { key_name = "alice-key", public_key_material = TestKeys.Ed25519 })).AssertOkAsync();
        var id = (await alice.LaunchAsync(new { instance_type = "t3.nano", image_id = _imageId, key_name = "alice-key" })).GetProperty("instance_id").GetString()!;

        var bobs = await (await bob.GetAsync("/api/v1/ec2/instances")).AssertOkAsync();
        Assert.Empty(bobs.GetProperty("instances").EnumerateArray());
        await (await bob.GetAsync($"/api/v1/ec2/instances/{id}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidInstanceID.NotFound");
        await (await bob.PostAsync($"/api/v1/ec2/instances/{id}/terminate", null)).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidInstanceID.NotFound");
        await (await bob.PostJsonAsync("/api/v1/ec2/instances", new { instance_type = "t3.nano", image_id = privateImage }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidAMIID.NotFound");
        await (await bob.PostJsonAsync("/api/v1/ec2/instances", new { instance_type = "t3.nano", image_id = _imageId, key_name = "alice-key" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidKeyPair.NotFound");
        var bobImages = await (await bob.GetAsync("/api/v1/ec2/images")).AssertOkAsync();
        Assert.Equal([_imageId], bobImages.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("image_id").GetString()));
        // Only the operator publishes images.
        await (await bob.PostJsonAsync("/api/v1/ec2/images", new { name = "public-by-bob", format = "kernel", @public = true }))
            .AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
        Assert.Equal("alice-key", (await alice.InstanceAsync(id)).GetProperty("key_name").GetString());
    }

    [Fact]
    public async Task Given_metadata_options_at_launch_and_modified_Then_describe_and_the_servers_desired_state_carry_them_and_bad_values_or_another_tenant_change_nothing()
    {
        var host = await _fleet.AddHostAsync("us-east-1b", cpus: 8, memoryMiB: 8192);
        var vpcId = (await (await _operator.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = "10.9.0.0/16" })).AssertOkAsync()).GetProperty("vpc_id").GetString()!;
        var subnetId = (await (await _operator.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpcId, cidr_block = "10.9.1.0/24", availability_zone = "us-east-1b" }))
            .AssertOkAsync()).GetProperty("subnet_id").GetString()!;
        int Count(JsonElement list) => list.GetProperty("instances").GetArrayLength();
        var before = Count(await (await _operator.GetAsync("/api/v1/ec2/instances")).AssertOkAsync());
        foreach (var bad in new object[] { new { http_tokens = "maybe" }, new { http_put_response_hop_limit = 65 }, new { http_put_response_hop_limit = 0 }, new { http_endpoint = "off" } })
        {
            var error = await (await _operator.PostJsonAsync("/api/v1/ec2/instances", new { instance_type = "t3.nano", image_id = _imageId, subnet_id = subnetId, metadata_options = bad }))
                .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
            Assert.False(string.IsNullOrEmpty(error.GetProperty("request_id").GetString()));
        }

        Assert.Equal(before, Count(await (await _operator.GetAsync("/api/v1/ec2/instances")).AssertOkAsync()));

        var launched = (await _operator.LaunchAsync(new
        {
            instance_type = "t3.nano", image_id = _imageId, subnet_id = subnetId, metadata_options = new { http_tokens = "required", http_put_response_hop_limit = 2 },
        })).GetProperty("instance");
        var id = launched.GetProperty("instance_id").GetString()!;
        static (string?, string?, int, string?) Options(JsonElement instance)
        {
            var options = instance.GetProperty("metadata_options");
            return (options.GetProperty("state").GetString(), options.GetProperty("http_tokens").GetString(), options.GetProperty("http_put_response_hop_limit").GetInt32(),
                options.GetProperty("http_endpoint").GetString());
        }

        Assert.Equal(("applied", "required", 2, "enabled"), Options(launched));
        Assert.Equal(("applied", "required", 2, "enabled"), Options(await _operator.InstanceAsync(id)));

        using var agent = _app.CreateClient();
        var credential = JsonDocument.Parse(host.CredentialJson).RootElement;
        agent.DefaultRequestHeaders.TryAddWithoutValidation("Authorization",
            $"PlatformHost {credential.GetProperty("host_id").GetString()}:{credential.GetProperty("host_secret").GetString()}");
        async Task<(string?, int, string?)> Desired()
        {
            var metadata = (await (await agent.GetAsync("/api/v1/agent/desired-state")).AssertOkAsync())
                .GetProperty("instances").EnumerateArray().Single(i => i.GetProperty("instance_id").GetString() == id).GetProperty("metadata");
            return (metadata.GetProperty("http_tokens").GetString(), metadata.GetProperty("http_put_response_hop_limit").GetInt32(), metadata.GetProperty("http_endpoint").GetString());
        }

        async Task<long> Version() => (await _operator.HostsAsync()).EnumerateArray().Single(h => h.GetProperty("host_id").GetString() == host.HostId)
            .GetProperty("desired_version").GetInt64();
        Assert.Equal(("required", 2, "enabled"), await Desired());

        // Another tenant cannot see or change it; bad values are refused; neither changes anything.
        using var management = _app.SignedClient(_app.RootCredentials);
        using var bob = _app.SignedClient(await management.CreateAccountAsync("bob-imds"));
        var version = await Version();
        await (await bob.PostJsonAsync($"/api/v1/ec2/instances/{id}/metadata-options", new { http_endpoint = "disabled" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidInstanceID.NotFound");
        await (await _operator.PostJsonAsync($"/api/v1/ec2/instances/{id}/metadata-options", new { http_endpoint = "disabled", http_put_response_hop_limit = 99 }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        Assert.Equal(("applied", "required", 2, "enabled"), Options(await _operator.InstanceAsync(id)));
        // What the server is told is unchanged. (Its desired version may still rise meanwhile: the launch's own
        // notifications reach the server's desired state through the outbox, on their own time.)
        Assert.Equal(("required", 2, "enabled"), await Desired());

        // The owner's change: what is named changes, the rest stays; the server's desired version rises and carries it.
        var modified = await (await _operator.PostJsonAsync($"/api/v1/ec2/instances/{id}/metadata-options", new { http_tokens = "optional", http_endpoint = "disabled" }))
            .AssertOkAsync();
        Assert.Equal(id, modified.GetProperty("instance_id").GetString());
        Assert.Equal("disabled", modified.GetProperty("instance_metadata_options").GetProperty("http_endpoint").GetString());
        Assert.Equal(("applied", "optional", 2, "disabled"), Options(await _operator.InstanceAsync(id)));
        Assert.True(await Version() > version);
        Assert.Equal(("optional", 2, "disabled"), await Desired());

        // The same values again change nothing, so the server is not woken for them.
        version = await Version();
        await (await _operator.PostJsonAsync($"/api/v1/ec2/instances/{id}/metadata-options", new { http_endpoint = "disabled" })).AssertOkAsync();
        Assert.Equal(version, await Version());
    }

    [Fact]
    public async Task Given_a_VPC_Then_launches_get_an_address_from_their_subnet_their_server_gets_the_firewall_and_termination_frees_the_address()
    {
        var host = await _fleet.AddHostAsync("us-east-1b", cpus: 8, memoryMiB: 8192);
        await _fleet.AddHostAsync("us-east-1a", cpus: 8, memoryMiB: 8192);
        var vpc = await (await _operator.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = "10.7.0.0/16" })).AssertOkAsync();
        var vpcId = vpc.GetProperty("vpc_id").GetString()!;
        var subnet = await (await _operator.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpcId, cidr_block = "10.7.1.0/24", availability_zone = "us-east-1b" })).AssertOkAsync();
        var subnetId = subnet.GetProperty("subnet_id").GetString()!;
        var group = await (await _operator.PostJsonAsync("/api/v1/vpc/security-groups", new { group_name = "web", description = "web", vpc_id = vpcId })).AssertOkAsync();
        var groupId = group.GetProperty("group_id").GetString()!;

        var launched = (await _operator.LaunchAsync(new { instance_type = "t3.nano", image_id = _imageId, subnet_id = subnetId, security_groups = new[] { "web" } }))
            .GetProperty("instance");
        var id = launched.GetProperty("instance_id").GetString()!;
        Assert.Equal(host.HostId, launched.GetProperty("host_id").GetString());  // the subnet's zone decides the server
        Assert.StartsWith("10.7.1.", launched.GetProperty("private_ip_address").GetString());
        Assert.Equal(vpcId, launched.GetProperty("vpc_id").GetString());
        Assert.Equal([groupId], launched.GetProperty("security_groups").EnumerateArray().Select(g => g.GetString()));

        // The server's desired state carries the NIC, its firewall and the guest's addressing.
        using var agent = _app.CreateClient();
        var credential = JsonDocument.Parse(host.CredentialJson).RootElement;
        agent.DefaultRequestHeaders.TryAddWithoutValidation("Authorization",
            $"PlatformHost {credential.GetProperty("host_id").GetString()}:{credential.GetProperty("host_secret").GetString()}");
        async Task<JsonElement> Desired() => (await (await agent.GetAsync("/api/v1/agent/desired-state")).AssertOkAsync())
            .GetProperty("instances").EnumerateArray().Single(i => i.GetProperty("instance_id").GetString() == id);
        var nic = (await Desired()).GetProperty("interfaces")[0];
        Assert.Equal(launched.GetProperty("mac_address").GetString(), nic.GetProperty("mac_address").GetString());
        Assert.Empty(nic.GetProperty("ingress").EnumerateArray());
        Assert.Equal(launched.GetProperty("private_ip_address").GetString(), nic.GetProperty("private_ip_address").GetString());
        Assert.Equal(24, nic.GetProperty("prefix_length").GetInt32());
        Assert.Equal("10.7.1.1", nic.GetProperty("gateway").GetString());
        // ... and what the metadata service tells the guest, with EC2's defaults (IMDSv1 and v2, hop limit 1, endpoint on).
        var metadata = (await Desired()).GetProperty("metadata");
        Assert.Equal(("us-east-1", "us-east-1b", "t3.nano", _imageId), (metadata.GetProperty("region").GetString(), metadata.GetProperty("availability_zone").GetString(),
            metadata.GetProperty("instance_type").GetString(), metadata.GetProperty("image_id").GetString()));
        Assert.Equal("ip-" + launched.GetProperty("private_ip_address").GetString()!.Replace('.', '-') + ".ec2.internal", metadata.GetProperty("local_hostname").GetString());
        Assert.Matches("^[0-9]{12}$", metadata.GetProperty("account_id").GetString());
        Assert.Equal(("optional", 1, "enabled"), (metadata.GetProperty("http_tokens").GetString(), metadata.GetProperty("http_put_response_hop_limit").GetInt32(),
            metadata.GetProperty("http_endpoint").GetString()));

        // A rule change reaches the server's desired state (through Network's outbox notification).
        var before = (await _operator.HostsAsync()).EnumerateArray().Single(h => h.GetProperty("host_id").GetString() == host.HostId).GetProperty("desired_version").GetInt64();
        await (await _operator.PostJsonAsync($"/api/v1/vpc/security-groups/{groupId}/ingress-rules",
            new { rules = new[] { new { ip_protocol = "icmp", from_port = -1, to_port = -1, cidr_ip = "10.7.0.0/16" } } })).AssertOkAsync();
        await Eventually.TrueAsync(async () => (await Desired()).GetProperty("interfaces")[0].GetProperty("ingress").GetArrayLength() == 1,
            TimeSpan.FromSeconds(90), "the new rule never reached the server's desired state");
        // ... and raises the server's version, which wakes its agent's long poll.
        await Eventually.TrueAsync(async () => (await _operator.HostsAsync()).EnumerateArray()
                .Single(h => h.GetProperty("host_id").GetString() == host.HostId).GetProperty("desired_version").GetInt64() > before,
            TimeSpan.FromSeconds(90), "the rule change did not raise the server's desired-state version");

        // A launch into a missing subnet changes nothing; termination gives the address back.
        await (await _operator.PostJsonAsync("/api/v1/ec2/instances", new { instance_type = "t3.nano", image_id = _imageId, subnet_id = "subnet-0123456789abcdef0" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSubnetID.NotFound");
        await (await _operator.PostAsync($"/api/v1/ec2/instances/{id}/terminate", null)).AssertOkAsync();
        await _operator.WaitForStateAsync(id, "terminated");
        await Eventually.TrueAsync(async () => (await (await _operator.GetAsync($"/api/v1/vpc/network-interfaces?subnet_id={subnetId}")).AssertOkAsync())
                .GetProperty("network_interfaces").GetArrayLength() == 0,
            TimeSpan.FromSeconds(90), "the terminated instance's interface was not released");
        var instances = await (await _operator.GetAsync("/api/v1/ec2/instances")).AssertOkAsync();
        Assert.Single(instances.GetProperty("instances").EnumerateArray());
    }
}

internal static class TestKeys
{
    public const string Ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGfsm0yhCUXVVtaVxsHEpN/OAI0X4Vq7kS4UOyMoZL4P test@platform";
}
