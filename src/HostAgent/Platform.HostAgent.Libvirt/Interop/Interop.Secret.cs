using System.Runtime.InteropServices;

namespace Platform.HostAgent.Libvirt.Interop;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virSecretDefineXML", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint SecretDefineXml(ConnectionHandle connection, string xml, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virSecretLookupByUUIDString", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint SecretLookupByUuidString(ConnectionHandle connection, string uuid);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virSecretSetValue")]
    internal static partial int SecretSetValue(SecretHandle secret, byte* value, nuint valueSize, uint flags);

    /// <returns>The value (for the caller to free), or null: a private secret's value is never handed out.</returns>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virSecretGetValue")]
    internal static partial byte* SecretGetValue(SecretHandle secret, out nuint valueSize, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virSecretGetXMLDesc")]
    internal static partial byte* SecretGetXmlDesc(SecretHandle secret, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virSecretUndefine")]
    internal static partial int SecretUndefine(SecretHandle secret);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virSecretFree")]
    internal static partial int SecretFree(nint secret);
}
