using System.Security.Cryptography;
using System.Text;

namespace Platform.Bench;

/// <summary>
/// The reference point: a bare minimal API that does the cryptographic work of a SigV4 check per
/// request (hash of a canonical request, the four-step key derivation, the signature HMAC) and nothing else.
/// </summary>
internal static class BaselineServer
{
    private static readonly byte[] CanonicalRequest = Encoding.UTF8.GetBytes(
        "GET\n/api/v1/iam/users\n\nhost:127.0.0.1:18080\nx-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n" +
        "x-amz-date:20261125T120000Z\n\nhost;x-amz-content-sha256;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    public static async Task<int> RunAsync(Dictionary<string, string> options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Get("urls"));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/", () =>
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(CanonicalRequest));
            var stringToSign = Encoding.UTF8.GetBytes($"AWS4-HMAC-SHA256\n20261125T120000Z\n20261125/us-east-1/iam/aws4_request\n{hash}");
            var key = HMACSHA256.HashData("AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"u8, "20261125"u8);
            key = HMACSHA256.HashData(key, "us-east-1"u8);
            key = HMACSHA256.HashData(key, "iam"u8);
            key = HMACSHA256.HashData(key, "aws4_request"u8);
            var signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, stringToSign));
            return Results.Text($"{{\"signature\":\"{signature}\"}}", "application/json");
        });
        await app.RunAsync();
        return 0;
    }
}
