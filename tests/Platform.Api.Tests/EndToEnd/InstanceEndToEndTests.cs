using System.Globalization;
using Platform.Api.Tests.Compute;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Libvirt;
using Platform.Tests.Common;

namespace Platform.Api.Tests.EndToEnd;

/// <summary>
/// The whole path with nothing simulated: the API process, a HostAgent process enrolled with a join token
/// on qemu:///system, the test image uploaded through the API, and a real QEMU guest whose serial console
/// shows the instance's marker and SSH key; then stop, start, an API crash mid-launch, and termination.
/// </summary>
public sealed class InstanceEndToEndTests
{
    [Fact]
    public async Task Given_the_API_and_a_real_agent_When_an_instance_is_launched_Then_a_QEMU_guest_boots_and_follows_stop_start_and_terminate()
    {
        var work = Directory.CreateTempSubdirectory("platform-e2e-").FullName;
        var image = TestImage.Build(Path.Combine(work, "image"));
        var port = ApiProcess.FreePort();
        var pool = $"platform-e2e-{Guid.NewGuid():N}"[..24];
        var agentState = Path.Combine(work, "agent");
        var api = await ApiProcess.StartAsync(Path.Combine(work, "api"), port);
        AgentProcess? agent = null;
        using var libvirt = LibvirtConnection.Open("qemu:///system");
        var launched = new List<string>();
        try
        {
            using var root = new HttpClient(new SdkSigningHandler(api.RootCredentials(), "ec2") { InnerHandler = new HttpClientHandler() })
            {
                BaseAddress = api.BaseAddress,
            };
            var token = await (await root.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { })).AssertOkAsync();
            agent = AgentProcess.Start(new Dictionary<string, string>
            {
                ["Agent__ApiUrl"] = api.BaseAddress.ToString(),
                ["Agent__JoinToken"] = token.GetProperty("join_token").GetString()!,
                ["Agent__StateDirectory"] = agentState,
                ["Agent__LibvirtUri"] = "qemu:///system",
                ["Agent__StoragePool"] = pool,
                ["Agent__HostName"] = "e2e-server",
                // /dev/kvm exists on the lab machines but KVM guests hang there (LAB-NOTES): software emulation.
                ["Agent__DomainType"] = "qemu",
                ["Agent__HeartbeatInterval"] = "00:00:01",
                // busybox ignores ACPI power-off: a stop powers the guest off after this deadline.
                ["Agent__StopDeadline"] = "00:00:03",
            });
            await Eventually.TrueAsync(async () => (await root.HostsAsync()).GetArrayLength() == 1, TimeSpan.FromSeconds(60),
                $"the agent did not enrol; its log:\n{agent.Output}");

            var imageId = await root.RegisterKernelImageAsync("platform-test-image", await File.ReadAllBytesAsync(image.Kernel),
                await File.ReadAllBytesAsync(image.Initrd), isPublic: true, commandLine: "console=ttyS0 quiet");
            await (await root.PostJsonAsync("/api/v1/ec2/key-pairs", new { key_name = "e2e", public_key_material = TestKeys.Ed25519 })).AssertOkAsync();
            var launch = await root.LaunchAsync(new { instance_type = "t3.nano", image_id = imageId, key_name = "e2e" });
            Assert.Equal("pending", launch.GetProperty("status").GetString());
            var id = launch.GetProperty("instance_id").GetString()!;
            launched.Add(id);

            await root.WaitForStateAsync(id, "running", TimeSpan.FromSeconds(90));
            var console = Path.Combine(agentState, "console", $"{id}.log");
            await ConsoleShowsAsync(console, $"PLATFORM-GUEST-READY {id}", agent);
            await ConsoleShowsAsync(console, $"PLATFORM-GUEST-SSH-KEY {TestKeys.Ed25519[..80]}", agent);

            var stop = await (await root.PostAsync($"/api/v1/ec2/instances/{id}/stop", null)).AssertOkAsync();
            Assert.Equal("stopping", stop.GetProperty("current_state").GetString());
            await root.WaitForStateAsync(id, "stopped", TimeSpan.FromSeconds(60));
            using (var domain = libvirt.FindDomain(id)!)
            {
                Assert.False(domain.IsActive);
            }

            // The stopped guest's console is set aside, so what appears next is the new boot's.
            File.Move(console, console + ".first-boot");
            await (await root.PostAsync($"/api/v1/ec2/instances/{id}/start", null)).AssertOkAsync();
            await root.WaitForStateAsync(id, "running", TimeSpan.FromSeconds(90));
            await ConsoleShowsAsync(console, $"PLATFORM-GUEST-READY {id}", agent);

            // The API crashes right after accepting a launch: after its restart the launch completes, with one domain.
            var second = (await root.LaunchAsync(new { instance_type = "t3.nano", image_id = imageId, client_token = "e2e-crash" }))
                .GetProperty("instance_id").GetString()!;
            launched.Add(second);
            await api.KillAsync();
            await api.DisposeAsync();
            api = await ApiProcess.StartAsync(Path.Combine(work, "api"), port);
            Assert.Equal(second, (await root.LaunchAsync(new { instance_type = "t3.nano", image_id = imageId, client_token = "e2e-crash" }))
                .GetProperty("instance_id").GetString());
            await root.WaitForStateAsync(second, "running", TimeSpan.FromSeconds(90));
            await ConsoleShowsAsync(Path.Combine(agentState, "console", $"{second}.log"), $"PLATFORM-GUEST-READY {second}", agent);
            Assert.Equal(1, libvirt.ListDomains().Count(d => { using (d) { return d.Name == second; } }));

            foreach (var instance in launched)
            {
                var terminate = await (await root.PostAsync($"/api/v1/ec2/instances/{instance}/terminate", null)).AssertOkAsync();
                Assert.Equal("shutting-down", terminate.GetProperty("current_state").GetString());
            }

            foreach (var instance in launched)
            {
                await root.WaitForStateAsync(instance, "terminated", TimeSpan.FromSeconds(60));
                Assert.Null(libvirt.FindDomain(instance));
            }
        }
        finally
        {
            if (agent is not null)
            {
                await agent.DisposeAsync();
            }

            await api.DisposeAsync();
            Cleanup(libvirt, pool, Path.Combine(agentState, "pool"), launched);
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task ConsoleShowsAsync(string console, string text, AgentProcess agent) =>
        await Eventually.TrueAsync(() => Task.FromResult(File.Exists(console) && File.ReadAllText(console).Contains(text, StringComparison.Ordinal)),
            TimeSpan.FromSeconds(90), $"the console never showed '{text}'; console:\n{(File.Exists(console) ? File.ReadAllText(console) : "(none: " + string.Join(", ", Directory.GetFiles(Path.GetDirectoryName(console)!)) + ")")}\nagent log:\n{agent.Output}");

    /// <summary>Leaves the host as it was, even when an assertion failed half-way.</summary>
    private static void Cleanup(LibvirtConnection libvirt, string poolName, string poolPath, IEnumerable<string> instances)
    {
        foreach (var id in instances)
        {
            using var domain = libvirt.FindDomain(id);
            if (domain is not null)
            {
                if (domain.IsActive)
                {
                    domain.Destroy();
                }

                domain.Undefine();
            }
        }

        using var pool = libvirt.FindStoragePool(poolName);
        if (pool is null)
        {
            return;
        }

        pool.Refresh();
        foreach (var name in Directory.Exists(poolPath) ? Directory.GetFiles(poolPath).Select(Path.GetFileName) : [])
        {
            using var volume = pool.FindVolume(name!);
            volume?.Delete();
        }

        pool.Stop();
        pool.Undefine();
    }
}
