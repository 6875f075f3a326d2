using System.Xml.Linq;
using Platform.Modules.Shared.AwsQuery;

namespace Platform.Modules.Shared.Ec2Query;

/// <summary>
/// The XML of EC2's query protocol: <c>&lt;ActionResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"&gt;&lt;requestId&gt;</c>
/// followed by the result's camelCase elements, lists as <c>&lt;item&gt;</c>; errors as
/// <c>&lt;Response&gt;&lt;Errors&gt;&lt;Error&gt;&lt;Code&gt;…&lt;/Errors&gt;&lt;RequestID&gt;</c> with no namespace.
/// </summary>
public static class Ec2QueryXml
{
    public const string Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

    public static XElement Element(string name, params object?[] content) => AwsQueryXml.Element(name, content);

    public static XElement? Value(string name, object? value) => AwsQueryXml.Value(name, value);

    /// <summary>A list: <c>&lt;name&gt;&lt;item&gt;…&lt;/item&gt;…&lt;/name&gt;</c> (an empty list is an empty element, as EC2 writes it).</summary>
    public static XElement Items<T>(string name, IEnumerable<T> items, Func<T, object?> item) =>
        new(name, items.Select(i => Element("item", item(i))));

    /// <summary>EC2's <c>tagSet</c>: key and value per item.</summary>
    public static XElement TagSet(IEnumerable<KeyValuePair<string, string>> tags) =>
        Items("tagSet", tags, t => new object?[] { Value("key", t.Key), Value("value", t.Value) });

    public static string Response(string action, string xmlNamespace, object? result, string requestId) =>
        AwsQueryXml.Write(Element(action + "Response", Value("requestId", requestId), result), xmlNamespace);

    public static string Error(string code, string message, string requestId) =>
        AwsQueryXml.Write(Element("Response",
            Element("Errors", Element("Error", Value("Code", code), Value("Message", message))),
            Value("RequestID", requestId)), null);
}
