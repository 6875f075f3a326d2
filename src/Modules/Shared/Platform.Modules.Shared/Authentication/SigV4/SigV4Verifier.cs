using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Modules.Shared.Authentication.SigV4;

/// <summary>
/// Verifies AWS Signature Version 4 (AWS4-HMAC-SHA256), header and presigned forms. Parsing builds the
/// canonical request and string to sign; the caller looks up the key and calls <see cref="VerifySignature"/>.
/// </summary>
public static class SigV4Verifier
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";
    public const int MaxPresignSeconds = 604800;
    private const string AmzDateFormat = "yyyyMMdd'T'HHmmss'Z'";

    public static SigV4ParseResult Parse(SigV4HttpRequest request, SigV4Options options, string? payloadHashIfUnsigned)
    {
        var question = request.RawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? request.RawTarget : request.RawTarget[..question];
        var query = SigV4Canonical.ParseQuery(question < 0 ? "" : request.RawTarget[(question + 1)..]);
        var headers = GroupHeaders(request.Headers);

        if (headers.TryGetValue("authorization", out var authorization))
        {
            return ParseHeaderForm(request.Method, path, query, headers, string.Join(',', authorization), options, payloadHashIfUnsigned);
        }

        return query.Any(p => p.Key == "X-Amz-Algorithm")
            ? ParseQueryForm(request.Method, path, query, headers, options, payloadHashIfUnsigned)
            : SigV4ParseResult.NoSignature;
    }

    /// <summary>kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").</summary>
    public static byte[] DeriveSigningKey(string secretAccessKey, SigV4Scope scope)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), Encoding.UTF8.GetBytes(scope.Date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(scope.Region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(scope.Service));
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    public static SigV4Error? CheckTime(SigV4ParsedRequest parsed, DateTimeOffset now, SigV4Options options)
    {
        if (parsed.Form == SigV4Form.Header)
        {
            return (now - parsed.RequestTime).Duration() > options.MaxClockSkew
                ? new SigV4Error("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", 403)
                : null;
        }

        if (parsed.RequestTime - now > options.MaxClockSkew)
        {
            return new SigV4Error("AccessDenied", "Request is not valid yet", 403);
        }

        return now > parsed.RequestTime + parsed.Expires!.Value ? new SigV4Error("AccessDenied", "Request has expired", 403) : null;
    }

    /// <summary>Compares in constant time, so the response time tells nothing of how much of a guess was right.</summary>
    public static bool VerifySignature(SigV4ParsedRequest parsed, ReadOnlySpan<byte> signingKey)
    {
        return Matches(parsed.StringToSign, parsed.Signature, signingKey)
            | (parsed.StringToSignWithoutSessionToken is { } withoutToken && Matches(withoutToken, parsed.Signature, signingKey))
            | (parsed.StringToSignSingleEncoded is { } singleEncoded && Matches(singleEncoded, parsed.Signature, signingKey));
    }

    /// <summary>As <see cref="VerifySignature"/>, but a presigned URL's session token must be among what was signed.</summary>
    public static bool VerifySignatureWithToken(SigV4ParsedRequest parsed, ReadOnlySpan<byte> signingKey) =>
        Matches(parsed.StringToSign, parsed.Signature, signingKey)
        | (parsed.StringToSignSingleEncoded is { } singleEncoded && Matches(singleEncoded, parsed.Signature, signingKey));

    private static bool Matches(string stringToSign, string signature, ReadOnlySpan<byte> signingKey)
    {
        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign), expected);
        Span<byte> expectedHex = stackalloc byte[64];
        for (var i = 0; i < expected.Length; i++)
        {
            expectedHex[2 * i] = (byte)HexLower[expected[i] >> 4];
            expectedHex[(2 * i) + 1] = (byte)HexLower[expected[i] & 0xF];
        }

        var given = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expectedHex, given);
    }

    private static SigV4ParseResult ParseHeaderForm(string method, string path, List<KeyValuePair<string, string>> query,
        Dictionary<string, List<string>> headers, string authorization, SigV4Options options, string? payloadHashIfUnsigned)
    {
        if (!authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            return SigV4ParseResult.Fail("IncompleteSignature", $"Unsupported authorization type; only {Algorithm} is accepted.");
        }

        string? credential = null, signedHeaders = null, signature = null;
        foreach (var part in authorization[(Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var (name, value) = equals < 0 ? (part, "") : (part[..equals], part[(equals + 1)..]);
            switch (name)
            {
                case "Credential": credential = value; break;
                case "SignedHeaders": signedHeaders = value; break;
                case "Signature": signature = value; break;
                default:
                    return SigV4ParseResult.Fail("IncompleteSignature", $"Authorization header contains an unknown component '{name}'.");
            }
        }

        var missing = new[] { ("Credential", credential), ("SignedHeaders", signedHeaders), ("Signature", signature) }
            .Where(c => string.IsNullOrEmpty(c.Item2)).Select(c => $"Authorization header requires '{c.Item1}' parameter.").ToList();
        if (missing.Count > 0)
        {
            return SigV4ParseResult.Fail("IncompleteSignature", string.Join(' ', missing) + $" Authorization={authorization}");
        }

        if (!TryParseCredential(credential!, out var accessKeyId, out var scope))
        {
            return SigV4ParseResult.Fail("AuthorizationHeaderMalformed",
                "The authorization header is malformed; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
        }

        DateTimeOffset requestTime;
        string amzDate;
        if (headers.TryGetValue("x-amz-date", out var amzDates))
        {
            amzDate = amzDates[0].Trim();
            if (!TryParseAmzDate(amzDate, out requestTime))
            {
                return SigV4ParseResult.Fail("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header", 403);
            }
        }
        else if (headers.TryGetValue("date", out var dates)
            && DateTimeOffset.TryParseExact(dates[0].Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out requestTime))
        {
            amzDate = requestTime.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture);
        }
        else
        {
            return SigV4ParseResult.Fail("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header", 403);
        }

        if (scope.Date != amzDate[..8])
        {
            return SigV4ParseResult.Fail("AuthorizationHeaderMalformed",
                $"The authorization header is malformed; Invalid credential date \"{scope.Date}\". This date is not the same as X-Amz-Date: \"{amzDate[..8]}\".");
        }

        var signedNames = signedHeaders!.Split(';');
        if (Array.IndexOf(signedNames, "host") < 0)
        {
            return SigV4ParseResult.Fail("IncompleteSignature", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
        }

        string payloadHash;
        if (headers.TryGetValue("x-amz-content-sha256", out var declared))
        {
            payloadHash = declared[0].Trim();
        }
        else
        {
            payloadHash = payloadHashIfUnsigned
                ?? throw new ArgumentException("The body's hash is needed when x-amz-content-sha256 is absent.", nameof(payloadHashIfUnsigned));
        }

        var sessionToken = headers.TryGetValue("x-amz-security-token", out var tokens) ? tokens[0] : null;
        return Build(SigV4Form.Header, method, path, query, headers, signedNames, accessKeyId, scope, requestTime, amzDate,
            signature!, expires: null, payloadHash, sessionToken, options);
    }

    private static SigV4ParseResult ParseQueryForm(string method, string path, List<KeyValuePair<string, string>> query,
        Dictionary<string, List<string>> headers, SigV4Options options, string? payloadHashIfUnsigned)
    {
        string? Get(string name) => query.FirstOrDefault(p => p.Key == name).Value;

        var algorithm = Get("X-Amz-Algorithm");
        var credential = Get("X-Amz-Credential");
        var amzDate = Get("X-Amz-Date");
        var expiresText = Get("X-Amz-Expires");
        var signedHeaders = Get("X-Amz-SignedHeaders");
        var signature = Get("X-Amz-Signature");
        if (algorithm != Algorithm)
        {
            return SigV4ParseResult.Fail("AuthorizationQueryParametersError", $"X-Amz-Algorithm only supports \"{Algorithm}\"");
        }

        if (string.IsNullOrEmpty(credential) || string.IsNullOrEmpty(amzDate) || string.IsNullOrEmpty(expiresText)
            || string.IsNullOrEmpty(signedHeaders) || string.IsNullOrEmpty(signature))
        {
            return SigV4ParseResult.Fail("AuthorizationQueryParametersError",
                "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
        }

        if (!TryParseCredential(credential, out var accessKeyId, out var scope))
        {
            return SigV4ParseResult.Fail("AuthorizationQueryParametersError",
                "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
        }

        if (!TryParseAmzDate(amzDate, out var requestTime))
        {
            return SigV4ParseResult.Fail("AuthorizationQueryParametersError", "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
        }

        if (!int.TryParse(expiresText, NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || expires < 1)
        {
            return SigV4ParseResult.Fail("AuthorizationQueryParametersError", "X-Amz-Expires should be a number");
        }

        if (expires > MaxPresignSeconds)
        {
            return SigV4ParseResult.Fail("AuthorizationQueryParametersError", $"X-Amz-Expires must be less than a week (in seconds) that is {MaxPresignSeconds}");
        }

        if (scope.Date != amzDate[..8])
        {
            return SigV4ParseResult.Fail("AuthorizationQueryParametersError",
                $"Invalid credential date \"{scope.Date}\". This date is not the same as X-Amz-Date: \"{amzDate[..8]}\".");
        }

        var signedNames = signedHeaders.Split(';');
        if (Array.IndexOf(signedNames, "host") < 0)
        {
            return SigV4ParseResult.Fail("AuthorizationQueryParametersError", "'Host' must be a 'SignedHeader' in the AWS Authorization.");
        }

        var payloadHash = headers.TryGetValue("x-amz-content-sha256", out var declared) ? declared[0].Trim()
            : options.PresignedPayloadIsUnsigned ? UnsignedPayload
            : payloadHashIfUnsigned ?? throw new ArgumentException("The body's hash is needed for a presigned request outside S3.", nameof(payloadHashIfUnsigned));
        var unsignedQuery = query.Where(p => p.Key != "X-Amz-Signature").ToList();
        return Build(SigV4Form.Query, method, path, unsignedQuery, headers, signedNames, accessKeyId, scope, requestTime, amzDate,
            signature, TimeSpan.FromSeconds(expires), payloadHash, Get("X-Amz-Security-Token"), options);
    }

    private static SigV4ParseResult Build(SigV4Form form, string method, string path, List<KeyValuePair<string, string>> query,
        Dictionary<string, List<string>> headers, string[] signedNames, string accessKeyId, SigV4Scope scope, DateTimeOffset requestTime,
        string amzDate, string signature, TimeSpan? expires, string payloadHash, string? sessionToken, SigV4Options options)
    {
        var sortedNames = signedNames.Select(n => n.ToLowerInvariant()).Order(StringComparer.Ordinal).ToArray();
        // Every x-amz-* header the server obeys must be covered: one added after signing (x-amz-copy-source on a presigned
        // PUT, x-amz-meta-*) would otherwise change what a signed request does. S3 refuses such a request the same way.
        // The session token is the exception AWS's own vectors make (sts-header-after): it is a credential checked with
        // the key, not an instruction.
        if (headers.Keys.Where(name => MustBeSigned(name) && Array.BinarySearch(sortedNames, name, StringComparer.Ordinal) < 0)
                .Order(StringComparer.Ordinal).ToList() is { Count: > 0 } unsigned)
        {
            return SigV4ParseResult.Fail("AccessDenied", $"There were headers present in the request which were not signed: {string.Join(", ", unsigned)}", 403);
        }

        var withoutToken = form == SigV4Form.Query && sessionToken is not null
            ? CanonicalRequest(method, path, query.Where(p => p.Key != "X-Amz-Security-Token").ToList(), headers, sortedNames, payloadHash, options)
            : null;
        var canonicalUri = SigV4Canonical.Uri(path, options.NormalizePath);
        var canonicalRequest = CanonicalRequest(method, path, query, headers, sortedNames, payloadHash, options, canonicalUri);
        var singleEncoded = options.NormalizePath && path.Length > 0 && path != canonicalUri
            ? CanonicalRequest(method, path, query, headers, sortedNames, payloadHash, options, canonicalUriOverride: path)
            : null;
        return new SigV4ParseResult(new SigV4ParsedRequest
        {
            Form = form,
            AccessKeyId = accessKeyId,
            Scope = scope,
            RequestTime = requestTime,
            SignedHeaders = sortedNames,
            Signature = signature.ToLowerInvariant(),
            Expires = expires,
            PayloadHash = payloadHash,
            SessionToken = sessionToken,
            CanonicalRequest = canonicalRequest,
            StringToSign = StringToSign(amzDate, scope, canonicalRequest),
            CanonicalRequestWithoutSessionToken = withoutToken,
            StringToSignWithoutSessionToken = withoutToken is null ? null : StringToSign(amzDate, scope, withoutToken),
            StringToSignSingleEncoded = singleEncoded is null ? null : StringToSign(amzDate, scope, singleEncoded),
        }, null);
    }

    /// <summary>
    /// The headers S3 requires in the signature when present, in both forms: every x-amz-* but the session token, and
    /// Content-MD5 (S3 answers an unsigned one with AccessDenied, HeadersNotSigned content-md5, presigned URLs included).
    /// Content-Type is not among them: S3 takes an unsigned one on a presigned PUT, which is how browsers upload to one.
    /// </summary>
    public static bool MustBeSigned(string lowerCaseName) =>
        (lowerCaseName.StartsWith("x-amz-", StringComparison.Ordinal) && lowerCaseName != "x-amz-security-token") || lowerCaseName == "content-md5";

    private static string CanonicalRequest(string method, string path, List<KeyValuePair<string, string>> query,
        Dictionary<string, List<string>> headers, string[] sortedNames, string payloadHash, SigV4Options options, string? canonicalUriOverride = null)
    {
        var canonical = new StringBuilder(512)
            .Append(method).Append('\n')
            .Append(canonicalUriOverride ?? SigV4Canonical.Uri(path, options.NormalizePath)).Append('\n')
            .Append(SigV4Canonical.Query(query)).Append('\n');
        foreach (var name in sortedNames)
        {
            var values = headers.TryGetValue(name, out var found) ? found : [];
            canonical.Append(name).Append(':').AppendJoin(',', values.Select(SigV4Canonical.HeaderValue)).Append('\n');
        }

        return canonical.Append('\n').AppendJoin(';', sortedNames).Append('\n').Append(payloadHash).ToString();
    }

    private static string StringToSign(string amzDate, SigV4Scope scope, string canonicalRequest) =>
        $"{Algorithm}\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";

    private static bool TryParseCredential(string credential, out string accessKeyId, out SigV4Scope scope)
    {
        var parts = credential.Split('/');
        accessKeyId = parts[0];
        scope = parts.Length == 5 ? new SigV4Scope(parts[1], parts[2], parts[3]) : new SigV4Scope("", "", "");
        return parts.Length == 5 && parts[0].Length > 0 && parts[1].Length == 8 && parts[1].All(char.IsAsciiDigit)
            && parts[2].Length > 0 && parts[3].Length > 0 && parts[4] == "aws4_request";
    }

    private static bool TryParseAmzDate(string value, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(value, AmzDateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    private static Dictionary<string, List<string>> GroupHeaders(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var grouped = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            var key = name.ToLowerInvariant();
            if (!grouped.TryGetValue(key, out var values))
            {
                grouped[key] = values = [];
            }

            values.Add(value);
        }

        return grouped;
    }

    private const string HexLower = "0123456789abcdef";
}
