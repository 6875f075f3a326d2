using System.Security.Cryptography;
using System.Text;

namespace Platform.HostAgent.OpenVSwitch;

/// <summary>
/// The id that ties a guest NIC's switch port to its network interface. libvirt only accepts a UUID
/// in &lt;virtualport type='openvswitch'&gt;&lt;parameters interfaceid='…'/&gt;, and writes it to the
/// port's external_ids:iface-id; our interface ids are "eni-…", so the UUID is derived from the
/// interface id (name-based, RFC 9562 version 8 from SHA-256): any agent, restarted or not, computes
/// the same one, and nothing has to be stored.
/// </summary>
public static class GuestInterfaceId
{
    public static string For(string networkInterfaceId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("platform/ovs-iface-id/" + networkInterfaceId));
        hash[6] = (byte)((hash[6] & 0x0f) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3f) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString("D");
    }

    /// <summary>
    /// A tap device name for the NIC (at most 15 characters, as Linux wants; not "vnet…", which libvirt
    /// reserves for names it makes up), stable across restarts so the agent recognises its ports.
    /// </summary>
    public static string TapName(string networkInterfaceId) => "tap" + For(networkInterfaceId).Replace("-", "", StringComparison.Ordinal)[..11];
}
