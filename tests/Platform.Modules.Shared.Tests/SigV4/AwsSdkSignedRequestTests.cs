using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Platform.Modules.Shared.Authentication.SigV4;
using Platform.Modules.Shared.Payloads;
using Platform.Tests.Common;

namespace Platform.Modules.Shared.Tests.SigV4;

/// <summary>Requests signed by the AWS SDK for .NET's own signers (AWSSDK.Core) verify; altered ones do not.</summary>
public sealed class AwsSdkSignedRequestTests
{
    private const string AccessKey = "AKIAIOSFODNN7EXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    [Theory]
    [InlineData("GET", "/api/v1/iam/users", "", null)]
    [InlineData("GET", "/api/v1/iam/users", "max_items=5&marker=bob", null)]
    [InlineData("POST", "/api/v1/iam/users", "", """{"user_name":"alice"}""")]
    [InlineData("DELETE", "/api/v1/iam/users/alice", "", null)]
    [InlineData("GET", "/api/v1/odd path/ሴ/x", "q=a b&r=1+1&s=ሴ&t=%2F", null)]
    public void Given_a_request_signed_by_the_sdk_Then_it_verifies(string method, string path, string query, string? body)
    {
        var (request, sdkRequest) = Sign(method, path, query, body, "iam", sign: true);
        var parsed = Parse(request, body, new SigV4Options());

        Assert.True(SigV4Verifier.VerifySignature(parsed, SigV4Verifier.DeriveSigningKey(Secret, parsed.Scope)), parsed.CanonicalRequest);
        Assert.Equal(sdkRequest.AWS4SignerResult?.Signature ?? parsed.Signature, parsed.Signature);
        Assert.False(SigV4Verifier.VerifySignature(parsed, SigV4Verifier.DeriveSigningKey(Secret + "x", parsed.Scope)));
    }

    [Fact]
    public void Given_an_s3_style_request_with_unsigned_payload_Then_it_verifies_with_s3_rules()
    {
        var (request, _) = Sign("PUT", "/bucket/photos/my photo.jpg", "", "bytes", "s3", sign: true, unsignedPayload: true);
        var parsed = Parse(request, "bytes", SigV4Options.S3);
        Assert.Equal(SigV4Verifier.UnsignedPayload, parsed.PayloadHash);
        Assert.True(SigV4Verifier.VerifySignature(parsed, SigV4Verifier.DeriveSigningKey(Secret, parsed.Scope)), parsed.CanonicalRequest);
    }

    [Fact]
    public void Given_a_url_presigned_by_the_sdk_Then_it_verifies_and_expires()
    {
        var sdkRequest = NewRequest("GET", "/api/v1/iam/users", "max_items=5", body: null, "iam");
        sdkRequest.Parameters["X-Amz-Expires"] = "300";
        var result = AWS4PreSignedUrlSigner.SignRequest(sdkRequest, AwsSdkSigning.Config("iam"), null, AccessKey, Secret, "iam", "us-east-1");
        var target = $"/api/v1/iam/users?max_items=5&X-Amz-Expires=300&{result.ForQueryParameters}";
        var parsed = SigV4Verifier.Parse(new SigV4HttpRequest("GET", target, [new("Host", "localhost")]), new SigV4Options(), EmptyHash).Request!;

        Assert.Equal(SigV4Form.Query, parsed.Form);
        Assert.True(SigV4Verifier.VerifySignature(parsed, SigV4Verifier.DeriveSigningKey(Secret, parsed.Scope)), parsed.CanonicalRequest);
        Assert.Null(SigV4Verifier.CheckTime(parsed, parsed.RequestTime.AddSeconds(299), new SigV4Options()));
        Assert.Equal("AccessDenied", SigV4Verifier.CheckTime(parsed, parsed.RequestTime.AddSeconds(301), new SigV4Options())?.Code);
    }

