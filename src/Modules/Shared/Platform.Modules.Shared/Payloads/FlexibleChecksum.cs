using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Platform.Modules.Shared.Payloads;

/// <summary>
/// The additional checksums S3 clients send and S3 keeps with an object (x-amz-checksum-*): CRC32, CRC32C, CRC64NVME,
/// SHA-1 and SHA-256. Values travel as base64 of the big-endian digest. A multipart object's checksum is either
/// COMPOSITE (the checksum of the parts' checksums, "-N" appended) or, for the CRCs, FULL_OBJECT (the CRC of all the
/// bytes, combined from the parts' CRCs and lengths without reading the bytes again).
/// </summary>
public sealed class FlexibleChecksum
{
    public const string HeaderPrefix = "x-amz-checksum-";

    public static readonly FlexibleChecksum Crc32 = new("CRC32", 4, () => new CrcHasher(CrcTables.Crc32), CrcTables.Crc32);

    public static readonly FlexibleChecksum Crc32C = new("CRC32C", 4, () => new Crc32CHasher(), CrcTables.Crc32C);

    public static readonly FlexibleChecksum Crc64Nvme = new("CRC64NVME", 8, () => new CrcHasher(CrcTables.Crc64Nvme), CrcTables.Crc64Nvme);

    public static readonly FlexibleChecksum Sha1 = new("SHA1", 20, () => new HashHasher(HashAlgorithmName.SHA1), null);

    public static readonly FlexibleChecksum Sha256 = new("SHA256", 32, () => new HashHasher(HashAlgorithmName.SHA256), null);

    public static readonly IReadOnlyList<FlexibleChecksum> All = [Crc32, Crc32C, Crc64Nvme, Sha1, Sha256];

    private readonly Func<ChecksumHasher> _hasher;
    private readonly CrcTables? _crc;

    private FlexibleChecksum(string name, int size, Func<ChecksumHasher> hasher, CrcTables? crc)
    {
        Name = name;
        Size = size;
        _hasher = hasher;
        _crc = crc;
        HeaderName = HeaderPrefix + name.ToLowerInvariant();
    }

    /// <summary>As S3 names it in x-amz-sdk-checksum-algorithm and x-amz-checksum-algorithm: CRC32, CRC32C, CRC64NVME, SHA1, SHA256.</summary>
    public string Name { get; }

    /// <summary>The header (or trailer) that carries a value: x-amz-checksum-crc32, ...</summary>
    public string HeaderName { get; }

    /// <summary>The digest's length in bytes.</summary>
    public int Size { get; }

    /// <summary>Only the CRCs combine into a FULL_OBJECT checksum of a multipart object.</summary>
    public bool CanCombine => _crc is not null;

    public ChecksumHasher NewHasher() => _hasher();

