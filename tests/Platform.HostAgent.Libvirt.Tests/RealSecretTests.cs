using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Platform.HostAgent.Libvirt.Tests;

/// <summary>
/// Secrets on libvirtd (qemu:///system), as the agent keeps the passphrases of encrypted volumes: ephemeral and private,
/// so libvirt writes nothing to its secrets directory and hands the value to no client; a LUKS qcow2 volume is made
/// with one.
/// </summary>
public sealed class RealSecretTests
{
    private const string SecretsDirectory = "/etc/libvirt/secrets";

    [Fact]
    public void Given_an_ephemeral_private_secret_Then_libvirt_keeps_it_off_disk_never_returns_it_and_forgets_it_when_undefined()
    {
        var uuid = Guid.NewGuid();
        var value = RandomNumberGenerator.GetBytes(32);
        using var connection = LibvirtConnection.Open("qemu:///system");
        Assert.Null(connection.FindSecret(uuid));
        using var secret = connection.DefineSecret(LibvirtSecret.VolumeSecretXml(uuid, $"/nonexistent/{uuid:N}", "test"));
        try
        {
            secret.SetValue(value);
            var xml = XElement.Parse(secret.GetXml());
            Assert.Equal("yes", xml.Attribute("ephemeral")?.Value);
            Assert.Equal("yes", xml.Attribute("private")?.Value);

            var refused = Assert.Throws<LibvirtException>(secret.GetValue);
            Assert.Contains("private", refused.Message, StringComparison.OrdinalIgnoreCase);
            Assert.False(File.Exists(Path.Combine(SecretsDirectory, $"{uuid:D}.xml")), "an ephemeral secret has no file");
            Assert.False(File.Exists(Path.Combine(SecretsDirectory, $"{uuid:D}.base64")), "nor its value");

            using (var found = connection.FindSecret(uuid))
            {
                Assert.NotNull(found);
            }
        }
        finally
        {
            secret.Undefine();
        }

        Assert.Null(connection.FindSecret(uuid));
    }

    [Fact]
    public void Given_a_secret_that_is_not_private_Then_its_value_reads_back_as_set()
    {
        // The control for the test above: GetValue works, so its refusal there is the private flag's doing.
        var uuid = Guid.NewGuid();
        var value = RandomNumberGenerator.GetBytes(32);
        using var connection = LibvirtConnection.Open("qemu:///system");
        using var secret = connection.DefineSecret($"<secret ephemeral='yes' private='no'><uuid>{uuid:D}</uuid></secret>");
        try
        {
            secret.SetValue(value);
            Assert.Equal(value, secret.GetValue());
        }
        finally
        {
            secret.Undefine();
        }
    }

    [Fact]
    public void Given_a_volume_with_luks_encryption_Then_libvirt_makes_a_qcow2_with_a_LUKS_header_under_the_secret()
    {
        var directory = Directory.CreateTempSubdirectory("platform-luks-").FullName;
        var name = $"platform-test-{Guid.NewGuid():N}"[..30];
        var uuid = Guid.NewGuid();
        using var connection = LibvirtConnection.Open("qemu:///system");
        using var pool = connection.DefineStoragePool(new XElement("pool", new XAttribute("type", "dir"),
            new XElement("name", name), new XElement("target", new XElement("path", directory))).ToString());
        var path = Path.Combine(directory, "vol-luks");
        using var secret = connection.DefineSecret(LibvirtSecret.VolumeSecretXml(uuid, path, "test volume"));
        try
        {
            secret.SetValue(Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
            pool.Build();
            pool.Start();
            using var volume = pool.CreateVolume(LibvirtVolumeXml.Qcow2("vol-luks", 4 * 1024 * 1024, uuid));
            Assert.Equal(path, volume.Path);
            var described = XElement.Parse(volume.GetXml()).Element("target")!.Element("encryption");
            Assert.Equal("luks", described?.Attribute("format")?.Value);

            // qemu-img opens it only with the passphrase: the header is LUKS inside the qcow2.
            var header = File.ReadAllBytes(path);
            Assert.Equal(new byte[] { 0x51, 0x46, 0x49, 0xfb }, header[..4]);
            Assert.Contains("LUKS", Encoding.Latin1.GetString(header), StringComparison.Ordinal);
            volume.Delete();
        }
        finally
        {
            secret.Undefine();
            if (pool.IsActive)
            {
                pool.Stop();
            }

            pool.Undefine();
            Directory.Delete(directory, recursive: true);
        }
    }
}
