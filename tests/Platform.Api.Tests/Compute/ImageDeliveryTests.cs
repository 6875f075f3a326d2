using System.Net;
using System.Text.Json;
using Platform.Api.Tests.TestEngine;
using Platform.Tests.Common;

namespace Platform.Api.Tests.Compute;

/// <summary>
/// Images on their way to servers: what the API accepts as a qcow2 disk, and real agents on simulated servers that
/// fetch images beside their main loop, check every byte against the SHA-256 the API recorded, and fail the instances
/// of an image they cannot have, as EC2 does a launch it cannot carry out (terminated, with a state reason).
/// </summary>
public sealed class ImageDeliveryTests : IAsyncLifetime, IDisposable
{
    private readonly PlatformApp _app = new(settings: new Dictionary<string, string?>
    {
        ["Platform:AvailabilityZones:0"] = "us-east-1a",
        ["Compute:HeartbeatTimeout"] = "00:00:03",
    });

    private readonly string _files = Directory.CreateTempSubdirectory("platform-images-").FullName;
    private HttpClient _operator = null!;
    private SimulatedFleet _fleet = null!;
    private string _imageId = null!;

    public async Task InitializeAsync()
    {
        _operator = _app.SignedClient(_app.RootCredentials);
        _fleet = new SimulatedFleet(_app, _operator);
        _imageId = await _operator.RegisterKernelImageAsync("delivered-image", [1, 2, 3], [4, 5, 6]);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _app.DisposeAsync();
        Directory.Delete(_files, recursive: true);
    }

    public void Dispose() => _operator.Dispose();

