using Platform.HostAgent.Libvirt.Interop;

namespace Platform.HostAgent.Libvirt;

/// <summary>libvirt's virDomainBlockJobType.</summary>
public enum BlockJobType
{
    Unknown = 0,
    Pull = 1,
    Copy = 2,
    Commit = 3,
    ActiveCommit = 4,
    Backup = 5,
}

/// <summary>A block job on one disk of a running domain: its kind and how far it is (<see cref="Cursor"/> of <see cref="End"/>).</summary>
public sealed record BlockJobInfo(BlockJobType Type, ulong Cursor, ulong End);

/// <summary>
/// External disk snapshots and block jobs: how a running guest's disk is copied at one instant. A disk-only snapshot
/// puts a new overlay on top of the disk, so the guest writes there and the image below stops changing; an active
/// block commit later writes the overlay back into the image, and a pivot makes the guest use the image again.
/// </summary>
public sealed partial class LibvirtDomain
{
    /// <summary>
    /// Takes an external, disk-only snapshot (virDomainSnapshotCreateXML with DISK_ONLY, NO_METADATA and ATOMIC): the
    /// disks the XML names external get their overlay at the same instant, or none does. libvirt keeps no snapshot object.
    /// An encrypted overlay is a LUKS image QEMU formats: when it gives up timing its key derivation
    /// (<see cref="LibvirtException.IsCpuClockTooCoarse"/>), the atomic snapshot made nothing and is tried again.
    /// </summary>
    public void CreateDiskOnlySnapshot(string snapshotXml)
    {
        for (var attempt = 1; ; attempt++)
        {
            var snapshot = NativeMethods.DomainSnapshotCreateXml(_handle, snapshotXml,
                NativeMethods.SnapshotCreateDiskOnly | NativeMethods.SnapshotCreateNoMetadata | NativeMethods.SnapshotCreateAtomic);
            if (snapshot != 0)
            {
                // Without metadata the returned object names nothing libvirt keeps: freed at once.
                _ = NativeMethods.DomainSnapshotFree(snapshot);
                return;
            }

            var error = LibvirtException.FromLastError("virDomainSnapshotCreateXML");
            if (attempt >= LibvirtException.LuksFormatAttempts || !error.IsCpuClockTooCoarse)
            {
                throw error;
            }
        }
    }

    /// <summary>Starts committing the disk's active overlay into the image below it (virDomainBlockCommit, ACTIVE); the job then waits for a pivot.</summary>
    public void CommitActiveLayer(string disk) =>
        LibvirtException.ThrowIfFailed(NativeMethods.DomainBlockCommit(_handle, disk, null, null, 0, NativeMethods.BlockCommitActive), "virDomainBlockCommit");

    /// <summary>The disk's block job, or null when it has none (virDomainGetBlockJobInfo).</summary>
    public BlockJobInfo? GetBlockJob(string disk) => NativeMethods.DomainGetBlockJobInfo(_handle, disk, out var info, 0) switch
    {
        < 0 => throw LibvirtException.FromLastError("virDomainGetBlockJobInfo"),
        0 => null,
        _ => new BlockJobInfo((BlockJobType)info.Type, info.Cursor, info.End),
    };

    /// <summary>Ends a ready commit or copy by switching the disk to its result (virDomainBlockJobAbort, PIVOT).</summary>
    public void PivotBlockJob(string disk) =>
        LibvirtException.ThrowIfFailed(NativeMethods.DomainBlockJobAbort(_handle, disk, NativeMethods.BlockJobAbortPivot), "virDomainBlockJobAbort");
}
