using Platform.Api.Tests.Compute;
using Platform.Api.Tests.TestEngine;

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
        await using var cloud = await RealCloud.StartAsync();
        var root = cloud.Root;
        await (await root.PostJsonAsync("/api/v1/ec2/key-pairs", new { key_name = "e2e", public_key_material = TestKeys.Ed25519 })).AssertOkAsync();
        var launch = await root.LaunchAsync(new { instance_type = "t3.nano", image_id = cloud.ImageId, key_name = "e2e" });
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
        }, TimeSpan.FromSeconds(30), "GetConsoleOutput never showed the marker");

        var stop = await (await root.PostAsync($"/api/v1/ec2/instances/{id}/stop", null)).AssertOkAsync();
        Assert.Equal("stopping", stop.GetProperty("current_state").GetString());
        await root.WaitForStateAsync(id, "stopped", TimeSpan.FromSeconds(60));
        using (var domain = cloud.Libvirt.FindDomain(id)!)
        {
            Assert.False(domain.IsActive);
        }

        // The stopped guest's console is set aside, so what appears next is the new boot's.
        File.Move(cloud.ConsoleOf(id), cloud.ConsoleOf(id) + ".first-boot");
        await (await root.PostAsync($"/api/v1/ec2/instances/{id}/start", null)).AssertOkAsync();
        await root.WaitForStateAsync(id, "running", TimeSpan.FromSeconds(90));
        await cloud.ConsoleShowsAsync(id, $"PLATFORM-GUEST-READY {id}");

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
            await root.WaitForStateAsync(instance, "terminated", TimeSpan.FromSeconds(60));
            Assert.Null(cloud.Libvirt.FindDomain(instance));
        }
    }
}
