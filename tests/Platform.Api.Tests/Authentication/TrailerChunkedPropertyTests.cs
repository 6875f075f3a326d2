using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Platform.Modules.Shared.Authentication.SigV4;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Payloads;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.Api.Tests.Authentication;

/// <summary>
/// Properties of the aws-chunked decoder with trailers (STREAMING-UNSIGNED-PAYLOAD-TRAILER and its signed form) over
/// generated bodies (<see cref="PropertyRuns"/>): any data in any chunk sizes with its checksum trailer decodes to the data
/// and hands on the checksum; any byte changed or the body cut anywhere yields the data unchanged or an S3 error (400/403
/// ApiException), never other bytes; any bytes end in data or an ApiException. The encoder follows AWS's description.
/// </summary>
public sealed class TrailerChunkedPropertyTests(ITestOutputHelper output)
{
    private static readonly SigV4ParsedRequest Request = new()
    {
        Form = SigV4Form.Header,
        AccessKeyId = "AKIAIOSFODNN7EXAMPLE",
        Scope = new SigV4Scope("20261205", "us-east-1", "s3"),
        RequestTime = new DateTimeOffset(2026, 12, 5, 7, 0, 0, TimeSpan.Zero),
        SignedHeaders = ["host"],
        Signature = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
        PayloadHash = AwsChunkedStream.SignedTrailer,
        CanonicalRequest = "",
        StringToSign = "",
    };

