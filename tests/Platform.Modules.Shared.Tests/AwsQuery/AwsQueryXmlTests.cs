using System.Xml.Linq;
using Platform.Modules.Shared.AwsQuery;
using static Platform.Modules.Shared.AwsQuery.AwsQueryXml;

namespace Platform.Modules.Shared.Tests.AwsQuery;

public sealed class AwsQueryXmlTests
{
    private const string Iam = "https://iam.amazonaws.com/doc/2010-05-08/";

    [Fact]
    public void Given_a_result_When_written_Then_it_is_wrapped_in_Response_Result_and_ResponseMetadata_in_the_namespace()
    {
        var xml = Response("ListUsers", Iam, new object?[]
        {
            Members("Users", ["alice", "bob"], name => new object?[] { Value("UserName", name), Value("Path", null) }),
            Value("IsTruncated", true),
            Value("Marker", "bob"),
            Value("Count", 1234567),
            Value("CreateDate", new DateTime(2026, 12, 5, 6, 44, 10, 123, DateTimeKind.Utc)),
        }, "req-1");

        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", xml, StringComparison.Ordinal);
        XNamespace ns = Iam;
        var root = XDocument.Parse(xml).Root!;
        Assert.Equal(ns + "ListUsersResponse", root.Name);
        var result = root.Element(ns + "ListUsersResult")!;
        Assert.Equal(["alice", "bob"], result.Element(ns + "Users")!.Elements(ns + "member").Select(m => m.Element(ns + "UserName")!.Value));
        Assert.Null(result.Descendants(ns + "Path").FirstOrDefault());
        Assert.Equal("true", result.Element(ns + "IsTruncated")!.Value);
        Assert.Equal("1234567", result.Element(ns + "Count")!.Value);
        Assert.Equal("2026-12-05T06:44:10Z", result.Element(ns + "CreateDate")!.Value);
        Assert.Equal("req-1", root.Element(ns + "ResponseMetadata")!.Element(ns + "RequestId")!.Value);
    }

    [Fact]
    public void Given_an_action_without_result_When_written_Then_only_ResponseMetadata_is_there()
    {
        var root = XDocument.Parse(Response("DeleteUser", Iam, null, "req-2")).Root!;
        Assert.Equal(["ResponseMetadata"], root.Elements().Select(e => e.Name.LocalName));
    }

    [Fact]
    public void Given_an_error_When_written_Then_it_is_AWS_ErrorResponse_with_Sender_or_Receiver()
    {
        XNamespace ns = Iam;
        var root = XDocument.Parse(Error(Iam, 404, "NoSuchEntity", "The user with name x cannot be found.", "req-3")).Root!;
        Assert.Equal(ns + "ErrorResponse", root.Name);
        var error = root.Element(ns + "Error")!;
        Assert.Equal(["Sender", "NoSuchEntity", "The user with name x cannot be found."],
            new[] { "Type", "Code", "Message" }.Select(n => error.Element(ns + n)!.Value));
        Assert.Equal("req-3", root.Element(ns + "RequestId")!.Value);

        var fault = XDocument.Parse(Error(null, 500, "InternalError", "x", "req-4")).Root!;
        Assert.Equal("ErrorResponse", fault.Name.LocalName);
        Assert.Equal("Receiver", fault.Element("Error")!.Element("Type")!.Value);
    }

    [Fact]
    public void Given_hostile_text_When_written_Then_the_XML_stays_well_formed_and_escaped()
    {
        var message = "</Message><Code>Injected</Code> & \u0001\u0000 🙂 \ud800";
        var root = XDocument.Parse(Error(Iam, 400, "ValidationError", message, "req-5")).Root!;
        XNamespace ns = Iam;
        var error = root.Element(ns + "Error")!;
        Assert.Equal("ValidationError", error.Element(ns + "Code")!.Value);
        Assert.Single(error.Elements(ns + "Code"));
        Assert.Equal("</Message><Code>Injected</Code> & \uFFFD\uFFFD 🙂 \uFFFD", error.Element(ns + "Message")!.Value);
    }
}
