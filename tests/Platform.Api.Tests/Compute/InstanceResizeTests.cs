using System.Net;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Compute;

/// <summary>
/// EC2's change of an instance's type (ModifyInstanceAttribute instanceType) with a real agent on a simulated server: only
/// while stopped, an unknown type refused, the server's room judged at the next start, the guest redefined with the new size.
/// </summary>
public sealed class InstanceResizeTests : IAsyncLifetime, IDisposable
{
    private readonly PlatformApp _app = new(settings: new Dictionary<string, string?>
    {
        ["Platform:AvailabilityZones:0"] = "us-east-1a",
        ["Compute:Scheduler:CpuOvercommitRatio"] = "1",
        ["Compute:Scheduler:ReservedHostMemoryMiB"] = "512",
    });

    private HttpClient _ec2 = null!;
    private SimulatedFleet _fleet = null!;
    private string _imageId = null!;

    public async Task InitializeAsync()
    {
        _ec2 = _app.SignedClient(_app.RootCredentials);
        _fleet = new SimulatedFleet(_app, _ec2);
        _imageId = await _ec2.RegisterKernelImageAsync("resize-image", [1, 2, 3], [4, 5, 6]);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _app.DisposeAsync();
    }

    public void Dispose() => _ec2.Dispose();

    [Fact]
    public async Task Given_a_stopped_instance_When_its_type_changes_Then_its_next_start_checks_the_room_and_boots_the_guest_with_the_new_size()
    {
        // Room for 4 vCPUs and 3584 MiB (overcommit 1, 512 MiB kept for the server): two t3.micro (2 vCPUs, 1024 MiB each) fill its CPUs.
        var host = await _fleet.AddHostAsync("us-east-1a", cpus: 4, memoryMiB: 4096);
        var id = (await _ec2.LaunchAsync(new { instance_type = "t3.micro", image_id = _imageId })).GetProperty("instance_id").GetString()!;
        var neighbour = (await _ec2.LaunchAsync(new { instance_type = "t3.micro", image_id = _imageId })).GetProperty("instance_id").GetString()!;
        await _ec2.WaitForStateAsync(id, "running");
        await _ec2.WaitForStateAsync(neighbour, "running");

        // Running: EC2's IncorrectInstanceState; an unknown type is refused whatever the state. Neither changes anything.
        var running = await (await _ec2.PostJsonAsync($"/api/v1/ec2/instances/{id}/attributes", new { instance_type = "t2.small" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "IncorrectInstanceState");
        Assert.Equal($"The instance '{id}' is not in the 'stopped' state.", running.GetProperty("message").GetString());
        await (await _ec2.PostJsonAsync($"/api/v1/ec2/instances/{id}/attributes", new { instance_type = "x9.huge" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidInstanceAttributeValue");
        Assert.Equal("t3.micro", (await _ec2.InstanceAsync(id)).GetProperty("instance_type").GetString());

        await (await _ec2.PostAsync($"/api/v1/ec2/instances/{id}/stop", null)).AssertOkAsync();
        await _ec2.WaitForStateAsync(id, "stopped");
        await (await _ec2.PostJsonAsync($"/api/v1/ec2/instances/{id}/attributes", new { instance_type = "x9.huge" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidInstanceAttributeValue");

        // Too big for the server beside its neighbour: the change is taken (as EC2 takes it), the start is refused and it stays stopped.
        var large = await (await _ec2.PostJsonAsync($"/api/v1/ec2/instances/{id}/attributes", new { instance_type = "t3.large" })).AssertOkAsync();
        Assert.Equal("t3.large", large.GetProperty("instance_type").GetString());
        var refused = await (await _ec2.PostAsync($"/api/v1/ec2/instances/{id}/start", null))
            .AssertErrorAsync(HttpStatusCode.InternalServerError, "InsufficientInstanceCapacity");
        Assert.Contains("short of memory", refused.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("stopped", await _ec2.StateAsync(id));

        // t2.small (1 vCPU, 2048 MiB) fits: read back, and the stopped guest's definition takes its size before any start.
        await (await _ec2.PostJsonAsync($"/api/v1/ec2/instances/{id}/attributes", new { instance_type = "t2.small" })).AssertOkAsync();
        Assert.Equal("t2.small", (await (await _ec2.GetAsync($"/api/v1/ec2/instances/{id}/attributes")).AssertOkAsync()).GetProperty("instance_type").GetString());
        Assert.Equal("t2.small", (await _ec2.InstanceAsync(id)).GetProperty("instance_type").GetString());
        await Eventually.TrueAsync(() => Task.FromResult(Size(host, id) == (1, 2048)), TimeSpan.FromSeconds(90), "the stopped guest was not redefined");
        Assert.Equal("stopped", await _ec2.StateAsync(id));

        await (await _ec2.PostAsync($"/api/v1/ec2/instances/{id}/start", null)).AssertOkAsync();
        await _ec2.WaitForStateAsync(id, "running");
        Assert.Equal((1, 2048), Size(host, id));
        Assert.Equal((2, 1024), Size(host, neighbour));
        Assert.Equal(2, host.DomainNames().Count);
    }

    private static (int VirtualCpus, long MemoryMiB) Size(SimulatedHost host, string instanceId)
    {
        using var domain = host.Libvirt.FindDomain(instanceId)!;
        var info = domain.GetInfo();
        return (info.VirtualCpus, (long)info.MaxMemoryKiB / 1024);
    }
}
