using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Platform.Api.Tests.TestEngine;
using Platform.Modules.Shared.Payloads;

namespace Platform.Api.Tests.S3;

/// <summary>
/// pyenv's awscli 1.45 on botocore 1.43, with its default checksums, against the API running as its own process with
/// its S3 listener on TLS (over TLS botocore streams uploads as STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer;
/// over plain HTTP it sends the CRC32 as a header). Copies up and down, single and multipart: the bytes come back
/// identical, the checksums are stored and returned, and botocore checks the ones GetObject returns. And object lock as the
/// CLI's s3api sets it (whose lock calls need the Content-MD5 or checksum botocore adds).
/// </summary>
public sealed class BotocoreEndToEndTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("platform-botocore-").FullName;
    private ApiProcess _api = null!;
    private Dictionary<string, string> _environment = null!;

    public async Task InitializeAsync()
    {
        // A throwaway certificate for 127.0.0.1, trusted by this CLI only (AWS_CA_BUNDLE).
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Path.Combine(_work, "s3.crt");
        var keyPath = Path.Combine(_work, "s3.key");
        await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        _environment = new() { ["AWS_CA_BUNDLE"] = certificatePath };
        _api = await ApiProcess.StartAsync(Path.Combine(_work, "data"), operatorCertificate: (certificatePath, keyPath));
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Given_the_API_on_TLS_When_botocore_copies_with_its_default_checksums_Then_bytes_come_back_identical_and_the_checksums_hold()
    {
        Assert.StartsWith("https://", _api.S3Address.ToString(), StringComparison.Ordinal);
        await AwsAsync("s3", "mb", "s3://botocore");

        // One PUT: an aws-chunked body whose CRC32 comes as a trailer, checked and kept with the object.
        var small = await FileAsync("small.bin", 3 * 1024 * 1024);
        var (_, debug) = await AwsCli.RunAsync(AwsCli.Pyenv, _api, _work, _environment, "s3", "cp", small, "s3://botocore/small.bin", "--debug");
        Assert.Contains("STREAMING-UNSIGNED-PAYLOAD-TRAILER", debug, StringComparison.Ordinal);
        Assert.Contains("x-amz-trailer:x-amz-checksum-crc32\n", debug, StringComparison.Ordinal);
        var head = await HeadAsync("small.bin");
        Assert.Equal(FlexibleChecksum.Crc32.Of(await File.ReadAllBytesAsync(small)), head.GetProperty("ChecksumCRC32").GetString());
        Assert.Equal("FULL_OBJECT", head.GetProperty("ChecksumType").GetString());

        // Down: botocore asks for the checksum (x-amz-checksum-mode) and compares it with the bytes it receives.
        var back = Path.Combine(_work, "small.back");
        (_, debug) = await AwsCli.RunAsync(AwsCli.Pyenv, _api, _work, _environment, "s3", "cp", "s3://botocore/small.bin", back, "--debug");
        Assert.Contains("x-amz-checksum-mode:ENABLED\n", debug, StringComparison.Ordinal);
        Assert.Contains("'x-amz-checksum-crc32': '" + head.GetProperty("ChecksumCRC32").GetString(), debug, StringComparison.Ordinal);
        Assert.Equal(await HashAsync(small), await HashAsync(back));

        // Multipart (above 8 MiB): every part with its CRC32 trailer, the object's CRC32 the COMPOSITE of the parts'.
        var big = await FileAsync("big.bin", 40 * 1024 * 1024);
        await AwsAsync("s3", "cp", big, "s3://botocore/big.bin");
        head = await HeadAsync("big.bin");
        Assert.EndsWith("-5\"", head.GetProperty("ETag").GetString(), StringComparison.Ordinal);
        Assert.Equal("COMPOSITE", head.GetProperty("ChecksumType").GetString());
        var parts = new List<string>();
        await using (var file = File.OpenRead(big))
        {
            var part = new byte[8 * 1024 * 1024];
            int read;
            while ((read = await file.ReadAtLeastAsync(part, part.Length, throwOnEndOfStream: false)) > 0)
            {
                parts.Add(FlexibleChecksum.Crc32.Of(part.AsSpan(0, read)));
            }
        }

        Assert.Equal(FlexibleChecksum.Crc32.Composite(parts), head.GetProperty("ChecksumCRC32").GetString());
        var bigBack = Path.Combine(_work, "big.back");
        await AwsAsync("s3", "cp", "s3://botocore/big.bin", bigBack);
        Assert.Equal(await HashAsync(big), await HashAsync(bigBack));

        // The other algorithms botocore has without the AWS CRT (CRC32C and CRC64NVME need it), through the same trailer.
        foreach (var algorithm in new[] { FlexibleChecksum.Sha1, FlexibleChecksum.Sha256 })
        {
            var key = $"by-{algorithm.Name.ToLowerInvariant()}";
            await AwsAsync("s3api", "put-object", "--bucket", "botocore", "--key", key, "--body", small, "--checksum-algorithm", algorithm.Name);
            Assert.Equal(FlexibleChecksum.FromName(algorithm.Name)!.Of(await File.ReadAllBytesAsync(small)),
                (await HeadAsync(key)).GetProperty("Checksum" + algorithm.Name).GetString());
        }

        await AwsAsync("s3", "rm", "--recursive", "s3://botocore/");
        await AwsAsync("s3", "rb", "s3://botocore");
    }

    [Fact]
    public async Task Given_a_bucket_made_with_object_lock_by_the_CLI_Then_its_default_retention_and_a_legal_hold_reach_an_object_version()
    {
        await AwsAsync("s3api", "create-bucket", "--bucket", "locked", "--object-lock-enabled-for-bucket");
        Assert.Equal("Enabled", Json(await AwsAsync("s3api", "get-bucket-versioning", "--bucket", "locked")).GetProperty("Status").GetString());
        await AwsAsync("s3api", "put-object-lock-configuration", "--bucket", "locked", "--object-lock-configuration",
            """{"ObjectLockEnabled":"Enabled","Rule":{"DefaultRetention":{"Mode":"GOVERNANCE","Days":1}}}""");
        var rule = Json(await AwsAsync("s3api", "get-object-lock-configuration", "--bucket", "locked")).GetProperty("ObjectLockConfiguration");
        Assert.Equal("GOVERNANCE", rule.GetProperty("Rule").GetProperty("DefaultRetention").GetProperty("Mode").GetString());

        // A new version takes the bucket's default retention (a day from its write); a legal hold is set and read back.
        var body = await FileAsync("locked.bin", 1024);
        var version = Json(await AwsAsync("s3api", "put-object", "--bucket", "locked", "--key", "k", "--body", body)).GetProperty("VersionId").GetString()!;
        var retention = Json(await AwsAsync("s3api", "get-object-retention", "--bucket", "locked", "--key", "k", "--version-id", version))
            .GetProperty("Retention");
        Assert.Equal("GOVERNANCE", retention.GetProperty("Mode").GetString());
        var until = DateTimeOffset.Parse(retention.GetProperty("RetainUntilDate").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(until, DateTimeOffset.UtcNow.AddHours(23), DateTimeOffset.UtcNow.AddHours(25));
        await AwsAsync("s3api", "put-object-legal-hold", "--bucket", "locked", "--key", "k", "--version-id", version, "--legal-hold", "Status=ON");
        Assert.Equal("ON", Json(await AwsAsync("s3api", "get-object-legal-hold", "--bucket", "locked", "--key", "k", "--version-id", version))
            .GetProperty("LegalHold").GetProperty("Status").GetString());
    }

    private static JsonElement Json(string output) => JsonDocument.Parse(output).RootElement.Clone();

    private async Task<JsonElement> HeadAsync(string key) =>
        JsonDocument.Parse(await AwsAsync("s3api", "head-object", "--bucket", "botocore", "--key", key, "--checksum-mode", "ENABLED")).RootElement.Clone();

    private async Task<string> AwsAsync(params string[] arguments) => (await AwsCli.RunAsync(AwsCli.Pyenv, _api, _work, _environment, arguments)).Output;

    private async Task<string> FileAsync(string name, int size)
    {
        var path = Path.Combine(_work, name);
        await File.WriteAllBytesAsync(path, RandomNumberGenerator.GetBytes(size));
        return path;
    }

    private static async Task<string> HashAsync(string path)
    {
        await using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file));
    }
}
