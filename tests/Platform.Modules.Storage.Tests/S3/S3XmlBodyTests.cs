using System.Diagnostics;
using System.Text;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Storage.S3;

namespace Platform.Modules.Storage.Tests.S3;

/// <summary>What S3XmlPropertyTests found in the XML body reader, kept as regression tests.</summary>
public sealed class S3XmlBodyTests
{
    private static T Read<T>(byte[] body, Func<System.Xml.Linq.XElement, T> parse) =>
        parse(S3Xml.ReadAsync(new MemoryStream(body), CancellationToken.None).GetAwaiter().GetResult());

    [Fact]
    public void Given_entity_expansion_within_the_body_limit_Then_it_is_refused_as_MalformedXML_at_once()
    {
        // Ten levels of ten references: 10^10 characters from a few hundred bytes.
        var entities = new StringBuilder("<!ENTITY e0 \"ha\">");
        for (var i = 1; i <= 10; i++)
        {
            entities.Append($"<!ENTITY e{i} \"{string.Concat(Enumerable.Repeat($"&e{i - 1};", 10))}\">");
        }

        // A smaller one that expands to 100 KB, under any character limit: a DTD at all is refused, not only a large expansion.
        foreach (var reference in new[] { "&e10;", "&e4;" })
        {
            var body = Encoding.UTF8.GetBytes($"<?xml version=\"1.0\"?><!DOCTYPE Delete [{entities}]><Delete><Object><Key>{reference}</Key></Object></Delete>");
            var clock = Stopwatch.StartNew();
            var error = Assert.Throws<ApiException>(() => Read(body, S3Xml.DeleteList));
            Assert.Equal("MalformedXML", error.Code);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{clock.Elapsed}");
        }
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("  ")]
    [InlineData("&#xD;&#xA;")]
    [InlineData("\t")]
    public void Given_a_key_of_white_space_alone_Then_a_delete_list_keeps_it(string key)
    {
        var body = Encoding.UTF8.GetBytes($"<Delete xmlns=\"{S3Xml.Namespace}\">\n  <Object>\n    <Key>{key}</Key>\n  </Object>\n</Delete>");
        var (keys, _) = Read(body, S3Xml.DeleteList);
        Assert.Equal([key.Replace("&#xD;", "\r", StringComparison.Ordinal).Replace("&#xA;", "\n", StringComparison.Ordinal)], keys);
    }
}
