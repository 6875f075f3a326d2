using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Platform.Modules.Shared.Authentication.SigV4;
using Platform.Modules.Shared.Payloads;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.Modules.Shared.Tests.SigV4;

/// <summary>
/// Properties of the signed aws-chunked decoder (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) over generated bodies
/// (<see cref="PropertyRuns"/>): any data cut into any chunk sizes decodes to itself; a body with any byte changed, or cut
/// short anywhere, yields the data unchanged or fails with AwsChunkedException, never other bytes; any bytes at all end
/// in data or AwsChunkedException. The encoder here follows AWS's description of the chunk signature chain.
/// </summary>
public sealed class AwsChunkedPropertyTests(ITestOutputHelper output)
{
    private static readonly byte[] Key = SigV4Verifier.DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Request.Scope);

    private static SigV4ParsedRequest Request => new()
    {
        Form = SigV4Form.Header,
        AccessKeyId = "AKIAIOSFODNN7EXAMPLE",
        Scope = new SigV4Scope("20261205", "us-east-1", "s3"),
        RequestTime = new DateTimeOffset(2026, 12, 5, 7, 0, 0, TimeSpan.Zero),
        SignedHeaders = ["host"],
        Signature = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
        PayloadHash = AwsChunkedStream.StreamingPayload,
        CanonicalRequest = "",
        StringToSign = "",
    };

    private static byte[] Encode(byte[] data, IReadOnlyList<int> sizes, bool upperHex)
    {
        var emptyHash = Convert.ToHexStringLower(SHA256.HashData([]));
        var previous = Request.Signature;
        using var body = new MemoryStream();
        void Chunk(ReadOnlySpan<byte> bytes)
        {
            var stringToSign = $"AWS4-HMAC-SHA256-PAYLOAD\n20261205T070000Z\n{Request.Scope}\n{previous}\n{emptyHash}\n{Convert.ToHexStringLower(SHA256.HashData(bytes))}";
            previous = Convert.ToHexStringLower(HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes(stringToSign)));
            body.Write(Encoding.ASCII.GetBytes($"{bytes.Length.ToString(upperHex ? "X" : "x", CultureInfo.InvariantCulture)};chunk-signature={previous}\r\n"));
            body.Write(bytes);
            body.Write("\r\n"u8);
        }

        var offset = 0;
        foreach (var size in sizes.Select(s => Math.Min(s, data.Length - offset)).Where(s => s > 0))
        {
            Chunk(data.AsSpan(offset, size));
            offset += size;
        }

        if (offset < data.Length)
        {
            Chunk(data.AsSpan(offset));
        }

        Chunk([]);
        return body.ToArray();
    }

    /// <summary>The data read to its end in reads of the given size, or the decoder's exception.</summary>
    private static (byte[]? Data, Exception? Error) Decode(byte[] body, int readSize, int maxChunk = AwsChunkedStream.DefaultMaxChunkSize)
    {
        try
        {
            using var decoder = new AwsChunkedStream(new MemoryStream(body), Request, Key, maxChunk);
            using var data = new MemoryStream();
            var buffer = new byte[readSize];
            int read;
            while ((read = decoder.Read(buffer, 0, buffer.Length)) > 0)
            {
                data.Write(buffer, 0, read);
            }

            return (data.ToArray(), null);
        }
        catch (AwsChunkedException e)
        {
            return (null, e);
        }
    }

    private static readonly Gen<(byte[] Data, List<int> Sizes, int ReadSize, bool UpperHex)> Bodies =
        from length in Gen.Frequency((3, Gen.Choose(0, 64)), (2, Gen.Choose(0, 4096)), (1, Gen.Choose(60_000, 200_000)))
        from seed in Gen.Choose(0, int.MaxValue)
        from sizes in Gen.ListOf(Gen.Frequency((3, Gen.Choose(1, 16)), (2, Gen.Choose(1, 8192)), (1, Gen.Choose(1, 100_000))))
        from readSize in Gen.Elements(1, 7, 4096, 65536)
        from upperHex in Gen.Elements(false, true)
        select (Data(length, seed), sizes.ToList(), readSize, upperHex);

    private static byte[] Data(int length, int seed)
    {
        var data = new byte[length];
        new System.Random(seed).NextBytes(data);
        return data;
    }

    [Fact]
    public void Given_any_data_in_any_chunk_sizes_Then_it_decodes_to_the_data()
    {
        PropertyRuns.Check(output, "chunked round trip", Prop.ForAll(Bodies.ToArbitrary(), c =>
        {
            var (data, error) = PropertyRuns.Bounded(() => Decode(Encode(c.Data, c.Sizes, c.UpperHex), c.ReadSize), c.Data.Length);
            Assert.Null(error);
            Assert.Equal(c.Data, data);
        }), 200);
    }

    [Fact]
    public void Given_a_body_with_any_byte_changed_or_cut_short_Then_the_data_or_AwsChunkedException_never_other_bytes()
    {
        var cases = from body in Bodies
                    from position in Gen.Choose(0, int.MaxValue)
                    from flip in Gen.Choose(1, 255)
                    from cut in Gen.Elements(false, false, true)
                    select (body, position, flip, cut);
        var refused = 0;
        var tried = 0;
        PropertyRuns.Check(output, "chunked tampering", Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var encoded = Encode(c.body.Data, c.body.Sizes, c.body.UpperHex);
            var at = c.position % encoded.Length;
            byte[] changed;
            if (c.cut)
            {
                changed = encoded[..at];
            }
            else
            {
                changed = (byte[])encoded.Clone();
                changed[at] ^= (byte)c.flip;
            }

            var (data, error) = PropertyRuns.Bounded(() => Decode(changed, c.body.ReadSize), $"{at} ^ {c.flip} cut {c.cut}");
            tried++;
            if (error is null)
            {
                Assert.Equal(c.body.Data, data);
            }
            else
            {
                refused++;
                Assert.Contains(((AwsChunkedException)error).Code, new[] { "IncompleteBody", "SignatureDoesNotMatch" });
            }
        }), 300);
        output.WriteLine($"{refused} of {tried} changed bodies refused");
        Assert.True(refused > tried * 0.9, $"{refused} of {tried}");
    }

    [Fact]
    public void Given_any_bytes_Then_the_decoder_ends_in_data_or_AwsChunkedException()
    {
        var junk = Gen.OneOf(
            Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)),
            PropertyRuns.HostileText("0", "10", "ffffffff", "7fffffff", "80000000", "-1", "+5", " 5", ";chunk-signature=", "\r\n", "\r", "\n",
                new string('a', 64), "0;chunk-signature=" + new string('0', 64) + "\r\n\r\n").Select(Encoding.Latin1.GetBytes));
        PropertyRuns.Check(output, "chunked junk", Prop.ForAll(junk.ToArbitrary(), body =>
        {
            var (_, error) = PropertyRuns.Bounded(() => Decode(body, 4096, maxChunk: 1 << 20), body);
            if (error is not null)
            {
                Assert.IsType<AwsChunkedException>(error);
            }
        }), 2000);
    }
}
