using System.Globalization;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Platform.Modules.Storage.S3;

namespace Platform.Modules.Storage.Cors;

/// <summary>One CORSRule: who (origins), what (methods, request headers) a browser may send, what it may read back and for how long.</summary>
internal sealed record CorsRule(string? Id, IReadOnlyList<string> AllowedOrigins, IReadOnlyList<string> AllowedMethods,
    IReadOnlyList<string> AllowedHeaders, IReadOnlyList<string> ExposeHeaders, int? MaxAgeSeconds)
{
    /// <summary>
    /// Whether the rule lets this origin send this method with these request headers, by S3's matching: an AllowedOrigin
    /// or AllowedHeader may hold one '*' standing for any text; origins compare as sent, headers ignoring case; methods exactly.
    /// </summary>
    public bool Allows(string origin, string method, IReadOnlyList<string> requestHeaders) =>
        AllowedOrigins.Any(o => CorsConfiguration.WildcardMatch(o, origin, StringComparison.Ordinal))
        && AllowedMethods.Contains(method, StringComparer.Ordinal)
        && requestHeaders.All(h => AllowedHeaders.Any(a => CorsConfiguration.WildcardMatch(a, h, StringComparison.OrdinalIgnoreCase)));

    /// <summary>A rule that allows any origin answers "*" (and no credentials); one that names the origin echoes it.</summary>
    public bool AnyOrigin => AllowedOrigins.Contains("*", StringComparer.Ordinal);
}

/// <summary>
/// A bucket's CORS configuration: PutBucketCors' &lt;CORSConfiguration&gt; checked as S3 checks it (1 to 100 rules, each with an
/// AllowedOrigin and an AllowedMethod of GET, PUT, POST, DELETE or HEAD; one '*' at most in an origin or allowed header, none in
/// an expose header; an ID of 255 characters at most), kept as JSON, written back as GetBucketCors' answer.
/// </summary>
internal sealed record CorsConfiguration(IReadOnlyList<CorsRule> Rules)
{
    public const int MaxRules = 100;

    private static readonly string[] Methods = ["GET", "PUT", "POST", "DELETE", "HEAD"];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static CorsConfiguration Parse(XElement root)
    {
        if (root.Name.LocalName != "CORSConfiguration")
        {
            throw S3Errors.MalformedXml();
        }

        var rules = root.Children("CORSRule").Select(ParseRule).ToList();
        if (rules.Count is 0 or > MaxRules || root.Elements().Any(e => e.Name.LocalName != "CORSRule"))
        {
            throw S3Errors.MalformedXml();
        }

        return new CorsConfiguration(rules);
    }

    private static CorsRule ParseRule(XElement rule)
    {
        string[] known = ["ID", "AllowedOrigin", "AllowedMethod", "AllowedHeader", "ExposeHeader", "MaxAgeSeconds"];
        if (rule.Elements().Any(e => !known.Contains(e.Name.LocalName, StringComparer.Ordinal)) || rule.Children("ID").Count() > 1
            || rule.Children("MaxAgeSeconds").Count() > 1)
        {
            throw S3Errors.MalformedXml();
        }

        var id = rule.Child("ID");
        if (id is { Length: > 255 })
        {
            throw S3Errors.InvalidArgument("The ID of a CORS rule cannot be longer than 255 characters.");
        }

        var origins = rule.Children("AllowedOrigin").Select(e => e.Value.Trim()).ToList();
        var methods = rule.Children("AllowedMethod").Select(e => e.Value.Trim()).ToList();
        if (origins.Count == 0 || methods.Count == 0)
        {
            throw S3Errors.MalformedXml();
        }

        foreach (var method in methods.Where(m => !Methods.Contains(m, StringComparer.Ordinal)))
        {
            throw S3Errors.InvalidRequest($"Found unsupported HTTP method in CORS config. Unsupported method is {method}");
        }

        foreach (var origin in origins.Where(o => o.Count(c => c == '*') > 1))
        {
            throw S3Errors.InvalidRequest($"AllowedOrigin \"{origin}\" can not have more than one wildcard.");
        }

        var headers = rule.Children("AllowedHeader").Select(e => e.Value.Trim()).ToList();
        foreach (var header in headers.Where(h => h.Count(c => c == '*') > 1))
        {
            throw S3Errors.InvalidRequest($"AllowedHeader \"{header}\" can not have more than one wildcard.");
        }

        var expose = rule.Children("ExposeHeader").Select(e => e.Value.Trim()).ToList();
        foreach (var header in expose.Where(h => h.Contains('*', StringComparison.Ordinal)))
        {
            throw S3Errors.InvalidRequest($"ExposeHeader \"{header}\" contains wildcard. We currently do not support wildcard for ExposeHeader.");
        }

        int? maxAge = null;
        if (rule.Child("MaxAgeSeconds") is { } text)
        {
            maxAge = int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
                ? seconds
                : throw S3Errors.MalformedXml();
        }

        return new CorsRule(id, origins, methods.Distinct(StringComparer.Ordinal).ToList(), headers, expose, maxAge);
    }

    /// <summary>The first rule that allows the request, as S3 picks one; null when none does.</summary>
    public CorsRule? Match(string origin, string method, IReadOnlyList<string> requestHeaders) =>
        Rules.FirstOrDefault(r => r.Allows(origin, method, requestHeaders));

    /// <summary><paramref name="pattern"/> with at most one '*' (any text, also none) against <paramref name="value"/>.</summary>
    public static bool WildcardMatch(string pattern, string value, StringComparison comparison)
    {
        var star = pattern.IndexOf('*', StringComparison.Ordinal);
        if (star < 0)
        {
            return string.Equals(pattern, value, comparison);
        }

        var prefix = pattern[..star];
        var suffix = pattern[(star + 1)..];
        return value.Length >= prefix.Length + suffix.Length && value.StartsWith(prefix, comparison) && value.EndsWith(suffix, comparison);
    }

    public void Write(XmlWriter w)
    {
        w.WriteStartElement("CORSConfiguration", S3Xml.Namespace);
        foreach (var rule in Rules)
        {
            w.WriteStartElement("CORSRule");
            w.Element("ID", rule.Id);
            foreach (var header in rule.AllowedHeaders)
            {
                w.WriteElementString("AllowedHeader", header);
            }

            foreach (var method in rule.AllowedMethods)
            {
                w.WriteElementString("AllowedMethod", method);
            }

            foreach (var origin in rule.AllowedOrigins)
            {
                w.WriteElementString("AllowedOrigin", origin);
            }

            foreach (var header in rule.ExposeHeaders)
            {
                w.WriteElementString("ExposeHeader", header);
            }

            w.Element("MaxAgeSeconds", rule.MaxAgeSeconds?.ToString(CultureInfo.InvariantCulture));
            w.WriteEndElement();
        }

        w.WriteEndElement();
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static CorsConfiguration? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<CorsConfiguration>(json, Json);
}