    [Fact]
    public void Given_request_times_around_the_allowed_skew_Then_only_beyond_15_minutes_is_refused()
    {
        var (request, _) = Sign("GET", "/api/v1/iam/users", "", null, "iam", sign: true);
        var parsed = Parse(request, null, new SigV4Options());
        Assert.Null(SigV4Verifier.CheckTime(parsed, parsed.RequestTime.AddMinutes(14), new SigV4Options()));
        Assert.Null(SigV4Verifier.CheckTime(parsed, parsed.RequestTime.AddMinutes(-14), new SigV4Options()));
        Assert.Equal("RequestTimeTooSkewed", SigV4Verifier.CheckTime(parsed, parsed.RequestTime.AddMinutes(16), new SigV4Options())?.Code);
        Assert.Equal("RequestTimeTooSkewed", SigV4Verifier.CheckTime(parsed, parsed.RequestTime.AddMinutes(-16), new SigV4Options())?.Code);
    }

    [Theory]
    [InlineData("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fiam%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=604801&X-Amz-SignedHeaders=host&X-Amz-Signature=00", "AuthorizationQueryParametersError")]
    [InlineData("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00", "AuthorizationQueryParametersError")]
    [InlineData("X-Amz-Algorithm=AWS4-HMAC-SHA1&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fiam%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00", "AuthorizationQueryParametersError")]
    public void Given_bad_presign_parameters_Then_AuthorizationQueryParametersError(string query, string code)
    {
        var result = SigV4Verifier.Parse(new SigV4HttpRequest("GET", "/?" + query, [new("Host", "localhost")]), new SigV4Options(), EmptyHash);
        Assert.Equal(code, result.Error?.Code);
        Assert.Equal(400, result.Error?.HttpStatus);
    }

    [Theory]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date", "IncompleteSignature")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/2026/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "AuthorizationHeaderMalformed")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/iam/aws4_request, SignedHeaders=x-amz-date, Signature=00", "IncompleteSignature")]
    [InlineData("AWS AKID:signature", "IncompleteSignature")]
    public void Given_a_malformed_authorization_header_Then_its_AWS_error(string authorization, string code)
    {
        var headers = new List<KeyValuePair<string, string>> { new("Host", "localhost"), new("X-Amz-Date", "20260101T000000Z"), new("Authorization", authorization) };
        var result = SigV4Verifier.Parse(new SigV4HttpRequest("GET", "/", headers), new SigV4Options(), EmptyHash);
        Assert.Equal(code, result.Error?.Code);
    }

    [Theory]
    [InlineData("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==", "AccessDenied")]
    [InlineData("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg==", "AccessDenied")]
    [InlineData("x-amz-meta-added", "after", "AccessDenied")]
    [InlineData("Content-Type", "text/html", null)]
    [InlineData("User-Agent", "anything", null)]
    public void Given_a_header_added_after_signing_Then_only_those_S3_requires_signed_are_refused_in_both_forms(string name, string value, string? code)
    {
        var (signed, _) = Sign("PUT", "/bucket/key", "", "", "s3", sign: true, unsignedPayload: true);
        var headerForm = SigV4Verifier.Parse(signed with { Headers = [.. signed.Headers, new(name, value)] }, SigV4Options.S3, EmptyHash);

        var sdkRequest = NewRequest("PUT", "/bucket/key", "", body: null, "s3");
        sdkRequest.Parameters["X-Amz-Expires"] = "300";
        var presign = AWS4PreSignedUrlSigner.SignRequest(sdkRequest, AwsSdkSigning.Config("s3"), null, AccessKey, Secret, "s3", "us-east-1");
        var queryForm = SigV4Verifier.Parse(new SigV4HttpRequest("PUT", $"/bucket/key?X-Amz-Expires=300&{presign.ForQueryParameters}",
            [new("Host", "localhost"), new(name, value)]), SigV4Options.S3, EmptyHash);

        foreach (var result in new[] { headerForm, queryForm })
        {
            Assert.Equal(code, result.Error?.Code);
            if (code is not null)
            {
                Assert.Equal(403, result.Error!.HttpStatus);
                Assert.EndsWith($"which were not signed: {name.ToLowerInvariant()}", result.Error.Message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Given_no_signature_at_all_Then_the_request_reads_as_unsigned()
    {
        var result = SigV4Verifier.Parse(new SigV4HttpRequest("GET", "/?a=b", [new("Host", "localhost")]), new SigV4Options(), EmptyHash);
        Assert.Null(result.Request);
        Assert.Null(result.Error);
    }

    private static readonly string EmptyHash = Convert.ToHexStringLower(SHA256.HashData([]));

    private static SigV4ParsedRequest Parse(SigV4HttpRequest request, string? body, SigV4Options options)
    {
        var result = SigV4Verifier.Parse(request, options, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body ?? ""))));
        Assert.Null(result.Error);
        return result.Request!;
    }

    private static (SigV4HttpRequest Request, DefaultRequest SdkRequest) Sign(string method, string path, string query, string? body, string service, bool sign, bool unsignedPayload = false)
    {
        var sdkRequest = NewRequest(method, path, query, body, service);
        if (unsignedPayload)
        {
            sdkRequest.DisablePayloadSigning = true;
        }

        if (sign)
        {
            var result = new AWS4Signer().SignRequest(sdkRequest, AwsSdkSigning.Config(service), null, AccessKey, Secret);
            sdkRequest.Headers["Authorization"] = result.ForAuthorizationHeader;
        }

        // The wire form as the SDK itself composes it.
        var uri = AmazonServiceClient.ComposeUrl(sdkRequest);
        var headers = sdkRequest.Headers.Select(h => new KeyValuePair<string, string>(h.Key, h.Value)).ToList();
        var wire = uri.OriginalString[uri.OriginalString.IndexOf('/', "https://".Length)..];
        return (new SigV4HttpRequest(method, wire, headers), sdkRequest);
    }

    private static DefaultRequest NewRequest(string method, string path, string query, string? body, string service) =>
        AwsSdkSigning.NewRequest(method, new Uri("https://localhost/"), path, AwsSdkSigning.DecodeQuery(query),
            body is null ? null : Encoding.UTF8.GetBytes(body), body is null ? null : "application/json", service);
}