    [Fact]
    public async Task Given_qcow2_disks_that_point_at_other_files_Then_the_upload_is_refused_and_a_standalone_one_is_taken()
    {
        var backed = QemuImg.WithBackingFile(Path.Combine(_files, "backed.qcow2"), "/etc/shadow");
        var external = QemuImg.WithDataFile(Path.Combine(_files, "external.qcow2"), Path.Combine(_files, "external.data"));
        foreach (var (name, file, says) in new[] { ("backed-disk", backed, "backing file ('/etc/shadow')"), ("external-disk", external, "external data file") })
        {
            var id = await RegisterDiskAsync(name);
            var refused = await (await _operator.PutAsync($"/api/v1/ec2/images/{id}/disk", new ByteArrayContent(await File.ReadAllBytesAsync(file))))
                .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
            Assert.Contains(says, refused.GetProperty("message").GetString(), StringComparison.Ordinal);
            var image = (await (await _operator.GetAsync($"/api/v1/ec2/images?image_id={id}")).AssertOkAsync()).GetProperty("images")[0];
            Assert.Equal("pending", image.GetProperty("state").GetString());
            Assert.False(File.Exists(Path.Combine(_app.DataDirectory, "compute", "images", id, "disk")));
        }

        var standalone = await RegisterDiskAsync("standalone-disk");
        var taken = await (await _operator.PutAsync($"/api/v1/ec2/images/{standalone}/disk",
            new ByteArrayContent(await File.ReadAllBytesAsync(QemuImg.Standalone(Path.Combine(_files, "standalone.qcow2")))))).AssertOkAsync();
        Assert.Equal("available", taken.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Given_an_image_the_API_cannot_serve_Then_its_instance_is_terminated_with_a_reason_while_the_host_goes_on()
    {
        var host = await _fleet.AddHostAsync("us-east-1a", cpus: 8, memoryMiB: 8192);
        var running = await LaunchAsync(_imageId);
        await _operator.WaitForStateAsync(running, "running");

        var lost = await _operator.RegisterKernelImageAsync("lost-image", [7, 8, 9], [10, 11, 12]);
        Directory.Delete(Path.Combine(_app.DataDirectory, "compute", "images", lost), recursive: true);
        var doomed = await LaunchAsync(lost);
        await _operator.WaitForStateAsync(doomed, "terminated");
        var reason = (await _operator.InstanceAsync(doomed)).GetProperty("state_reason").GetString()!;
        Assert.StartsWith("Server.InternalError: ", reason, StringComparison.Ordinal);
        Assert.Contains(lost, reason, StringComparison.Ordinal);
        Assert.Contains("InvalidAMIID.NotFound", reason, StringComparison.Ordinal);
        Assert.Equal([running], host.DomainNames());

        // The host was never held up: its other instance still follows orders.
        await (await _operator.PostAsync($"/api/v1/ec2/instances/{running}/stop", null)).AssertOkAsync();
        await _operator.WaitForStateAsync(running, "stopped");
        Assert.Equal("available", (await _operator.HostsAsync())[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Given_image_bytes_that_do_not_match_their_SHA256_Then_the_agent_uses_none_of_them_and_the_instance_fails()
    {
        var host = await _fleet.AddHostAsync("us-east-1a", cpus: 8, memoryMiB: 8192);
        var tampered = await _operator.RegisterKernelImageAsync("tampered-image", [1, 1, 1, 1], [2, 2, 2, 2]);
        // Same length, other bytes: what a disk fault or someone with access to the API's files would leave.
        await File.WriteAllBytesAsync(Path.Combine(_app.DataDirectory, "compute", "images", tampered, "initrd"), [2, 2, 2, 3]);
        var id = await LaunchAsync(tampered);

        await _operator.WaitForStateAsync(id, "terminated");
        var reason = (await _operator.InstanceAsync(id)).GetProperty("state_reason").GetString()!;
        Assert.StartsWith("Server.InternalError: ", reason, StringComparison.Ordinal);
        Assert.Contains("do not match the SHA-256", reason, StringComparison.Ordinal);
        Assert.Empty(host.DomainNames());
        Assert.False(File.Exists(Path.Combine(host.StateDirectory, "images", $"{tampered}-initrd.complete")));
    }

    [Fact]
    public async Task Given_a_deregistered_image_Then_its_name_can_be_registered_again_but_not_a_registered_ones()
    {
        // EC2 frees an AMI's name when it is deregistered; ./platform.sh up replaces its images by name that way.
        var first = await _operator.RegisterKernelImageAsync("replaced-image", [7], [8]);
        var taken = await (await _operator.PostJsonAsync("/api/v1/ec2/images", new { name = "replaced-image", format = "kernel" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidAMIName.Duplicate");
        Assert.Contains(first, taken.GetProperty("message").GetString(), StringComparison.Ordinal);

        await (await _operator.DeleteAsync($"/api/v1/ec2/images/{first}")).AssertOkAsync();
        var second = await _operator.RegisterKernelImageAsync("replaced-image", [7, 7], [8, 8]);
        Assert.NotEqual(first, second);
        await (await _operator.PostJsonAsync("/api/v1/ec2/images", new { name = "replaced-image", format = "kernel" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidAMIName.Duplicate");
    }

    [Fact]
    public async Task Given_a_slow_image_Then_heartbeats_and_other_instances_go_on_while_it_downloads_and_its_instance_runs_once_it_is_here()
    {
        var slow = await _operator.RegisterKernelImageAsync("slow-image", [5, 5, 5], [6, 6, 6]);
        var link = new HeldImageDownloads(slow);
        var host = await _fleet.AddHostAsync("us-east-1a", cpus: 8, memoryMiB: 8192, link.Handler);
        var first = await LaunchAsync(_imageId);
        await _operator.WaitForStateAsync(first, "running");

        var waiting = await LaunchAsync(slow);
        var abandoned = await LaunchAsync(slow);
        await Eventually.TrueAsync(() => Task.FromResult(link.Started > 0), TimeSpan.FromSeconds(90), "the slow image's download never began");

        // While the download hangs: another instance stops and terminates, one waiting for the image is terminated...
        await (await _operator.PostAsync($"/api/v1/ec2/instances/{first}/stop", null)).AssertOkAsync();
        await _operator.WaitForStateAsync(first, "stopped", TimeSpan.FromSeconds(90));
        await (await _operator.PostAsync($"/api/v1/ec2/instances/{first}/terminate", null)).AssertOkAsync();
        await (await _operator.PostAsync($"/api/v1/ec2/instances/{abandoned}/terminate", null)).AssertOkAsync();
        await _operator.WaitForStateAsync(first, "terminated", TimeSpan.FromSeconds(90));
        await _operator.WaitForStateAsync(abandoned, "terminated", TimeSpan.FromSeconds(90));

        // ...and past twice the heartbeat timeout the host is still available, its heartbeats going on, its other launch
        // pending without a domain.
        var heartbeatBefore = (await _operator.HostsAsync())[0].GetProperty("last_heartbeat_at").GetDateTime().ToUniversalTime();
        await Task.Delay(TimeSpan.FromSeconds(6));
        var described = (await _operator.HostsAsync())[0];
        Assert.Equal("available", described.GetProperty("status").GetString());
        Assert.True(described.GetProperty("last_heartbeat_at").GetDateTime().ToUniversalTime() > heartbeatBefore, "no heartbeat while the download hung");
        var pending = await _operator.InstanceAsync(waiting);
        Assert.Equal("pending", pending.GetProperty("state").GetString());
        Assert.Equal("initializing", pending.GetProperty("instance_status").GetString());
        Assert.Empty(host.DomainNames());

        link.Release();
        await _operator.WaitForStateAsync(waiting, "running");
        Assert.Equal([waiting], host.DomainNames());
    }

    [Fact]
    public async Task Given_a_server_that_runs_no_instance_of_an_image_Then_its_credential_cannot_fetch_that_image()
    {
        var first = await _fleet.AddHostAsync("us-east-1a", cpus: 1, memoryMiB: 1024);
        var id = await LaunchAsync(_imageId);
        await _operator.WaitForStateAsync(id, "running");
        var second = await _fleet.AddHostAsync("us-east-1a", cpus: 1, memoryMiB: 1024);

        // The first server runs the instance, so it fetched the image; the second runs nothing and gets nothing of it.
        using var agentClient = _app.CreateClient();
        var running = await FetchImagePartAsync(agentClient, first, _imageId);
        Assert.Equal(HttpStatusCode.OK, running.StatusCode);
        Assert.Equal([4, 5, 6], await running.Content.ReadAsByteArrayAsync());
        var idle = await FetchImagePartAsync(agentClient, second, _imageId);
        await idle.AssertErrorAsync(HttpStatusCode.NotFound, "InvalidAMIID.NotFound");

        // Once the instance is gone, its server's credential no longer opens the image either.
        await (await _operator.PostAsync($"/api/v1/ec2/instances/{id}/terminate", null)).AssertOkAsync();
        await _operator.WaitForStateAsync(id, "terminated");
        await (await FetchImagePartAsync(agentClient, first, _imageId)).AssertErrorAsync(HttpStatusCode.NotFound, "InvalidAMIID.NotFound");
    }

    private static async Task<HttpResponseMessage> FetchImagePartAsync(HttpClient client, SimulatedHost host, string imageId)
    {
        using var credential = JsonDocument.Parse(host.CredentialJson);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/agent/images/{imageId}/initrd");
        request.Headers.TryAddWithoutValidation("Authorization",
            $"PlatformHost {credential.RootElement.GetProperty("host_id").GetString()}:{credential.RootElement.GetProperty("host_secret").GetString()}");
        return await client.SendAsync(request);
    }

    private async Task<string> RegisterDiskAsync(string name) =>
        (await (await _operator.PostJsonAsync("/api/v1/ec2/images", new { name, format = "qcow2" })).AssertOkAsync()).GetProperty("image_id").GetString()!;

    private async Task<string> LaunchAsync(string imageId) =>
        (await _operator.LaunchAsync(new { instance_type = "t3.nano", image_id = imageId })).GetProperty("instance_id").GetString()!;
}