    public static FlexibleChecksum? FromName(string? name) =>
        All.FirstOrDefault(a => string.Equals(a.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The algorithm whose value header (or trailer) this is; null for any other name, x-amz-checksum-type and -mode included.</summary>
    public static FlexibleChecksum? FromHeaderName(string? name) =>
        All.FirstOrDefault(a => string.Equals(a.HeaderName, name?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>True for a name of the x-amz-checksum-* family that carries a value (not -type, -mode, -algorithm).</summary>
    public static bool IsValueHeaderName(string name) =>
        name.StartsWith(HeaderPrefix, StringComparison.OrdinalIgnoreCase)
        && name[HeaderPrefix.Length..].ToLowerInvariant() is not ("type" or "mode" or "algorithm");

    /// <summary>Whether a value is base64 of exactly this algorithm's digest length.</summary>
    public bool IsValid(string? value)
    {
        if (value is null)
        {
            return false;
        }

        Span<byte> digest = stackalloc byte[64];
        return Convert.TryFromBase64String(value.Trim(), digest, out var written) && written == Size;
    }

    /// <summary>The checksum of some bytes, in its wire form.</summary>
    public string Of(ReadOnlySpan<byte> data)
    {
        var hasher = NewHasher();
        hasher.Append(data);
        return hasher.Base64();
    }

    /// <summary>COMPOSITE: the checksum of the parts' digests one after another, then "-" and the number of parts.</summary>
    public string Composite(IReadOnlyList<string> partValues)
    {
        var hasher = NewHasher();
        foreach (var value in partValues)
        {
            hasher.Append(Convert.FromBase64String(value));
        }

        return $"{hasher.Base64()}-{partValues.Count}";
    }

    /// <summary>FULL_OBJECT: the CRC of the parts' bytes one after another, from each part's CRC and length.</summary>
    public string Combine(IReadOnlyList<(string Value, long Length)> parts)
    {
        var crc = _crc ?? throw new InvalidOperationException($"{Name} values do not combine.");
        ulong combined = 0;
        var first = true;
        foreach (var (value, length) in parts)
        {
            var next = crc.Load(Convert.FromBase64String(value));
            combined = first ? next : crc.Combine(combined, next, length);
            first = false;
        }

        return Convert.ToBase64String(crc.Store(first ? CrcTables.Empty : combined));
    }

    public override string ToString() => Name;
}

/// <summary>One checksum being computed over bytes as they pass.</summary>
public abstract class ChecksumHasher
{
    public abstract void Append(ReadOnlySpan<byte> data);

    /// <summary>The big-endian digest of what was appended so far.</summary>
    public abstract byte[] Digest();

    public string Base64() => Convert.ToBase64String(Digest());
}

internal sealed class HashHasher(HashAlgorithmName algorithm) : ChecksumHasher
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(algorithm);

    public override void Append(ReadOnlySpan<byte> data) => _hash.AppendData(data);

    public override byte[] Digest() => _hash.GetCurrentHash();
}

/// <summary>CRC-32C through the processor's CRC32 instruction where there is one (BitOperations falls back to a table).</summary>
internal sealed class Crc32CHasher : ChecksumHasher
{
    private uint _crc = uint.MaxValue;

    public override void Append(ReadOnlySpan<byte> data)
    {
        var crc = _crc;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        _crc = crc;
    }

    public override byte[] Digest()
    {
        var digest = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(digest, ~_crc);
        return digest;
    }
}

/// <summary>A reflected CRC of 32 or 64 bits, eight bytes at a time (slicing-by-8).</summary>
internal sealed class CrcHasher(CrcTables tables) : ChecksumHasher
{
    private ulong _crc = tables.Mask;

    public override void Append(ReadOnlySpan<byte> data) => _crc = tables.Update(_crc, data);

    public override byte[] Digest() => tables.Store(~_crc & tables.Mask);
}

/// <summary>
/// The lookup tables of a reflected CRC whose initial value and final xor are all ones (CRC-32, CRC-32C, CRC-64/NVME),
/// and the GF(2) arithmetic that combines two CRCs: crc(A‖B) = crc(A)·x^(8·|B|) mod P ⊕ crc(B), as zlib's crc32_combine.
/// </summary>
internal sealed class CrcTables
{
    public static readonly CrcTables Crc32 = new(32, 0xEDB88320);
    public static readonly CrcTables Crc32C = new(32, 0x82F63B78);
    public static readonly CrcTables Crc64Nvme = new(64, 0x9A6C9329AC4BC9B5);

    private readonly ulong[][] _slices = new ulong[8][];
    private readonly ulong _polynomial;
    private readonly int _width;

    /// <summary>x^(2^k) mod P: squaring these gives x^(8n) in a few multiplications for any length n.</summary>
    private readonly ulong[] _powers = new ulong[68];

    private CrcTables(int width, ulong reflectedPolynomial)
    {
        _width = width;
        _polynomial = reflectedPolynomial;
        Mask = width == 64 ? ulong.MaxValue : (1UL << width) - 1;
        for (var s = 0; s < 8; s++)
        {
            _slices[s] = new ulong[256];
        }

        for (ulong i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? reflectedPolynomial ^ (c >> 1) : c >> 1;
            }

            _slices[0][i] = c;
        }

        for (var i = 0; i < 256; i++)
        {
            for (var s = 1; s < 8; s++)
            {
                var previous = _slices[s - 1][i];
                _slices[s][i] = (previous >> 8) ^ _slices[0][previous & 0xFF];
            }
        }

        _powers[0] = One >> 1; // x^1
        for (var k = 1; k < _powers.Length; k++)
        {
            _powers[k] = Multiply(_powers[k - 1], _powers[k - 1]);
        }
    }

    public ulong Mask { get; }

    /// <summary>The CRC of no bytes.</summary>
    public const ulong Empty = 0;

    /// <summary>The polynomial 1 in the reflected representation (the top bit is x^0).</summary>
    private ulong One => 1UL << (_width - 1);

    public ulong Update(ulong crc, ReadOnlySpan<byte> data)
    {
        var t0 = _slices[0];
        var t1 = _slices[1];
        var t2 = _slices[2];
        var t3 = _slices[3];
        var t4 = _slices[4];
        var t5 = _slices[5];
        var t6 = _slices[6];
        var t7 = _slices[7];
        while (data.Length >= 8)
        {
            var word = crc ^ BinaryPrimitives.ReadUInt64LittleEndian(data);
            if (_width == 32)
            {
                // A 32-bit register meets only the first four bytes; the other four are data alone.
                var high = word >> 32;
                crc = t7[word & 0xFF] ^ t6[(word >> 8) & 0xFF] ^ t5[(word >> 16) & 0xFF] ^ t4[(word >> 24) & 0xFF]
                    ^ t3[high & 0xFF] ^ t2[(high >> 8) & 0xFF] ^ t1[(high >> 16) & 0xFF] ^ t0[high >> 24];
            }
            else
            {
                crc = t7[word & 0xFF] ^ t6[(word >> 8) & 0xFF] ^ t5[(word >> 16) & 0xFF] ^ t4[(word >> 24) & 0xFF]
                    ^ t3[(word >> 32) & 0xFF] ^ t2[(word >> 40) & 0xFF] ^ t1[(word >> 48) & 0xFF] ^ t0[word >> 56];
            }

            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = t0[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    /// <summary>The CRC of A‖B from crc(A), crc(B) and |B|.</summary>
    public ulong Combine(ulong first, ulong second, long secondLength)
    {
        var shift = One;
        var n = (ulong)secondLength;
        for (var k = 3; n != 0; k++, n >>= 1)
        {
            if ((n & 1) != 0)
            {
                shift = Multiply(_powers[k], shift);
            }
        }

        return Multiply(shift, first) ^ second;
    }

    public ulong Load(byte[] digest) => _width == 32 ? BinaryPrimitives.ReadUInt32BigEndian(digest) : BinaryPrimitives.ReadUInt64BigEndian(digest);

    public byte[] Store(ulong value)
    {
        var digest = new byte[_width / 8];
        if (_width == 32)
        {
            BinaryPrimitives.WriteUInt32BigEndian(digest, (uint)value);
        }
        else
        {
            BinaryPrimitives.WriteUInt64BigEndian(digest, value);
        }

        return digest;
    }

    /// <summary>a·b mod P, both in the reflected representation.</summary>
    private ulong Multiply(ulong a, ulong b)
    {
        ulong product = 0;
        for (var m = One; m != 0; m >>= 1)
        {
            if ((a & m) != 0)
            {
                product ^= b;
            }

            b = (b & 1) != 0 ? (b >> 1) ^ _polynomial : b >> 1;
        }

        return product;
    }
}
