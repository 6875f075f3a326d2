namespace Platform.HostAgent.Libvirt.Interop;

internal static partial class Libraries
{
    /// <summary>libvirt's stable C ABI, from Debian's libvirt0.</summary>
    public const string Libvirt = "libvirt.so.0";
}
