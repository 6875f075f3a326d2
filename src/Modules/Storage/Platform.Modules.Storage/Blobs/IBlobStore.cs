namespace Platform.Modules.Storage.Blobs;

/// <summary>What a finished write produced: the blob's id, its length and its digests (the S3 ETag is the MD5).</summary>
/// <param name="Sha256Hex">Only when asked for: S3 checks the SHA-256 as the body arrives, so the store need not hash twice.</param>
internal sealed record BlobWritten(string BlobId, long Length, string Md5Hex, string? Sha256Hex);

/// <summary>
/// Object bytes, addressed by an id the store chooses. Written whole or not at all: a blob is visible only
/// after its bytes are durable, so metadata may point at it; an overwrite writes a new blob and swaps the
/// pointer, so a reader sees the old object or the new one, never a mix.
/// </summary>
internal interface IBlobStore
{
    /// <param name="expectedLength">The length the client declared; a body that ends early or runs long is refused and leaves nothing.</param>
    Task<BlobWritten> WriteAsync(Stream content, long? expectedLength, CancellationToken cancellationToken, bool computeSha256 = false);

    /// <summary>The blob's bytes from <paramref name="offset"/>; null when no such blob exists.</summary>
    Stream? OpenRead(string blobId, long offset = 0);

    void Delete(string blobId);

    /// <summary>Removes writes that never finished (a crash mid-upload) and are older than the cutoff.</summary>
    int ReclaimUnfinished(DateTimeOffset olderThan);

    /// <summary>Every finished blob last written before the cutoff, with its length, for the orphan sweep.</summary>
    IEnumerable<(string BlobId, long Length)> ListFinished(DateTimeOffset olderThan);
}
