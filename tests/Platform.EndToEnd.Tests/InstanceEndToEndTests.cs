using Platform.Api.Tests.Compute;
using Platform.Api.Tests.TestEngine;
using Xunit.Abstractions;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The whole path with nothing simulated: the API process, a HostAgent process enrolled with a join token
/// on qemu:///system, the test image uploaded through the API, and a real QEMU guest whose serial console
/// shows the instance's marker and SSH key; then stop, start, an API crash mid-launch, and termination.
/// </summary>
public sealed class InstanceEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Given_the_API_and_a_real_agent_When_an_instance_is_launched_Then_a_QEMU_guest_boots_and_follows_stop_start_and_terminate()
    {
        await using var cloud = await RealCloud.StartAsync();
        output.WriteLine($"cloud up: {cloud.StartTimeline}");
        var root = cloud.Root;
        await (await root.PostJsonAsync("/api/v1/ec2/key-pairs", new { key_name = "e2e", public_key_material = TestKeys.Ed25519 })).AssertOkAsync();
        // Its user data reports, at every boot, what the guest sees of its machine: its CPUs and MemTotal.
        var shape = "#!/bin/sh\necho \"shape $(grep -c ^processor /proc/cpuinfo) $(sed -n 's/^MemTotal: *\\([0-9]*\\) kB/\\1/p' /proc/meminfo)\"\n";
        var launch = await root.LaunchAsync(new
        {
            instance_type = "t3.nano", image_id = cloud.ImageId, key_name = "e2e", user_data = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(shape)),
        });
        Assert.Equal("pending", launch.GetProperty("status").GetString());
        var id = launch.GetProperty("instance_id").GetString()!;
        cloud.Remember(id);

        await root.WaitForStateAsync(id, "running", TimeSpan.FromSeconds(90));
        await cloud.ConsoleShowsAsync(id, $"PLATFORM-GUEST-READY {id}");
        await cloud.ConsoleShowsAsync(id, $"PLATFORM-GUEST-SSH-KEY {TestKeys.Ed25519[..80]}");
        // The same console through the API (EC2's GetConsoleOutput), as the server's agent reported it.
        await Eventually.TrueAsync(async () =>
        {
            var output = (await (await root.GetAsync($"/api/v1/ec2/instances/{id}/console-output")).AssertOkAsync()).GetProperty("output");
            return output.ValueKind == System.Text.Json.JsonValueKind.String
                && System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(output.GetString()!)).Contains($"PLATFORM-GUEST-READY {id}", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(90), "GetConsoleOutput never showed the marker");

        await cloud.ConsoleShowsAsync(id, "PLATFORM-USER-DATA shape 2 ", TimeSpan.FromSeconds(120));

        var stop = await (await root.PostAsync($"/api/v1/ec2/instances/{id}/stop", null)).AssertOkAsync();
        Assert.Equal("stopping", stop.GetProperty("current_state").GetString());
        await root.WaitForStateAsync(id, "stopped", TimeSpan.FromSeconds(120));
        using (var domain = cloud.Libvirt.FindDomain(id)!)
        {
            Assert.False(domain.IsActive);
        }

        // While stopped, a new type (t2.micro: 1 vCPU and 1024 MiB, where t3.nano has 2 and 512): the next boot is the new size,
        // inside the guest too.
        await (await root.PostJsonAsync($"/api/v1/ec2/instances/{id}/attributes", new { instance_type = "t2.micro" })).AssertOkAsync();

        // The stopped guest's console is set aside, so what appears next is the new boot's.
        File.Move(cloud.ConsoleOf(id), cloud.ConsoleOf(id) + ".first-boot");
        await (await root.PostAsync($"/api/v1/ec2/instances/{id}/start", null)).AssertOkAsync();
        await root.WaitForStateAsync(id, "running", TimeSpan.FromSeconds(90));
        await cloud.ConsoleShowsAsync(id, $"PLATFORM-GUEST-READY {id}");
        await cloud.ConsoleShowsAsync(id, "PLATFORM-USER-DATA shape 1 ", TimeSpan.FromSeconds(120));
        // What the kernel keeps for itself leaves MemTotal below the machine's size: above t3.nano's 512 MiB now, below it before.
        Assert.InRange(MemTotalKiB(cloud.ConsoleOf(id), 1), 600 * 1024, 1024 * 1024);
        Assert.InRange(MemTotalKiB(cloud.ConsoleOf(id) + ".first-boot", 2), 256 * 1024, 512 * 1024);
        using (var domain = cloud.Libvirt.FindDomain(id)!)
        {
            Assert.Equal((1, 1024UL * 1024), (domain.GetInfo().VirtualCpus, domain.GetInfo().MaxMemoryKiB));
        }

        // The API crashes right after accepting a launch: after its restart the launch completes, with one domain.
        var second = await cloud.LaunchAsync(new { instance_type = "t3.nano", image_id = cloud.ImageId, client_token = "e2e-crash" });
        await cloud.RestartApiAsync();
        Assert.Equal(second, (await root.LaunchAsync(new { instance_type = "t3.nano", image_id = cloud.ImageId, client_token = "e2e-crash" }))
            .GetProperty("instance_id").GetString());
        await root.WaitForStateAsync(second, "running", TimeSpan.FromSeconds(90));
        await cloud.ConsoleShowsAsync(second, $"PLATFORM-GUEST-READY {second}");
        Assert.Equal(1, cloud.Libvirt.ListDomains().Count(d => { using (d) { return d.Name == second; } }));

        foreach (var instance in new[] { id, second })
        {
            var terminate = await (await root.PostAsync($"/api/v1/ec2/instances/{instance}/terminate", null)).AssertOkAsync();
            Assert.Equal("shutting-down", terminate.GetProperty("current_state").GetString());
        }

        foreach (var instance in new[] { id, second })
        {
            await root.WaitForStateAsync(instance, "terminated", TimeSpan.FromSeconds(120));
            Assert.Null(cloud.Libvirt.FindDomain(instance));
        }
    }

    [Fact]
    public async Task Given_the_real_agent_killed_mid_download_and_between_define_and_start_Then_each_instance_ends_with_one_domain_in_its_state_and_no_stray_domains()
    {
        await using var cloud = await RealCloud.StartAsync(networking: false, slowLink: true);
        output.WriteLine($"cloud up: {cloud.StartTimeline}");
        var root = cloud.Root;
        var first = await cloud.LaunchAsync(new { instance_type = "t3.nano", image_id = cloud.ImageId });
        await root.WaitForStateAsync(first, "running", TimeSpan.FromSeconds(90));

        // A second copy of the test image: the server has to fetch it, over a link slowed to 2 MB/s (the kernel is 60+ MB).
        var slowImage = await root.RegisterKernelImageAsync("platform-test-image-copy", await File.ReadAllBytesAsync(cloud.Image.Kernel),
            await File.ReadAllBytesAsync(cloud.Image.Initrd), commandLine: "console=ttyS0 quiet no_timer_check cryptomgr.notests");
        cloud.Link!.BytesPerSecond = 2_000_000;
        var downloading = await cloud.LaunchAsync(new { instance_type = "t3.nano", image_id = slowImage });
        var kernelVolume = Path.Combine(cloud.AgentState, "pool", $"{slowImage}-kernel");
        var kernelMarker = Path.Combine(cloud.AgentState, "images", $"{slowImage}-kernel.complete");
        await Eventually.TrueAsync(() => Task.FromResult(File.Exists(kernelVolume) && new FileInfo(kernelVolume).Length > 0),
            TimeSpan.FromSeconds(90), $"the slow image's download never began; agent log:\n{cloud.Agent.Output}");

        // The download does not hold the server up: the first instance stops meanwhile.
        await (await root.PostAsync($"/api/v1/ec2/instances/{first}/stop", null)).AssertOkAsync();
        await root.WaitForStateAsync(first, "stopped", TimeSpan.FromSeconds(90));
        Assert.Equal("pending", await root.StateAsync(downloading));

        // SIGKILL mid-download: a part of the kernel is in the pool, without its completion marker.
        Assert.False(File.Exists(kernelMarker), "the download finished before the agent could be killed in the middle of it");
        await cloud.KillAgentAsync();
        cloud.Link.BytesPerSecond = 0;
        await cloud.StartAgentAsync();
        await root.WaitForStateAsync(downloading, "running", TimeSpan.FromSeconds(120));
        await cloud.ConsoleShowsAsync(downloading, $"PLATFORM-GUEST-READY {downloading}");
        Assert.True(File.Exists(kernelMarker));

        // SIGKILL the moment the next launch's domain is defined (before, or as, it is started).
        var defined = await cloud.LaunchAsync(new { instance_type = "t3.nano", image_id = cloud.ImageId });
        var wasRunning = false;
        await Eventually.TrueAsync(() =>
        {
            using var domain = cloud.Libvirt.FindDomain(defined);
            if (domain is null)
            {
                return Task.FromResult(false);
            }

            wasRunning = domain.IsActive;
            return Task.FromResult(true);
        }, TimeSpan.FromSeconds(120), $"the launch's domain was never defined; agent log:\n{cloud.Agent.Output}", every: TimeSpan.FromMilliseconds(2));
        await cloud.KillAgentAsync();
        output.WriteLine(wasRunning ? "killed as the domain started" : "killed between define and start");
        await cloud.StartAgentAsync();
        await root.WaitForStateAsync(defined, "running", TimeSpan.FromSeconds(90));
        await cloud.ConsoleShowsAsync(defined, $"PLATFORM-GUEST-READY {defined}");

        // Exactly the instances the API knows on this server, each once and in its state: nothing stray, nothing doubled.
        var owned = await cloud.OwnedDomainsAsync();
        Assert.Equal(new SortedDictionary<string, bool>(StringComparer.Ordinal) { [first] = false, [downloading] = true, [defined] = true }, owned);
        var pool = Directory.GetFiles(Path.Combine(cloud.AgentState, "pool")).Select(Path.GetFileName).Where(n => n!.StartsWith(slowImage, StringComparison.Ordinal));
        Assert.Equal([$"{slowImage}-initrd", $"{slowImage}-kernel"], pool.Order(StringComparer.Ordinal));

        foreach (var instance in new[] { first, downloading, defined })
        {
            await (await root.PostAsync($"/api/v1/ec2/instances/{instance}/terminate", null)).AssertOkAsync();
        }

        foreach (var instance in new[] { first, downloading, defined })
        {
            await root.WaitForStateAsync(instance, "terminated", TimeSpan.FromSeconds(120));
        }

        Assert.Empty(await cloud.OwnedDomainsAsync());
    }

    [Fact]
    public async Task Given_a_guest_that_powers_itself_off_Then_the_instance_stops_as_on_EC2_and_stays_stopped_until_started()
    {
        await using var cloud = await RealCloud.StartAsync(networking: false);
        output.WriteLine($"cloud up: {cloud.StartTimeline}");
        var root = cloud.Root;
        // Its user data runs at every boot: the guest says so on its console and powers itself off.
        var userData = Convert.ToBase64String("#!/bin/sh\nsleep 1\necho PLATFORM-E2E-POWEROFF >/dev/console\npoweroff -f\n"u8.ToArray());
        var id = await cloud.LaunchAsync(new { instance_type = "t3.nano", image_id = cloud.ImageId, user_data = userData });
        await cloud.ConsoleShowsAsync(id, "PLATFORM-E2E-POWEROFF", TimeSpan.FromSeconds(90));
        await root.WaitForStateAsync(id, "stopped", TimeSpan.FromSeconds(120));
        Assert.Equal("Client.InstanceInitiatedShutdown: Instance initiated shutdown", (await root.InstanceAsync(id)).GetProperty("state_reason").GetString());

        // Not started again behind the user's back: after several of the agent's rounds it is still off, booted once.
        await Task.Delay(TimeSpan.FromSeconds(4));
        using (var domain = cloud.Libvirt.FindDomain(id)!)
        {
            Assert.False(domain.IsActive);
        }

        Assert.Equal(1, Boots(cloud.ConsoleText(id, 0), id));
        Assert.Equal("stopped", (await root.InstanceAsync(id)).GetProperty("state").GetString());

        // A start boots it again (and its user data stops it again). Each boot's console starts afresh: the first is set aside.
        File.Move(cloud.ConsoleOf(id), cloud.ConsoleOf(id) + ".first-boot");
        await (await root.PostAsync($"/api/v1/ec2/instances/{id}/start", null)).AssertOkAsync();
        await cloud.ConsoleShowsAsync(id, $"PLATFORM-GUEST-READY {id}", TimeSpan.FromSeconds(90));
        await cloud.ConsoleShowsAsync(id, "PLATFORM-E2E-POWEROFF", TimeSpan.FromSeconds(90));
        await root.WaitForStateAsync(id, "stopped", TimeSpan.FromSeconds(90));

        await (await root.PostAsync($"/api/v1/ec2/instances/{id}/terminate", null)).AssertOkAsync();
        await root.WaitForStateAsync(id, "terminated", TimeSpan.FromSeconds(120));
        Assert.Empty(await cloud.OwnedDomainsAsync());
    }

    private static int Boots(string console, string id) =>
        console.Split($"PLATFORM-GUEST-READY {id}").Length - 1;

    /// <summary>The guest's MemTotal as its user data printed it on a console, with <paramref name="cpus"/> CPUs.</summary>
    private static long MemTotalKiB(string console, int cpus) => long.Parse(
        System.Text.RegularExpressions.Regex.Match(File.ReadAllText(console), $@"PLATFORM-USER-DATA shape {cpus} (\d+)").Groups[1].Value,
        System.Globalization.CultureInfo.InvariantCulture);
}
