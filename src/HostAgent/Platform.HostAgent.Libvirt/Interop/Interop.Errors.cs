using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Platform.HostAgent.Libvirt.Interop;

internal static unsafe partial class NativeMethods
{
    /// <summary>libvirt's virError; only the leading fields are read.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct VirError
    {
        public int Code;
        public int Domain;
        public byte* Message;
        public int Level;
    }

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virGetLastError")]
    internal static partial VirError* GetLastError();

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virResetLastError")]
    internal static partial void ResetLastError();

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virInitialize")]
    internal static partial int Initialize();

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virSetErrorFunc")]
    internal static partial void SetErrorFunc(nint userData, delegate* unmanaged[Cdecl]<nint, VirError*, void> handler);

    /// <summary>Replaces libvirt's default handler, which prints every error to stderr; errors are read by the caller instead.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static void IgnoreError(nint userData, VirError* error)
    {
    }

    /// <summary>Frees memory libvirt allocated for the caller (strings, arrays).</summary>
    [LibraryImport("libc", EntryPoint = "free")]
    internal static partial void Free(void* pointer);
}
