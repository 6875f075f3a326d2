using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Security;
using Platform.Modules.Storage.Blobs;
using Platform.Modules.Storage.Objects;

namespace Platform.Modules.Storage.Tests.Objects;

public sealed class ObjectBytesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("object-bytes-").FullName;
    private readonly ObjectBytes _bytes;
    private readonly FileSystemBlobStore _store;

    public ObjectBytesTests()
    {
        _store = new FileSystemBlobStore(_root);
        var protector = new AesGcmSecretProtector(Options.Create(new PlatformOptions
        {
            DataDirectory = _root, MasterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        }));
        _bytes = new ObjectBytes(_store, protector);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Given_segments_plain_or_sealed_When_any_range_is_read_Then_exactly_those_bytes_come_back(bool encrypt)
    {
        var first = RandomNumberGenerator.GetBytes(200_000);
        var second = RandomNumberGenerator.GetBytes(70_000);
        var a = await _bytes.WriteAsync(new MemoryStream(first), first.Length, encrypt, CancellationToken.None);
        var b = await _bytes.WriteAsync(new MemoryStream(second), second.Length, encrypt, CancellationToken.None);
        var whole = first.Concat(second).ToArray();
        Assert.Equal(Convert.ToHexStringLower(Md5(first)), a.Md5Hex);
        Assert.Equal(encrypt, a.Segment.WrappedKey is not null);

        foreach (var (offset, length) in new[] { (0L, whole.Length), (0, 1), (65_535, 2), (65_536, 65_536), (199_990, 20), (131_000, 100_000), (whole.Length - 1, 1) })
        {
            await using var range = _bytes.OpenRange([a.Segment, b.Segment], offset, length)!;
            using var read = new MemoryStream();
            await range.CopyToAsync(read);
            Assert.Equal(whole.AsSpan((int)offset, (int)length).ToArray(), read.ToArray());
        }
    }

    [Fact]
    public async Task Given_a_sealed_blob_Then_its_stored_length_is_the_frames_and_tags_and_no_plaintext_is_on_disk()
    {
        var plain = new byte[150_000];
        Array.Fill(plain, (byte)'p');
        var written = await _bytes.WriteAsync(new MemoryStream(plain), plain.Length, encrypt: true, CancellationToken.None);
        var file = Directory.EnumerateFiles(Path.Combine(_root, "blobs"), written.Segment.BlobId, SearchOption.AllDirectories).Single();
        Assert.Equal(SseS3.SealedLength(plain.Length), new FileInfo(file).Length);
        Assert.True(File.ReadAllBytes(file).AsSpan().IndexOf(plain.AsSpan(0, 64)) < 0);
    }

    [Fact]
    public async Task Given_a_deleted_blob_When_opened_Then_null_tells_the_caller_to_read_the_metadata_again()
    {
        var written = await _bytes.WriteAsync(new MemoryStream([1, 2, 3]), 3, encrypt: false, CancellationToken.None);
        _bytes.Delete([written.Segment]);
        Assert.Null(_bytes.OpenRange([written.Segment], 0, 3));
    }

    [Theory]
    [InlineData("bytes=0-0", 0, 1)]
    [InlineData("bytes=10-", 10, 90)]
    [InlineData("bytes=-10", 90, 10)]
    [InlineData("bytes=50-500", 50, 50)]
    [InlineData("bytes=-500", 0, 100)]
    public void Given_a_range_header_Then_the_offset_and_length_are_S3s(string header, long offset, long length)
    {
        Assert.Equal((offset, length, true), ByteRange.Resolve(header, 100));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("bytes=5-1")]
    [InlineData("items=0-1")]
    [InlineData("bytes=0-1,5-6")]
    public void Given_no_usable_range_Then_the_whole_object(string? header)
    {
        Assert.Equal((0L, 100L, false), ByteRange.Resolve(header, 100));
    }

    [Fact]
    public void Given_a_range_past_the_end_Then_InvalidRange()
    {
        Assert.Equal("InvalidRange", Assert.Throws<ApiException>(() => ByteRange.Resolve("bytes=100-", 100)).Code);
    }

    private static byte[] Md5(byte[] data)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        md5.AppendData(data);
        return md5.GetHashAndReset();
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
