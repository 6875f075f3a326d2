using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Bench;

/// <summary>
/// Signs one GET and prints its headers for wrk, which cannot sign: SigV4 accepts the same signed
/// request again for 15 minutes, so a benchmark replays it and the load generator does no cryptography.
/// </summary>
internal static class SignedHeaders
{
    public static int Print(Dictionary<string, string> options)
    {
        var signer = new Signer(new Uri(options.Get("url")), options.Get("access-key"), options.Get("secret-key"), options.Get("region", "us-east-1"), options.Get("service", "iam"));
        using var request = signer.NewRequest();
        foreach (var header in request.Headers)
        {
            Console.WriteLine($"{header.Key}: {string.Join(',', header.Value)}");
        }

        return 0;
    }

    /// <summary>SigV4 header signing for a GET without a body, independent of the code under test.</summary>
    private sealed class Signer(Uri url, string accessKey, string secretKey, string region, string service)
    {
        private const string EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        public HttpRequestMessage NewRequest()
        {
            var (amzDate, authorization) = Sign(DateTime.UtcNow);
            var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
            request.Headers.TryAddWithoutValidation("x-amz-content-sha256", EmptyHash);
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
            return request;
        }

        private (string AmzDate, string Authorization) Sign(DateTime now)
        {
            var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            var date = amzDate[..8];
            var query = string.Join('&', url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
            var canonical = $"GET\n{url.AbsolutePath}\n{query}\nhost:{url.Authority}\nx-amz-content-sha256:{EmptyHash}\nx-amz-date:{amzDate}\n\nhost;x-amz-content-sha256;x-amz-date\n{EmptyHash}";
            var scope = $"{date}/{region}/{service}/aws4_request";
            var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
            var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secretKey), Encoding.UTF8.GetBytes(date));
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
            key = HMACSHA256.HashData(key, "aws4_request"u8);
            var signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
            return (amzDate, $"AWS4-HMAC-SHA256 Credential={accessKey}/{scope}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}");
        }
    }
}