/// <summary>Clients that skip AWS's double encoding of the path (curl's --aws-sigv4) still verify.</summary>
public sealed class SingleEncodingClientTests
{
    [Fact]
    public void Given_a_path_signed_without_double_encoding_Then_it_verifies_and_a_changed_path_does_not()
    {
        const string secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        var sdkRequest = AwsSdkSigning.NewRequest("GET", new Uri("https://localhost/"), "/api/v1/iam/users/a+b@c", [], null, null, "iam");
        sdkRequest.UseDoubleEncoding = false;
        var result = new AWS4Signer().SignRequest(sdkRequest, AwsSdkSigning.Config("iam"), null, "AKIAIOSFODNN7EXAMPLE", secret);
        var headers = sdkRequest.Headers.Select(h => new KeyValuePair<string, string>(h.Key, h.Value)).Append(new("Authorization", result.ForAuthorizationHeader)).ToList();
        var hash = Convert.ToHexStringLower(SHA256.HashData([]));

        var uri = AmazonServiceClient.ComposeUrl(sdkRequest).OriginalString;
        var wire = uri[uri.IndexOf('/', "https://".Length)..];
        var parsed = SigV4Verifier.Parse(new SigV4HttpRequest("GET", wire, headers), new SigV4Options(), hash).Request!;
        Assert.NotNull(parsed.StringToSignSingleEncoded);
        Assert.True(SigV4Verifier.VerifySignature(parsed, SigV4Verifier.DeriveSigningKey(secret, parsed.Scope)), $"{wire}\n{parsed.CanonicalRequest}");

        var other = SigV4Verifier.Parse(new SigV4HttpRequest("GET", wire.Replace("c", "d", StringComparison.Ordinal), headers), new SigV4Options(), hash).Request!;
        Assert.False(SigV4Verifier.VerifySignature(other, SigV4Verifier.DeriveSigningKey(secret, other.Scope)));
    }
}