    private static readonly byte[] Key = SigV4Verifier.DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Request.Scope);
    private static readonly string EmptyHash = Convert.ToHexStringLower(SHA256.HashData([]));

    private sealed record Case(byte[] Data, List<int> Sizes, FlexibleChecksum Algorithm, bool Signed, int ReadSize)
    {
        public override string ToString() => $"{Data.Length} bytes, {Algorithm.Name}, signed {Signed}, sizes {string.Join(',', Sizes.Take(10))}";
    }

    private static readonly Gen<Case> Cases =
        from length in Gen.Frequency((3, Gen.Choose(0, 64)), (2, Gen.Choose(0, 4096)), (1, Gen.Choose(60_000, 150_000)))
        from seed in Gen.Choose(0, int.MaxValue)
        from sizes in Gen.ListOf(Gen.Frequency((3, Gen.Choose(1, 16)), (2, Gen.Choose(1, 8192)), (1, Gen.Choose(1, 100_000))))
        from algorithm in Gen.Elements(FlexibleChecksum.All.ToArray())
        from signed in Gen.Elements(false, true)
        from readSize in Gen.Elements(1, 7, 4096, 65536)
        select new Case(Bytes(length, seed), sizes.ToList(), algorithm, signed, readSize);

    private static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new System.Random(seed).NextBytes(data);
        return data;
    }

    private static byte[] Encode(Case c)
    {
        var previous = Request.Signature;
        var prefix = $"20261205T070000Z\n{Request.Scope}\n";
        string Sign(string algorithm, string hashes)
        {
            previous = Convert.ToHexStringLower(HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes($"{algorithm}\n{prefix}{previous}\n{hashes}")));
            return previous;
        }

        using var body = new MemoryStream();
        void Chunk(ReadOnlySpan<byte> bytes)
        {
            var header = bytes.Length.ToString("x", CultureInfo.InvariantCulture);
            if (c.Signed)
            {
                header += ";chunk-signature=" + Sign("AWS4-HMAC-SHA256-PAYLOAD", EmptyHash + "\n" + Convert.ToHexStringLower(SHA256.HashData(bytes)));
            }

            body.Write(Encoding.ASCII.GetBytes(header + "\r\n"));
            if (bytes.Length > 0)
            {
                body.Write(bytes);
                body.Write("\r\n"u8);
            }
        }

        var offset = 0;
        foreach (var size in c.Sizes.Select(s => Math.Min(s, c.Data.Length - offset)).Where(s => s > 0))
        {
            Chunk(c.Data.AsSpan(offset, size));
            offset += size;
        }

        if (offset < c.Data.Length)
        {
            Chunk(c.Data.AsSpan(offset));
        }

        Chunk([]);
        var trailer = $"{c.Algorithm.HeaderName}:{c.Algorithm.Of(c.Data)}";
        body.Write(Encoding.ASCII.GetBytes(trailer + "\r\n"));
        if (c.Signed)
        {
            var signature = Sign("AWS4-HMAC-SHA256-TRAILER", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(trailer + "\n"))));
            body.Write(Encoding.ASCII.GetBytes($"x-amz-trailer-signature:{signature}\r\n"));
        }

        body.Write("\r\n"u8);
        return body.ToArray();
    }

    private static (byte[]? Data, string? Checksum, ApiException? Error) Decode(Case c, byte[] body)
    {
        var trailer = PayloadTrailer.Parse(c.Algorithm.HeaderName);
        try
        {
            using var decoder = new AwsChunkedStream(new MemoryStream(body), trailer, c.Signed ? Request : null, c.Signed ? Key : null, maxChunkSize: 1 << 20);
            using var data = new MemoryStream();
            var buffer = new byte[c.ReadSize];
            int read;
            while ((read = decoder.Read(buffer, 0, buffer.Length)) > 0)
            {
                data.Write(buffer, 0, read);
            }

            return (data.ToArray(), trailer.Value, null);
        }
        catch (ApiException e)
        {
            return (null, null, e);
        }
    }

    [Fact]
    public void Given_any_data_in_any_chunk_sizes_with_its_trailer_Then_it_decodes_to_the_data_and_the_checksum()
    {
        PropertyRuns.Check(output, "trailer round trip", Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            var (data, checksum, error) = PropertyRuns.Bounded(() => Decode(c, Encode(c)), c);
            Assert.Null(error);
            Assert.Equal(c.Data, data);
            Assert.Equal(c.Algorithm.Of(c.Data), checksum);
        }), 150);
    }

    [Fact]
    public void Given_a_body_with_any_byte_changed_or_cut_short_Then_the_data_or_an_s3_error_never_other_bytes()
    {
        var cases = from c in Cases
                    from position in Gen.Choose(0, int.MaxValue)
                    from flip in Gen.Choose(1, 255)
                    from cut in Gen.Elements(false, false, true)
                    select (c, position, flip, cut);
        var refused = 0;
        var tried = 0;
        PropertyRuns.Check(output, "trailer tampering", Prop.ForAll(cases.ToArbitrary(), t =>
        {
            var encoded = Encode(t.c);
            var at = t.position % encoded.Length;
            var changed = t.cut ? encoded[..at] : (byte[])encoded.Clone();
            if (!t.cut)
            {
                changed[at] ^= (byte)t.flip;
            }

            var (data, checksum, error) = PropertyRuns.Bounded(() => Decode(t.c, changed), $"{t.c}; at {at} ^ {t.flip} cut {t.cut}");
            tried++;
            if (error is null)
            {
                Assert.Equal(t.c.Data, data);
                Assert.Equal(t.c.Algorithm.Of(t.c.Data), checksum);
            }
            else
            {
                refused++;
                Assert.Contains(error.StatusCode, new[] { 400, 403 });
            }
        }), 300);
        output.WriteLine($"{refused} of {tried} changed bodies refused");
        Assert.True(refused > tried * 0.9, $"{refused} of {tried}");
    }

    [Fact]
    public void Given_any_bytes_Then_the_decoder_ends_in_data_or_an_s3_error()
    {
        var junk = Gen.OneOf(
            Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)),
            PropertyRuns.HostileText("0", "10", "ffffffff", "7fffffff", "-1", " 5", ";chunk-signature=", ";x=y", "\r\n", "\r", "\n", new string('a', 64),
                "x-amz-checksum-crc32:", "AAAAAA==", "x-amz-trailer-signature:", ":", "0\r\n\r\n").Select(Encoding.Latin1.GetBytes));
        var cases = from body in junk
                    from signed in Gen.Elements(false, true)
                    from algorithm in Gen.Elements(FlexibleChecksum.All.ToArray())
                    select (body, c: new Case([], [], algorithm, signed, 4096));
        PropertyRuns.Check(output, "trailer junk", Prop.ForAll(cases.ToArbitrary(), t =>
        {
            var (_, _, error) = PropertyRuns.Bounded(() => Decode(t.c, t.body), t.body);
            if (error is not null)
            {
                Assert.Contains(error.StatusCode, new[] { 400, 403 });
            }
        }), 1500);
    }
}
