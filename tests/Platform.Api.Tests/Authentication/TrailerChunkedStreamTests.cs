using System.Security.Cryptography;
using System.Text;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Payloads;

namespace Platform.Api.Tests.Authentication;

/// <summary>
/// aws-chunked bodies that end in trailers (STREAMING-UNSIGNED-PAYLOAD-TRAILER), framed byte for byte as AWS documents
/// them: the bytes come out whole, the declared checksum is checked and handed on, and each way the trailers can be
/// wrong fails the read with S3's code.
/// </summary>
public sealed class TrailerChunkedStreamTests
{
    private static readonly byte[] Payload = RandomNumberGenerator.GetBytes(200_000);

    [Theory]
    [InlineData("CRC32")]
    [InlineData("CRC32C")]
    [InlineData("CRC64NVME")]
    [InlineData("SHA1")]
    [InlineData("SHA256")]
    public async Task Given_a_body_with_its_checksum_trailer_Then_the_bytes_come_out_and_the_trailer_holds_the_verified_value(string name)
    {
        var algorithm = FlexibleChecksum.FromName(name)!;
        var trailer = PayloadTrailer.Parse(algorithm.HeaderName);
        var read = await ReadAsync(Body(Payload, $"{algorithm.HeaderName}:{algorithm.Of(Payload)}"), trailer);

        Assert.Equal(Payload, read);
        Assert.Same(algorithm, trailer.Checksum);
        Assert.Equal(algorithm.Of(Payload), trailer.Value);
    }

    [Fact]
    public async Task Given_a_checksum_trailer_that_does_not_match_the_bytes_Then_the_read_fails_with_BadDigest_and_no_value_is_handed_on()
    {
        var trailer = PayloadTrailer.Parse("x-amz-checksum-crc64nvme");
        var wrong = FlexibleChecksum.Crc64Nvme.Of(Payload.AsSpan(1));
        var error = await Assert.ThrowsAsync<ApiException>(() => ReadAsync(Body(Payload, $"x-amz-checksum-crc64nvme:{wrong}"), trailer));

        Assert.Equal(400, error.StatusCode);
        Assert.Equal("BadDigest", error.Code);
        Assert.Equal("The CRC64NVME you specified did not match the calculated checksum.", error.Message);
        Assert.Null(trailer.Value);
    }

    [Theory]
    [InlineData("x-amz-checksum-crc32", "", "MalformedTrailerError")]
    [InlineData("x-amz-checksum-crc32", "x-amz-checksum-sha256:{sha256}", "MalformedTrailerError")]
    [InlineData("", "x-amz-checksum-crc32:{crc32}", "MalformedTrailerError")]
    [InlineData("x-amz-checksum-crc32", "x-amz-checksum-crc32 {crc32}", "MalformedTrailerError")]
    [InlineData("x-amz-checksum-crc32", "x-amz-checksum-crc32:{crc32}\r\nx-amz-checksum-crc32:{crc32}", "MalformedTrailerError")]
    [InlineData("x-amz-checksum-crc32", "x-amz-checksum-crc32:AAAA", "InvalidRequest")]
    public async Task Given_trailers_other_than_declared_Then_the_read_fails_with_S3s_code(string declared, string trailers, string code)
    {
        var filled = trailers.Replace("{crc32}", FlexibleChecksum.Crc32.Of(Payload), StringComparison.Ordinal)
            .Replace("{sha256}", FlexibleChecksum.Sha256.Of(Payload), StringComparison.Ordinal);
        var error = await Assert.ThrowsAsync<ApiException>(() => ReadAsync(Body(Payload, filled), PayloadTrailer.Parse(declared)));

        Assert.Equal(400, error.StatusCode);
        Assert.Equal(code, error.Code);
    }

    [Theory]
    [InlineData("x-amz-checksum-crc32,x-amz-checksum-sha1", "Expecting a single x-amz-checksum- header")]
    [InlineData("x-amz-checksum-md5", "The value specified in the x-amz-trailer header is not supported")]
    public void Given_an_x_amz_trailer_S3_refuses_Then_InvalidRequest(string declared, string message)
    {
        var error = Assert.Throws<ApiException>(() => PayloadTrailer.Parse(declared));
        Assert.Equal("InvalidRequest", error.Code);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public async Task Given_no_trailer_declared_nor_sent_Then_the_bytes_come_out_with_no_checksum()
    {
        var trailer = PayloadTrailer.Parse(null);
        Assert.Equal(Payload, await ReadAsync(Body(Payload, ""), trailer));
        Assert.Null(trailer.Checksum);
        Assert.Null(trailer.Value);
    }

    [Fact]
    public async Task Given_a_body_cut_inside_a_chunk_Then_IncompleteBody()
    {
        var body = Body(Payload, "x-amz-checksum-crc32:" + FlexibleChecksum.Crc32.Of(Payload));
        var error = await Assert.ThrowsAsync<AwsChunkedException>(() => ReadAsync(body[..5000], PayloadTrailer.Parse("x-amz-checksum-crc32")));
        Assert.Equal("IncompleteBody", error.Code);
    }

    private static async Task<byte[]> ReadAsync(byte[] body, PayloadTrailer trailer)
    {
        await using var stream = new AwsChunkedStream(new MemoryStream(body), trailer);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, 7000);
        return copy.ToArray();
    }

    /// <summary>STREAMING-UNSIGNED-PAYLOAD-TRAILER framing: 64 KiB chunks, the final zero chunk, the trailer lines, an empty line.</summary>
    private static byte[] Body(byte[] payload, string trailers)
    {
        using var body = new MemoryStream();
        for (var offset = 0; offset < payload.Length; offset += 65536)
        {
            var size = Math.Min(65536, payload.Length - offset);
            body.Write(Encoding.ASCII.GetBytes($"{size:x}\r\n"));
            body.Write(payload, offset, size);
            body.Write("\r\n"u8);
        }

        body.Write("0\r\n"u8);
        if (trailers.Length > 0)
        {
            body.Write(Encoding.ASCII.GetBytes(trailers + "\r\n"));
        }

        body.Write("\r\n"u8);
        return body.ToArray();
    }
}
