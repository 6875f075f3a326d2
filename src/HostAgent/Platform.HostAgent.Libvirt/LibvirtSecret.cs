using System.Xml.Linq;
using Platform.HostAgent.Libvirt.Interop;

namespace Platform.HostAgent.Libvirt;

/// <summary>
/// A libvirt secret: the passphrase of a LUKS-encrypted volume, which libvirt hands to QEMU (and to qemu-img when it
/// creates the volume) itself. The agent defines them ephemeral and private: libvirtd keeps the value in memory only,
/// never writes it to /etc/libvirt/secrets, and refuses to return it to any client (virSecretGetValue fails).
/// </summary>
public sealed unsafe class LibvirtSecret : IDisposable
{
    private readonly SecretHandle _handle;

    internal LibvirtSecret(SecretHandle handle)
    {
        _handle = handle;
    }

    public string GetXml() => LibvirtConnection.TakeString(NativeMethods.SecretGetXmlDesc(_handle, 0), "virSecretGetXMLDesc");

    /// <summary>Sets the value; the caller should clear its copy afterwards.</summary>
    public void SetValue(ReadOnlySpan<byte> value)
    {
        fixed (byte* data = value)
        {
            LibvirtException.ThrowIfFailed(NativeMethods.SecretSetValue(_handle, data, (nuint)value.Length, 0), "virSecretSetValue");
        }
    }

    /// <summary>The value, for a secret that is not private; a private one fails with libvirt's error.</summary>
    public byte[] GetValue()
    {
        var value = NativeMethods.SecretGetValue(_handle, out var size, 0);
        if (value is null)
        {
            throw LibvirtException.FromLastError("virSecretGetValue");
        }

        try
        {
            return new ReadOnlySpan<byte>(value, checked((int)size)).ToArray();
        }
        finally
        {
            new Span<byte>(value, (int)size).Clear();
            NativeMethods.Free(value);
        }
    }

    public void Undefine() => LibvirtException.ThrowIfFailed(NativeMethods.SecretUndefine(_handle), "virSecretUndefine");

    public void Dispose() => _handle.Dispose();

    /// <summary>
    /// The definition of a volume's passphrase: ephemeral (memory only) and private (never read back), its usage the
    /// volume's path, as libvirt's storage driver looks secrets of <c>&lt;encryption&gt;</c> up.
    /// </summary>
    public static string VolumeSecretXml(Guid uuid, string volumePath, string description) =>
        new XElement("secret", new XAttribute("ephemeral", "yes"), new XAttribute("private", "yes"),
            new XElement("uuid", uuid.ToString("D")),
            new XElement("description", description),
            new XElement("usage", new XAttribute("type", "volume"), new XElement("volume", volumePath))).ToString();
}
