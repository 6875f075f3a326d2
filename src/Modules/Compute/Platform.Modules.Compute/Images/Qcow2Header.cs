using System.Buffers.Binary;
using System.Text;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.Images;

/// <summary>
/// Checks an uploaded qcow2 disk before it is accepted: it must stand alone. A qcow2 header can name a backing file
/// (<c>backing_file_offset</c>) or keep its data in an external file (incompatible feature bit 2 and the
/// <c>0x44415441</c> header extension); a guest booted from such an image would read, and through its overlay's
/// backing chain expose, a file of the uploader's choosing on the server: the host's own files or another tenant's
/// disk. Such images, encrypted ones (the server has no key) and anything qemu would not open are refused here; the
/// agent checks again with qemu-img before it uses one. Layout: QEMU's docs/interop/qcow2.txt.
/// </summary>
internal static class Qcow2Header
{
    private const uint Magic = 0x514649FB;
    private const int Version2Length = 72;
    private const int Version3MinimumLength = 104;
    private const ulong DirtyBit = 1UL << 0;
    private const ulong CorruptBit = 1UL << 1;
    private const ulong ExternalDataFileBit = 1UL << 2;
    private const ulong CompressionTypeBit = 1UL << 3;
    private const ulong ExtendedL2Bit = 1UL << 4;
    private const ulong KnownIncompatible = DirtyBit | CorruptBit | ExternalDataFileBit | CompressionTypeBit | ExtendedL2Bit;
    private const ulong RawExternalDataAutoclearBit = 1UL << 1;
    private const uint BackingFormatExtension = 0xE2792ACA;
    private const uint EncryptionExtension = 0x0537BE77;
    private const uint ExternalDataFileExtension = 0x44415441;

    /// <summary>How to make a standalone image from one that is not, for the error messages.</summary>
    private const string Remedy = "Upload a standalone image: qemu-img convert -O qcow2 <image> <standalone image>.";

    /// <summary>The most of the file read: the header and its extensions lie within the first cluster (at most 2 MiB).</summary>
    private const int MaxClusterBytes = 2 * 1024 * 1024;

    /// <returns>The image's virtual size in bytes.</returns>
    public static long EnsureStandalone(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var first = new byte[(int)Math.Min(file.Length, MaxClusterBytes)];
        file.ReadExactly(first);
        return EnsureStandalone(first, file.Length);
    }

    /// <param name="start">The file's first bytes: its first cluster, or the whole file when it is smaller.</param>
    public static long EnsureStandalone(ReadOnlySpan<byte> start, long fileLength)
    {
        if (start.Length < Version2Length || BinaryPrimitives.ReadUInt32BigEndian(start) != Magic)
        {
            throw Refused("The disk is not a qcow2 image (no QFI\\xfb magic at its start). Convert it: qemu-img convert -O qcow2 <image> <image>.qcow2.");
        }

        var version = BinaryPrimitives.ReadUInt32BigEndian(start[4..]);
        if (version is not (2 or 3))
        {
            throw Refused($"The disk is qcow2 version {version}; versions 2 and 3 are accepted.");
        }

        var backingOffset = BinaryPrimitives.ReadUInt64BigEndian(start[8..]);
        var backingLength = BinaryPrimitives.ReadUInt32BigEndian(start[16..]);
        if (backingOffset != 0 || backingLength != 0)
        {
            var name = backingOffset + backingLength <= (ulong)start.Length && backingLength is > 0 and <= 1023
                ? $" ('{Printable(start.Slice((int)backingOffset, (int)backingLength))}')"
                : "";
            throw Refused($"The disk is a qcow2 image with a backing file{name}; a backing file would be read from the server. {Remedy}");
        }

        var clusterBits = BinaryPrimitives.ReadUInt32BigEndian(start[20..]);
        if (clusterBits is < 9 or > 21)
        {
            throw Refused($"The disk's qcow2 header is damaged (cluster_bits {clusterBits}).");
        }

        var virtualSize = BinaryPrimitives.ReadUInt64BigEndian(start[24..]);
        if (virtualSize is 0 or > 1UL << 50)
        {
            throw Refused($"The disk's virtual size ({virtualSize} bytes) is out of range.");
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(start[32..]) != 0)
        {
            throw Refused("The disk is an encrypted qcow2 image; servers have no key to boot it. Upload it decrypted.");
        }

        var headerLength = Version2Length;
        if (version == 3)
        {
            if (start.Length < Version3MinimumLength)
            {
                throw Refused("The disk's qcow2 header is cut short.");
            }

            var incompatible = BinaryPrimitives.ReadUInt64BigEndian(start[72..]);
            if ((incompatible & ExternalDataFileBit) != 0)
            {
                throw Refused($"The disk is a qcow2 image with an external data file; its data would be read from a file on the server. {Remedy}");
            }

            if ((incompatible & CorruptBit) != 0)
            {
                throw Refused("The disk's qcow2 image is marked corrupt. Repair it (qemu-img check -r all) and upload it again.");
            }

            if ((incompatible & ~KnownIncompatible) != 0)
            {
                throw Refused($"The disk uses qcow2 features servers do not know (incompatible_features 0x{incompatible:x}).");
            }

            if ((BinaryPrimitives.ReadUInt64BigEndian(start[88..]) & RawExternalDataAutoclearBit) != 0)
            {
                throw Refused($"The disk is a qcow2 image with an external data file; its data would be read from a file on the server. {Remedy}");
            }

            headerLength = (int)BinaryPrimitives.ReadUInt32BigEndian(start[100..]);
            if (headerLength < Version3MinimumLength || headerLength % 8 != 0 || headerLength > start.Length)
            {
                throw Refused($"The disk's qcow2 header is damaged (header_length {headerLength}).");
            }
        }

        CheckExtensions(start, headerLength, Math.Min(start.Length, 1 << (int)clusterBits));
        return fileLength > 0 ? (long)virtualSize : throw Refused("The disk is empty.");
    }

    /// <summary>The header extensions: each a type, a length and data padded to 8 bytes, up to an end marker, within the first cluster.</summary>
    private static void CheckExtensions(ReadOnlySpan<byte> start, int offset, int end)
    {
        while (true)
        {
            if (offset + 8 > end)
            {
                throw Refused("The disk's qcow2 header extensions run past its first cluster.");
            }

            var type = BinaryPrimitives.ReadUInt32BigEndian(start[offset..]);
            var length = BinaryPrimitives.ReadUInt32BigEndian(start[(offset + 4)..]);
            if (type == 0)
            {
                return;
            }

            if (length > (uint)(end - offset - 8))
            {
                throw Refused("The disk's qcow2 header extensions run past its first cluster.");
            }

            switch (type)
            {
                case ExternalDataFileExtension:
                    throw Refused($"The disk is a qcow2 image with an external data file ('{Printable(start.Slice(offset + 8, (int)Math.Min(length, 1023)))}'); " +
                        $"its data would be read from a file on the server. {Remedy}");
                case BackingFormatExtension:
                    throw Refused($"The disk names a backing file format; images with a backing file are refused. {Remedy}");
                case EncryptionExtension:
                    throw Refused("The disk is an encrypted qcow2 image; servers have no key to boot it. Upload it decrypted.");
            }

            offset += 8 + (int)((length + 7) & ~7u);
        }
    }

    private static string Printable(ReadOnlySpan<byte> bytes) =>
        new(Encoding.UTF8.GetString(bytes).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    private static ApiException Refused(string message) => ApiErrors.InvalidParameterValue(message);
}
