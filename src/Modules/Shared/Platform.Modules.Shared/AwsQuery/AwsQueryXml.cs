using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Platform.Modules.Shared.AwsQuery;

/// <summary>
/// The XML of AWS's query protocol: <c>&lt;XResponse&gt;&lt;XResult&gt;…&lt;/XResult&gt;&lt;ResponseMetadata&gt;&lt;RequestId&gt;</c>
/// answers, <c>&lt;ErrorResponse&gt;</c> errors, lists as <c>&lt;member&gt;</c>, timestamps in ISO 8601 (UTC).
/// Actions build their result with local names; the writer puts every element in the service's namespace.
/// </summary>
public static class AwsQueryXml
{
    /// <summary>An element with the given content; null content is left out, so optional fields need no branches.</summary>
    public static XElement Element(string name, params object?[] content) => new(name, content.Where(c => c is not null).Select(c => Format(c!)));

    /// <summary>A leaf, or null (left out) when the value is null. It keeps its value's type for the JSON and CBOR protocols.</summary>
    public static XElement? Value(string name, object? value) => value is null ? null : Typed(new XElement(name, Format(value)), value);

    /// <summary>A list: <c>&lt;name&gt;&lt;member&gt;…&lt;/member&gt;…&lt;/name&gt;</c>, each member's content given by <paramref name="member"/>.</summary>
    public static XElement Members<T>(string name, IEnumerable<T> items, Func<T, object?> member) => Members(name, "member", items, member);

    /// <summary>A list whose members the service model names (RDS's <c>&lt;DBInstances&gt;&lt;DBInstance&gt;</c>).</summary>
    public static XElement Members<T>(string name, string memberName, IEnumerable<T> items, Func<T, object?> member)
    {
        var list = new XElement(name, items.Select(item => member(item) switch
        {
            null => Element(memberName),
            var content and (XElement or object?[]) => Element(memberName, content),
            var scalar => Typed(Element(memberName, scalar), scalar),
        }));
        list.AddAnnotation(ListShape.Instance);
        return list;
    }

    /// <summary>The value a leaf was written from, kept on its element for the protocols that carry types (JSON, CBOR).</summary>
    public sealed record TypedValue(object Value);

    /// <summary>Marks an element written as a list, so the JSON and CBOR protocols write an array even when it is empty.</summary>
    public sealed class ListShape
    {
        public static readonly ListShape Instance = new();

        private ListShape()
        {
        }
    }

    private static XElement Typed(XElement element, object value)
    {
        element.AddAnnotation(new TypedValue(value));
        return element;
    }

    public static string Response(string action, string xmlNamespace, object? result, string requestId)
    {
        var root = Element(action + "Response",
            result is null ? null : Element(action + "Result", result),
            Element("ResponseMetadata", Value("RequestId", requestId)));
        return Write(root, xmlNamespace);
    }

    /// <summary>AWS's error document; <c>Type</c> is Sender for the caller's faults (4xx), Receiver for the service's.</summary>
    public static string Error(string? xmlNamespace, int status, string code, string message, string requestId)
    {
        var root = Element("ErrorResponse",
            Element("Error", Value("Type", status >= 500 ? "Receiver" : "Sender"), Value("Code", code), Value("Message", message)),
            Value("RequestId", requestId));
        return Write(root, xmlNamespace);
    }

    /// <summary>ISO 8601 in UTC with milliseconds dropped, as IAM writes them (<c>2026-12-05T06:44:10Z</c>).</summary>
    public static string Timestamp(DateTime time) =>
        (time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time.ToUniversalTime())
        .ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static object Format(object value) => value switch
    {
        DateTime time => Timestamp(time),
        DateTimeOffset time => Timestamp(time.UtcDateTime),
        bool flag => flag ? "true" : "false",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        string text => XmlSafe(text),
        _ => value,
    };

    /// <summary>Text as XML can carry it: characters XML 1.0 forbids (control characters a caller sent) become U+FFFD.</summary>
    public static string XmlSafe(string text)
    {
        if (text.All(XmlConvert.IsXmlChar))
        {
            return text;
        }

        var safe = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (XmlConvert.IsXmlChar(text[i]))
            {
                safe.Append(text[i]);
            }
            else if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], text[i]))
            {
                safe.Append(text, i++, 2);
            }
            else
            {
                safe.Append('\uFFFD');
            }
        }

        return safe.ToString();
    }

    internal static string Write(XElement root, string? xmlNamespace)
    {
        if (xmlNamespace is not null)
        {
            XNamespace ns = xmlNamespace;
            foreach (var element in root.DescendantsAndSelf())
            {
                element.Name = ns + element.Name.LocalName;
            }
        }

        var text = new StringBuilder();
        using (var writer = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = false, Encoding = Encoding.UTF8, Indent = false }))
        {
            root.WriteTo(writer);
        }

        return text.ToString().Replace("encoding=\"utf-16\"", "encoding=\"UTF-8\"", StringComparison.Ordinal);
    }
}
