using Platform.Modules.Compute.Images;
using Platform.Modules.Shared.Errors;
using Platform.Tests.Common;

namespace Platform.Modules.Compute.Tests.Images;

/// <summary>The upload check on real qcow2 files made by qemu-img: only images that stand alone are accepted.</summary>
public sealed class Qcow2HeaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("qcow2-header-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    [Fact]
    public void Given_a_standalone_qcow2_image_Then_it_is_accepted_with_its_virtual_size()
    {
        Assert.Equal(64L << 20, Qcow2Header.EnsureStandalone(QemuImg.Standalone(PathOf("v3.qcow2"))));
        // qcow2 version 2 (compat 0.10) too, as older tools write it.
        QemuImg.Run("create", "-q", "-f", "qcow2", "-o", "compat=0.10", PathOf("v2.qcow2"), "1G");
        Assert.Equal(1L << 30, Qcow2Header.EnsureStandalone(PathOf("v2.qcow2")));
    }

    [Fact]
    public void Given_a_qcow2_image_with_a_backing_file_Then_it_is_refused_naming_the_file()
    {
        var refused = Assert.Throws<ApiException>(() => Qcow2Header.EnsureStandalone(QemuImg.WithBackingFile(PathOf("backed.qcow2"), "/etc/shadow")));
        Assert.Equal(400, refused.StatusCode);
        Assert.Equal("InvalidParameterValue", refused.Code);
        Assert.Contains("backing file ('/etc/shadow')", refused.Message, StringComparison.Ordinal);
        Assert.Contains("qemu-img convert", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_a_qcow2_image_with_an_external_data_file_Then_it_is_refused()
    {
        foreach (var raw in new[] { false, true })
        {
            var image = QemuImg.WithDataFile(PathOf($"external-{raw}.qcow2"), PathOf($"data-{raw}.raw"), raw);
            var refused = Assert.Throws<ApiException>(() => Qcow2Header.EnsureStandalone(image));
            Assert.Equal("InvalidParameterValue", refused.Code);
            Assert.Contains("external data file", refused.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Given_the_external_data_file_extension_without_its_feature_bit_Then_it_is_refused_all_the_same()
    {
        // A crafted header: the extension naming a host file stays, the incompatible feature bit is cleared.
        // (qemu-img creates the data file, so it is made here; a tenant's would name another tenant's disk on the server.)
        var target = PathOf("i-0000000000000000a-root");
        var image = File.ReadAllBytes(QemuImg.WithDataFile(PathOf("crafted.qcow2"), target));
        image[79] &= unchecked((byte)~0x04);
        var refused = Assert.Throws<ApiException>(() => Qcow2Header.EnsureStandalone(image, image.Length));
        Assert.Contains($"external data file ('{target}')", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_something_that_is_not_a_whole_qcow2_header_Then_it_is_refused()
    {
        File.WriteAllBytes(PathOf("raw.img"), new byte[4096]);
        Assert.Contains("not a qcow2 image", Assert.Throws<ApiException>(() => Qcow2Header.EnsureStandalone(PathOf("raw.img"))).Message, StringComparison.Ordinal);

        var header = File.ReadAllBytes(QemuImg.Standalone(PathOf("cut.qcow2")))[..90];
        Assert.Equal("InvalidParameterValue", Assert.Throws<ApiException>(() => Qcow2Header.EnsureStandalone(header, header.Length)).Code);

        // Extensions that never end within the first cluster.
        var endless = File.ReadAllBytes(PathOf("cut.qcow2"));
        var extensions = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(endless.AsSpan(100));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(endless.AsSpan(extensions + 4), 0x7fffffff);
        Assert.Contains("first cluster", Assert.Throws<ApiException>(() => Qcow2Header.EnsureStandalone(endless, endless.Length)).Message, StringComparison.Ordinal);
    }
}
