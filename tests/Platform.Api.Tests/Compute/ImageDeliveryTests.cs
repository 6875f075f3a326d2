using System.Net;
using Platform.Api.Tests.TestEngine;
using Platform.Tests.Common;

namespace Platform.Api.Tests.Compute;

/// <summary>Images on their way to servers: what the API accepts as a qcow2 disk.</summary>
public sealed class ImageDeliveryTests : IAsyncLifetime, IDisposable
{
    private readonly PlatformApp _app = new();
    private readonly string _files = Directory.CreateTempSubdirectory("platform-images-").FullName;
    private HttpClient _operator = null!;

    public Task InitializeAsync()
    {
        _operator = _app.SignedClient(_app.RootCredentials, "ec2");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
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

    private async Task<string> RegisterDiskAsync(string name) =>
        (await (await _operator.PostJsonAsync("/api/v1/ec2/images", new { name, format = "qcow2" })).AssertOkAsync()).GetProperty("image_id").GetString()!;
}
