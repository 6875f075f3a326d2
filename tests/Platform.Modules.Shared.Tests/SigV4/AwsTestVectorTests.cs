using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Platform.Modules.Shared.Authentication.SigV4;

namespace Platform.Modules.Shared.Tests.SigV4;

/// <summary>
/// AWS's published SigV4 vectors (awslabs/aws-c-auth, Apache-2.0, copied under TestData): every signed
/// request verifies at its timestamp, in both forms, and fails with one byte changed.
/// </summary>
public sealed class AwsTestVectorTests
{
    private static readonly string Suite = Path.Combine(AppContext.BaseDirectory, "TestData", "aws-signing-test-suite", "v4");

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var directory in Directory.GetDirectories(Suite).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(directory), "header");
            data.Add(Path.GetFileName(directory), "query");
        }

        return data;
    }

    [Fact]
    public void The_suite_has_all_38_cases()
    {
        Assert.Equal(38, Directory.GetDirectories(Suite).Length);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Given_a_vector_Then_canonical_request_and_string_to_sign_match_and_the_signature_verifies(string name, string form)
    {
        var vector = Vector.Load(name, form);
        var parsed = vector.Parse();

        if (vector.TokenAppendedAfterSigning && form == "query")
        {
            // The client signed first and appended X-Amz-Security-Token after: the signature covers the rest.
            Assert.Equal(vector.File("canonical-request.txt"), parsed.CanonicalRequestWithoutSessionToken);
            Assert.Equal(vector.File("string-to-sign.txt"), parsed.StringToSignWithoutSessionToken);
        }
        else
        {
            Assert.Equal(vector.File("canonical-request.txt"), parsed.CanonicalRequest);
            Assert.Equal(vector.File("string-to-sign.txt"), parsed.StringToSign);
        }

        Assert.Equal(form == "header" ? SigV4Form.Header : SigV4Form.Query, parsed.Form);
        Assert.Equal(vector.AccessKeyId, parsed.AccessKeyId);
        Assert.True(SigV4Verifier.VerifySignature(parsed, SigV4Verifier.DeriveSigningKey(vector.SecretAccessKey, parsed.Scope)));
        Assert.Equal(vector.File("signature.txt"), parsed.Signature);
        Assert.Null(SigV4Verifier.CheckTime(parsed, vector.Timestamp.AddMinutes(1), new SigV4Options()));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Given_a_vector_with_one_byte_changed_Then_the_signature_fails(string name, string form)
    {
        var vector = Vector.Load(name, form);
        var key = SigV4Verifier.DeriveSigningKey(vector.SecretAccessKey, vector.Parse().Scope);

        var otherSignature = vector.Parse(request => request with
        {
            RawTarget = request.RawTarget.Replace("X-Amz-Signature=" + vector.File("signature.txt"), "X-Amz-Signature=" + Flip(vector.File("signature.txt")), StringComparison.Ordinal),
            Headers = request.Headers.Select(h => h.Key == "Authorization" ? new KeyValuePair<string, string>(h.Key, Flip(h.Value)) : h).ToList(),
        });
        Assert.False(SigV4Verifier.VerifySignature(otherSignature, key));

        var otherHost = vector.Parse(request => request with
        {
            Headers = request.Headers.Select(h => h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase) ? new KeyValuePair<string, string>(h.Key, "examplf.amazonaws.com") : h).ToList(),
        });
        Assert.False(SigV4Verifier.VerifySignature(otherHost, key));

        var otherPath = vector.Parse(request => request with { RawTarget = "/x" + request.RawTarget });
        Assert.False(SigV4Verifier.VerifySignature(otherPath, key));

        Assert.False(SigV4Verifier.VerifySignature(vector.Parse(), SigV4Verifier.DeriveSigningKey(Flip(vector.SecretAccessKey), vector.Parse().Scope)));
    }

    /// <summary>Changes the last character: the smallest change that must break a signature.</summary>
    private static string Flip(string value) => value[..^1] + (value[^1] == 'a' ? 'b' : 'a');

    private sealed record Vector(string Directory, string Form, string AccessKeyId, string SecretAccessKey, bool Normalize, DateTimeOffset Timestamp,
        bool TokenAppendedAfterSigning)
    {
        public static Vector Load(string name, string form)
        {
            var directory = Path.Combine(Suite, name);
            using var context = JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(directory, "context.json")));
            var root = context.RootElement;
            var credentials = root.GetProperty("credentials");
            return new Vector(directory, form, credentials.GetProperty("access_key_id").GetString()!, credentials.GetProperty("secret_access_key").GetString()!,
                root.GetProperty("normalize").GetBoolean(), DateTimeOffset.Parse(root.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                root.TryGetProperty("omit_session_token", out var omit) && omit.GetBoolean());
        }

        public string File(string suffix) => System.IO.File.ReadAllText(Path.Combine(Directory, $"{Form}-{suffix}"));

        public SigV4ParsedRequest Parse(Func<SigV4HttpRequest, SigV4HttpRequest>? change = null)
        {
            var (request, body) = ParseHttp(File("signed-request.txt"));
            request = change?.Invoke(request) ?? request;
            var result = SigV4Verifier.Parse(request, new SigV4Options { NormalizePath = Normalize }, Convert.ToHexStringLower(SHA256.HashData(body)));
            Assert.Null(result.Error);
            return result.Request ?? throw new Xunit.Sdk.XunitException("the request was read as unsigned");
        }

        /// <summary>Reads the suite's HTTP text: request line, headers (indented lines continue the previous one), blank line, body.</summary>
        private static (SigV4HttpRequest Request, byte[] Body) ParseHttp(string text)
        {
            var lines = text.Split('\n');
            var requestLine = lines[0];
            var method = requestLine[..requestLine.IndexOf(' ', StringComparison.Ordinal)];
            var target = requestLine[(method.Length + 1)..requestLine.LastIndexOf(' ')];
            var headers = new List<KeyValuePair<string, string>>();
            var index = 1;
            for (; index < lines.Length && lines[index].Length > 0; index++)
            {
                var line = lines[index];
                if (char.IsWhiteSpace(line[0]))
                {
                    var last = headers[^1];
                    headers[^1] = new(last.Key, last.Value + "\n" + line);
                    continue;
                }

                var colon = line.IndexOf(':', StringComparison.Ordinal);
                headers.Add(new(line[..colon], line[(colon + 1)..]));
            }

            var body = index + 1 < lines.Length ? string.Join('\n', lines[(index + 1)..]) : "";
            return (new SigV4HttpRequest(method, target, headers), Encoding.UTF8.GetBytes(body));
        }
    }
}
