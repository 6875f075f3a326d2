using System.Security.Cryptography;
using Platform.Modules.Shared.Payloads;

namespace Platform.Modules.Shared.Tests.Payloads;

/// <summary>The checksums S3 keeps, against their published check values and against each other.</summary>
public sealed class FlexibleChecksumTests
{
    public static TheoryData<string, string> CheckValues() => new()
    {
        // The catalogue's check values: the CRC of the ASCII "123456789" (reveng.sourceforge.io, CRC-32/ISO-HDLC, CRC-32/ISCSI, CRC-64/NVME).
        { "CRC32", "cbf43926" },
        { "CRC32C", "e3069283" },
        { "CRC64NVME", "ae8b14860a799888" },
        { "SHA1", "f7c3bc1d808e04732adf679965ccc34ca7ae3441" },
        { "SHA256", "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225" },
    };

    [Theory]
    [MemberData(nameof(CheckValues))]
    public void Given_the_check_string_Then_each_algorithm_gives_its_check_value(string name, string hex)
    {
        var algorithm = FlexibleChecksum.FromName(name)!;
        Assert.Equal(Convert.ToBase64String(Convert.FromHexString(hex)), algorithm.Of("123456789"u8));
        Assert.Equal(hex.Length / 2, algorithm.Size);
        Assert.Same(algorithm, FlexibleChecksum.FromHeaderName("X-Amz-Checksum-" + name.ToLowerInvariant()));
    }

    [Theory]
    [MemberData(nameof(CheckValues))]
    public void Given_bytes_appended_in_uneven_pieces_Then_the_checksum_is_that_of_the_whole(string name, string hex)
    {
        _ = hex;
        var algorithm = FlexibleChecksum.FromName(name)!;
        var data = RandomNumberGenerator.GetBytes(100_003);
        var hasher = algorithm.NewHasher();
        for (var offset = 0; offset < data.Length;)
        {
            var take = Math.Min(data.Length - offset, 1 + (offset % 4099));
            hasher.Append(data.AsSpan(offset, take));
            offset += take;
        }

        Assert.Equal(algorithm.Of(data), hasher.Base64());
    }

    [Theory]
    [InlineData("CRC32")]
    [InlineData("CRC32C")]
    [InlineData("CRC64NVME")]
    public void Given_parts_Then_their_CRCs_combine_into_the_CRC_of_the_whole_object(string name)
    {
        var algorithm = FlexibleChecksum.FromName(name)!;
        var parts = new[] { 5 * 1024 * 1024, 17, 1, 300_000 }.Select(RandomNumberGenerator.GetBytes).ToList();
        var whole = parts.SelectMany(p => p).ToArray();

        Assert.True(algorithm.CanCombine);
        Assert.Equal(algorithm.Of(whole), algorithm.Combine(parts.Select(p => (algorithm.Of(p), (long)p.Length)).ToList()));
        Assert.Equal(algorithm.Of([]), algorithm.Combine([]));
    }

    [Fact]
    public void Given_part_checksums_Then_the_composite_is_the_checksum_of_their_digests_with_the_part_count()
    {
        var parts = new[] { "part one"u8.ToArray(), "part two"u8.ToArray() };
        var digests = parts.SelectMany(p => Crc(p)).ToArray();

        Assert.Equal($"{Convert.ToBase64String(Crc(digests))}-2", FlexibleChecksum.Crc32.Composite(parts.Select(p => FlexibleChecksum.Crc32.Of(p)).ToList()));
        Assert.False(FlexibleChecksum.Sha256.CanCombine);
    }

    [Theory]
    [InlineData("CRC32", "AAAAAA==", true)]
    [InlineData("CRC32", "AAAAAAA=", false)]
    [InlineData("CRC64NVME", "AAAAAA==", false)]
    [InlineData("SHA1", "not base64!", false)]
    public void Given_a_value_Then_only_base64_of_the_digest_length_is_valid(string name, string value, bool valid) =>
        Assert.Equal(valid, FlexibleChecksum.FromName(name)!.IsValid(value));

    /// <summary>CRC-32 bit by bit, straight from its definition: no tables to share a mistake with.</summary>
    private static byte[] Crc(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        crc = ~crc;
        return [(byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc];
    }

    [Fact]
    public void Given_the_names_of_the_family_Then_only_value_headers_are_value_headers()
    {
        Assert.True(FlexibleChecksum.IsValueHeaderName("x-amz-checksum-crc32"));
        Assert.True(FlexibleChecksum.IsValueHeaderName("x-amz-checksum-sha512"));
        Assert.False(FlexibleChecksum.IsValueHeaderName("x-amz-checksum-mode"));
        Assert.False(FlexibleChecksum.IsValueHeaderName("x-amz-checksum-type"));
        Assert.False(FlexibleChecksum.IsValueHeaderName("x-amz-checksum-algorithm"));
        Assert.Null(FlexibleChecksum.FromHeaderName("x-amz-checksum-sha512"));
    }
}