/// <summary>Bodies the AWS SDK itself sends in aws-chunked encoding, each chunk signed (S3 uploads).</summary>
public sealed class AwsChunkedBodyTests
{
    private const string AccessKey = "AKIAIOSFODNN7EXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData((3 * 81920) + 7)]
    public async Task Given_an_sdk_chunked_body_Then_the_payload_reads_back_and_every_signature_checks(int size)
    {
        var payload = RandomNumberGenerator.GetBytes(size);
        var (parsed, body) = SignChunked(payload);
        var key = SigV4Verifier.DeriveSigningKey(Secret, parsed.Scope);
        Assert.Equal(AwsChunkedStream.StreamingPayload, parsed.PayloadHash);
        Assert.True(SigV4Verifier.VerifySignature(parsed, key), parsed.CanonicalRequest);

        using var decoded = new MemoryStream();
        await new AwsChunkedStream(new MemoryStream(body), parsed, key).CopyToAsync(decoded);
        Assert.Equal(payload, decoded.ToArray());
    }

    [Fact]
    public async Task Given_a_chunk_altered_in_transit_Then_SignatureDoesNotMatch_before_its_bytes_are_read()
    {
        var payload = RandomNumberGenerator.GetBytes(100_000);
        var (parsed, body) = SignChunked(payload);
        var key = SigV4Verifier.DeriveSigningKey(Secret, parsed.Scope);
        body[body.Length - 200] ^= 1;

        var error = await Assert.ThrowsAsync<AwsChunkedException>(() => new AwsChunkedStream(new MemoryStream(body), parsed, key).CopyToAsync(Stream.Null));
        Assert.Equal("SignatureDoesNotMatch", error.Code);
    }

    [Theory]
    [InlineData("zz;chunk-signature=00\r\n")]
    [InlineData("10;chunk-signature=00\r\nshort")]
    [InlineData("10")]
    public async Task Given_a_malformed_chunked_body_Then_IncompleteBody(string body)
    {
        var (parsed, _) = SignChunked([1, 2, 3]);
        var error = await Assert.ThrowsAsync<AwsChunkedException>(() =>
            new AwsChunkedStream(new MemoryStream(Encoding.ASCII.GetBytes(body)), parsed, SigV4Verifier.DeriveSigningKey(Secret, parsed.Scope)).CopyToAsync(Stream.Null));
        Assert.Equal("IncompleteBody", error.Code);
    }

    private static (SigV4ParsedRequest Parsed, byte[] Body) SignChunked(byte[] payload)
    {
        var request = AwsSdkSigning.NewRequest("PUT", new Uri("https://localhost/"), "/bucket/key", [], null, null, "s3");
        request.UseChunkEncoding = true;
        request.ContentStream = new MemoryStream(payload);
        request.Headers["x-amz-decoded-content-length"] = payload.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        request.Headers["Content-Encoding"] = "aws-chunked";
        var result = new AWS4Signer().SignRequest(request, AwsSdkSigning.Config("s3"), null, AccessKey, Secret);
        request.Headers["Authorization"] = result.ForAuthorizationHeader;
        using var wrapped = new Amazon.Runtime.Internal.Util.ChunkedUploadWrapperStream(new MemoryStream(payload), 81920, result, CoreChecksumAlgorithm.NONE, new Dictionary<string, string>(), null);
        using var body = new MemoryStream();
        wrapped.CopyTo(body);

        var headers = request.Headers.Select(h => new KeyValuePair<string, string>(h.Key, h.Value)).ToList();
        var parsed = SigV4Verifier.Parse(new SigV4HttpRequest("PUT", "/bucket/key", headers), SigV4Options.S3, payloadHashIfUnsigned: null);
        Assert.Null(parsed.Error);
        return (parsed.Request!, body.ToArray());
    }
}
