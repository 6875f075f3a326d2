using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Platform.Modules.Storage.S3;

/// <summary>Writes S3's XML responses (namespace 2006-03-01) and reads its XML request bodies.</summary>
internal static class S3Xml
{
    public const string Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";
    private const int MaxRequestBody = 2 * 1024 * 1024;

    public static string Timestamp(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static byte[] Document(Action<XmlWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Async = false }))
        {
            writer.WriteStartDocument();
            write(writer);
            writer.WriteEndDocument();
        }

        return buffer.ToArray();
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
            return XDocument.Load(buffer).Root ?? throw S3Errors.MalformedXml();
        }
        catch (XmlException)
        {
            throw S3Errors.MalformedXml();
        }
    }

    public static IEnumerable<XElement> Children(this XElement element, string localName) => element.Elements().Where(e => e.Name.LocalName == localName);

    public static string? Child(this XElement element, string localName) => element.Children(localName).FirstOrDefault()?.Value;
}
