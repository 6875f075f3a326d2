using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Platform.Modules.Shared.Payloads;
using Platform.Modules.Storage.Multipart;

namespace Platform.Modules.Storage.S3;

/// <summary>Writes S3's XML responses (namespace 2006-03-01) and reads its XML request bodies.</summary>
internal static class S3Xml
{
    public const string Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";
    internal const int MaxRequestBody = 2 * 1024 * 1024;

    /// <summary>
    /// No DTD: XDocument.Load's default parses one, so a few hundred bytes of nested entities made the server expand
    /// 10 million characters before it refused them (seconds of CPU a request), and smaller expansions were accepted.
    /// S3's bodies never need one.
    /// </summary>
    private static readonly XmlReaderSettings ReaderSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = MaxRequestBody,
    };

    public static string Timestamp(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static byte[] Document(Action<XmlWriter> write)
    {
        using var buffer = new MemoryStream();
        // Carriage returns as &#xD;: written raw, a reader's end-of-line handling turns a key "\r" into "\n" (the default
        // replaces them with the writer's own new line even before that).
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Async = false, NewLineHandling = NewLineHandling.Entitize }))
        {
            writer.WriteStartDocument();
            write(writer);
            writer.WriteEndDocument();
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// encoding-type=url as S3 answers it (measured on S3 and as MinIO and botocore's unquote_plus read it): the UTF-8 bytes
    /// percent-encoded in upper case except A-Z a-z 0-9 - _ . * and '/', a space as '+' ("a b" is "a+b", "a+b" is "a%2Bb").
    /// </summary>
    public static string UrlEncode(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '*' or '/')
            {
                builder.Append(c);
            }
            else if (c == ' ')
            {
                builder.Append('+');
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    public static byte[] Error(string code, string message, string? resource, string requestId) => Document(w =>
    {
        w.WriteStartElement("Error");
        w.WriteElementString("Code", code);
        w.WriteElementString("Message", message);
        if (resource is not null)
        {
            w.WriteElementString("Resource", resource);
        }

        w.WriteElementString("RequestId", requestId);
        w.WriteElementString("HostId", requestId);
        w.WriteEndElement();
    });

    public static void Element(this XmlWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteElementString(name, value);
        }
    }

    /// <summary>A small XML body (a delete list, a part list, a configuration); refused when it is not XML.</summary>
    public static async Task<XElement> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxRequestBody)
            {
                throw S3Errors.MalformedXml();
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            buffer.Position = 0;
            using var reader = XmlReader.Create(buffer, ReaderSettings);
            // White space kept: a key of spaces alone (a valid S3 key) was read as "" and missed its object.
            return XDocument.Load(reader, LoadOptions.PreserveWhitespace).Root ?? throw S3Errors.MalformedXml();
        }
        catch (XmlException)
        {
            throw S3Errors.MalformedXml();
        }
    }

    /// <summary>DeleteObjects' body: the keys in their order, and whether only errors are to be answered.</summary>
    public static (IReadOnlyList<string> Keys, bool Quiet) DeleteList(XElement root)
    {
        var quiet = string.Equals(root.Child("Quiet"), "true", StringComparison.OrdinalIgnoreCase);
        var keys = root.Children("Object").Select(o => o.Child("Key") ?? throw S3Errors.MalformedXml()).ToList();
        return keys.Count == 0 ? throw S3Errors.MalformedXml() : (keys, quiet);
    }

    /// <summary>DeleteObjects' body: each Object's VersionId, null where it names none, in the order of <see cref="DeleteList"/>'s keys.</summary>
    public static IReadOnlyList<string?> DeleteVersions(XElement root) => [.. root.Children("Object").Select(o => o.Child("VersionId"))];

    /// <summary>CompleteMultipartUpload's body: the parts as listed, each with at most one checksum.</summary>
    public static List<ListedPart> CompletedParts(XElement root)
    {
        var parts = new List<ListedPart>();
        foreach (var part in root.Children("Part"))
        {
            if (!int.TryParse(part.Child("PartNumber"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || part.Child("ETag") is not { } etag)
            {
                throw S3Errors.MalformedXml();
            }

            var checksums = FlexibleChecksum.All.Where(a => part.Child(ChecksumElement(a)) is not null).ToList();
            if (checksums.Count > 1)
            {
                throw S3Errors.InvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
            }

            parts.Add(checksums is [var algorithm] ? new ListedPart(number, etag, algorithm, part.Child(ChecksumElement(algorithm))!.Trim()) : new ListedPart(number, etag));
        }

        return parts;
    }

    /// <summary>PutBucketEncryption's body: every SSEAlgorithm named, at least one.</summary>
    public static List<string> EncryptionAlgorithms(XElement root)
    {
        var algorithms = root.Descendants().Where(e => e.Name.LocalName == "SSEAlgorithm").Select(e => e.Value).ToList();
        return algorithms.Count == 0 ? throw S3Errors.MalformedXml() : algorithms;
    }

    public static string ChecksumElement(FlexibleChecksum algorithm) => "Checksum" + algorithm.Name;

    public static IEnumerable<XElement> Children(this XElement element, string localName) => element.Elements().Where(e => e.Name.LocalName == localName);

    public static string? Child(this XElement element, string localName) => element.Children(localName).FirstOrDefault()?.Value;
}
