using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Bench;

/// <summary>SigV4 header signing for JSON requests, independent of the code under test (as <see cref="SignedHeaders"/>).</summary>
internal sealed class SigV4Client(HttpClient http, string accessKey, string secretKey, string region = "us-east-1", string service = "ec2")
{
    public async Task<string> SendAsync(HttpMethod method, string pathAndQuery, string? json = null)
    {
        var url = new Uri(http.BaseAddress!, pathAndQuery);
        var body = Encoding.UTF8.GetBytes(json ?? "");
        var bodyHash = Convert.ToHexStringLower(SHA256.HashData(body));
        var amzDate = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        var query = string.Join('&', url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        var canonical = $"{method.Method}\n{url.AbsolutePath}\n{query}\nhost:{url.Authority}\nx-amz-content-sha256:{bodyHash}\nx-amz-date:{amzDate}\n\nhost;x-amz-content-sha256;x-amz-date\n{bodyHash}";
        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secretKey), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        key = HMACSHA256.HashData(key, "aws4_request"u8);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));

        using var request = new HttpRequestMessage(method, url);
        request.Headers.TryAddWithoutValidation("x-amz-date", amzDate);
        request.Headers.TryAddWithoutValidation("x-amz-content-sha256", bodyHash);
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={accessKey}/{scope}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}");
        if (json is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? text : throw new HttpRequestException($"{(int)response.StatusCode} {method} {pathAndQuery}: {text}");
    }
}
