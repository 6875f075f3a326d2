using System.Security.Cryptography;
using System.Xml.Linq;

namespace Platform.HostAgent.Libvirt.Tests;

/// <summary>
/// A real directory pool on libvirtd (qemu:///system): bytes go in and come back out through libvirt
/// streams, and a copy-on-write volume sits on a base volume, as instance disks sit on images.
/// </summary>
public sealed class RealStorageTests
{
    [Fact]
    public void Given_a_directory_pool_Then_uploaded_bytes_download_identical_and_copy_on_write_volumes_stack_on_them()
    {
        var directory = Directory.CreateTempSubdirectory("platform-pool-").FullName;
        var name = $"platform-test-{Guid.NewGuid():N}"[..30];
        using var connection = LibvirtConnection.Open("qemu:///system");
        using var pool = connection.DefineStoragePool(new XElement("pool", new XAttribute("type", "dir"),
            new XElement("name", name), new XElement("target", new XElement("path", directory))).ToString());
        try
        {
            pool.Build();
            pool.Start();
            Assert.True(pool.IsActive);

            var bytes = RandomNumberGenerator.GetBytes((3 * 1024 * 1024) + 12345);
            using var image = pool.CreateVolume("<volume><name>img-base</name><capacity unit='MiB'>4</capacity><target><format type='raw'/></target></volume>");
            image.Upload(new MemoryStream(bytes), (ulong)bytes.Length);

            using var downloaded = new MemoryStream();
            image.Download(downloaded, (ulong)bytes.Length);
            Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(downloaded.ToArray()));

            using var disk = pool.CreateVolume($"""
                <volume><name>vol-cow</name><capacity unit='MiB'>4</capacity><target><format type='qcow2'/></target>
                <backingStore><path>{image.Path}</path><format type='raw'/></backingStore></volume>
                """);
            var backing = XElement.Parse(disk.GetXml()).Element("backingStore")!.Element("path")!.Value;
            Assert.Equal(image.Path, backing);
            Assert.True(disk.GetInfo().AllocationBytes < (ulong)bytes.Length, "a copy-on-write volume starts nearly empty");

            Assert.Throws<EndOfStreamException>(() => image.Upload(new MemoryStream(bytes, 0, 100), 1000));
            disk.Delete();
            image.Delete();
        }
        finally
        {
            if (pool.IsActive)
            {
                pool.Stop();
            }

            pool.Undefine();
            Directory.Delete(directory, recursive: true);
        }
    }
}
