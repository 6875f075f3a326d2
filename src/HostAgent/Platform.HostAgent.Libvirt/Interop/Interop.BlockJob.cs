using System.Runtime.InteropServices;

namespace Platform.HostAgent.Libvirt.Interop;

internal static partial class NativeMethods
{
    /// <summary>virDomainBlockJobInfo: the job's type, its bandwidth (unsigned long), and how far it is (cur of end).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct VirDomainBlockJobInfo
    {
        public int Type;
        public nuint Bandwidth;
        public ulong Cursor;
        public ulong End;
    }

    /// <summary>virDomainBlockCommitFlags: VIR_DOMAIN_BLOCK_COMMIT_ACTIVE commits the image the guest is writing to.</summary>
    internal const uint BlockCommitActive = 4;

    /// <summary>virDomainBlockJobAbortFlags: VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT ends a ready job by switching the disk to its target.</summary>
    internal const uint BlockJobAbortPivot = 2;

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainBlockCommit", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int DomainBlockCommit(DomainHandle domain, string disk, string? baseImage, string? topImage, nuint bandwidth, uint flags);

    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainBlockJobAbort", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int DomainBlockJobAbort(DomainHandle domain, string disk, uint flags);

    /// <returns>1 with the job's info, 0 when the disk has no job, -1 on failure.</returns>
    [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetBlockJobInfo", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int DomainGetBlockJobInfo(DomainHandle domain, string disk, out VirDomainBlockJobInfo info, uint flags);
}
