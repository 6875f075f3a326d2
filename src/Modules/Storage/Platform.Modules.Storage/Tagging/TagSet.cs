using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Platform.Modules.Shared.Authentication.SigV4;
using Platform.Modules.Storage.S3;

namespace Platform.Modules.Storage.Tagging;

/// <summary>
/// S3's tags on buckets and object versions: the &lt;Tagging&gt;&lt;TagSet&gt; body, the x-amz-tagging header (a URL query
/// string), S3's limits (128-character keys, 256-character values, no key twice, none starting "aws:", 10 on an object and
/// 50 on a bucket), kept as a JSON object in order.
/// </summary>
internal static class TagSet
{
    public const int ObjectLimit = 10;
    public const int BucketLimit = 50;

    public static IReadOnlyDictionary<string, string> Empty { get; } = new Dictionary<string, string>();

    /// <summary>The checks S3 makes of every tag, also of a lifecycle filter's.</summary>
    public static void Check(string key, string value)
    {
        if (key.Length is 0 or > 128)
        {
            throw S3Errors.InvalidTag("The TagKey you have provided is too long, max 128");
        }

        if (value.Length > 256)
        {
            throw S3Errors.InvalidTag("The TagValue you have provided is too long, max 256");
        }

        if (!key.All(Allowed) || !value.All(Allowed))
        {
            throw S3Errors.InvalidTag("The TagKey you have provided is invalid");
        }

        if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
        {
            throw S3Errors.InvalidTag("System tags cannot be added/updated by requester");
        }
    }

    private static bool Allowed(char c) => char.IsLetterOrDigit(c) || char.IsWhiteSpace(c) || c is '_' or '.' or ':' or '/' or '=' or '+' or '-' or '@';

    /// <summary>Put(Bucket|Object)Tagging's body.</summary>
    public static Dictionary<string, string> Parse(XElement root, int limit)
    {
        if (root.Name.LocalName != "Tagging" || root.Children("TagSet").ToList() is not [var set])
        {
            throw S3Errors.MalformedXml();
        }

        var tags = new List<KeyValuePair<string, string>>();
        foreach (var tag in set.Children("Tag"))
        {
            if (tag.Children("Key").ToList() is not [var key] || tag.Children("Value").ToList() is not [var value])
            {
                throw S3Errors.MalformedXml();
            }

            tags.Add(new(key.Value, value.Value));
        }

        return Checked(tags, limit);
    }

    /// <summary>x-amz-tagging on PutObject, CopyObject (with REPLACE) and CreateMultipartUpload: <c>k1=v1&amp;k2=v2</c>, URL-encoded.</summary>
    public static Dictionary<string, string> FromHeader(string header)
    {
        var tags = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in SigV4Canonical.ParseQuery(header))
        {
            tags.Add(new(name, value));
        }

        return Checked(tags, ObjectLimit);
    }

    private static Dictionary<string, string> Checked(List<KeyValuePair<string, string>> tags, int limit)
    {
        if (tags.Count > limit)
        {
            throw S3Errors.InvalidTag(limit == ObjectLimit ? "Object tags cannot be greater than 10" : "Bucket tag count cannot be greater than 50");
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            Check(key, value);
            if (!result.TryAdd(key, value))
            {
                throw S3Errors.InvalidTag("Cannot provide multiple Tags with the same key");
            }
        }

        return result;
    }

    public static string? ToJson(IReadOnlyDictionary<string, string> tags) => tags.Count == 0 ? null : JsonSerializer.Serialize(tags);

    public static IReadOnlyDictionary<string, string> FromJson(string? json) =>
        json is null ? Empty : JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? (IReadOnlyDictionary<string, string>)Empty;

    public static void Write(XmlWriter w, IReadOnlyDictionary<string, string> tags)
    {
        w.WriteStartElement("Tagging", S3Xml.Namespace);
        w.WriteStartElement("TagSet");
        foreach (var (key, value) in tags)
        {
            w.WriteStartElement("Tag");
            w.WriteElementString("Key", key);
            w.WriteElementString("Value", value);
            w.WriteEndElement();
        }

        w.WriteEndElement();
        w.WriteEndElement();
    }
}
