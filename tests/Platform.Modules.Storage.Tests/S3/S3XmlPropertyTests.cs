using System.Text;
using System.Xml;
using FsCheck;
using FsCheck.Fluent;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Payloads;
using Platform.Modules.Storage.Multipart;
using Platform.Modules.Storage.S3;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.Modules.Storage.Tests.S3;

/// <summary>
/// Properties of the XML request bodies S3 reads (DeleteObjects, CompleteMultipartUpload, PutBucketEncryption) over
/// generated documents (<see cref="PropertyRuns"/>): any bytes end in the request's content or a 400 S3 error, and what a
/// client's XML writer writes (any keys, part numbers, ETags, checksums, namespace or not, indented or not) reads back as written.
/// </summary>
public sealed class S3XmlPropertyTests(ITestOutputHelper output)
{
    /// <summary>Text XML can carry: any character XML allows, surrogate pairs whole, white space only included.</summary>
    private static readonly Gen<string> XmlText = Gen.OneOf(
        Gen.Elements(" ", "  ", "\t", "\r\n", "\r", "a b", " lead", "trail ", "a&b<c>\"d'", "]]>", "photos/2026/ሴ.jpg", "😀", "k\u0085", "%00", ""),
        PropertyRuns.HostileText("a", "/", " ", "&", "<", ">", "]]>", "ሴ", "😀", "\r\n").Select(t => new string(t.Where(c => XmlConvert.IsXmlChar(c)).ToArray())),
        Gen.ListOf(Gen.Choose(0x20, 0xD7FF).Select(c => (char)c)).Select(cs => new string([.. cs])));

    private static byte[] Write(Action<XmlWriter> body, bool withNamespace, bool indent)
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(false),
            Indent = indent,
            // Carriage returns written as &#xD;, as the SDKs do, so they survive XML's end-of-line handling.
            NewLineHandling = NewLineHandling.Entitize,
        }))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement(body.Method.Name.Contains("Delete", StringComparison.Ordinal) ? "Delete" : "Root", withNamespace ? S3Xml.Namespace : "");
            body(writer);
            writer.WriteEndElement();
        }

        return buffer.ToArray();
    }

    private static T Read<T>(byte[] body, Func<System.Xml.Linq.XElement, T> parse) =>
        PropertyRuns.Bounded(() => parse(S3Xml.ReadAsync(new MemoryStream(body), CancellationToken.None).GetAwaiter().GetResult()), Encoding.UTF8.GetString(body));

    [Fact]
    public void Given_any_keys_Then_a_delete_list_reads_back_as_written()
    {
        var cases = from keys in Gen.NonEmptyListOf(XmlText)
                    from quiet in Gen.Elements<string?>(null, "true", "false", "TRUE")
                    from withNamespace in Gen.Elements(true, false)
                    from indent in Gen.Elements(true, false)
                    select (keys: keys.Take(20).ToList(), quiet, withNamespace, indent);
        PropertyRuns.Check(output, "delete list", Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var ns = c.withNamespace ? S3Xml.Namespace : "";
            var body = Write(w =>
            {
                if (c.quiet is not null)
                {
                    w.WriteElementString("Quiet", ns, c.quiet);
                }

                foreach (var key in c.keys)
                {
                    w.WriteStartElement("Object", ns);
                    w.WriteElementString("Key", ns, key);
                    w.WriteEndElement();
                }
            }, c.withNamespace, c.indent);
            var (keys, quiet) = Read(body, S3Xml.DeleteList);
            Assert.Equal(c.keys, keys);
            Assert.Equal(string.Equals(c.quiet, "true", StringComparison.OrdinalIgnoreCase), quiet);
        }), 500);
    }

    [Fact]
    public void Given_any_parts_Then_a_completion_list_reads_back_as_written()
    {
        var part = from number in Gen.OneOf(Gen.Choose(1, 10_000), Gen.Choose(int.MinValue, int.MaxValue))
                   from etag in Gen.OneOf(Gen.Elements("\"0123456789abcdef0123456789abcdef\"", "etag", "\"a-2\""), XmlText.Where(t => t.Trim().Length > 0))
                   from checksum in Gen.OneOf(Gen.Constant<FlexibleChecksum?>(null), Gen.Elements(FlexibleChecksum.All.ToArray()).Select(a => (FlexibleChecksum?)a))
                   from value in Gen.Elements("AAAAAA==", "  AAAAAA==  ", "not base64")
                   select new ListedPart(number, etag, checksum, checksum is null ? null : value.Trim());
        var cases = from parts in Gen.NonEmptyListOf(part)
                    from withNamespace in Gen.Elements(true, false)
                    from indent in Gen.Elements(true, false)
                    select (parts: parts.Take(20).ToList(), withNamespace, indent);
        PropertyRuns.Check(output, "completion list", Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var ns = c.withNamespace ? S3Xml.Namespace : "";
            var body = Write(w =>
            {
                foreach (var p in c.parts)
                {
                    w.WriteStartElement("Part", ns);
                    w.WriteElementString("PartNumber", ns, p.PartNumber.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    w.WriteElementString("ETag", ns, p.ETag);
                    if (p.ChecksumAlgorithm is { } algorithm)
                    {
                        w.WriteElementString(S3Xml.ChecksumElement(algorithm), ns, p.Checksum);
                    }

                    w.WriteEndElement();
                }
            }, c.withNamespace, c.indent);
            Assert.Equal(c.parts, Read(body, S3Xml.CompletedParts));
        }), 500);
    }

    [Fact]
    public void Given_any_bytes_Then_each_body_reader_ends_in_its_content_or_a_400_s3_error()
    {
        var valid = Encoding.UTF8.GetBytes(
            $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete xmlns=\"{S3Xml.Namespace}\"><Quiet>true</Quiet><Object><Key>a</Key></Object>"
            + "<Part><PartNumber>1</PartNumber><ETag>\"e\"</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>"
            + "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></Delete>");
        var mutated = from edits in Gen.ListOf(Gen.Zip(Gen.Choose(0, valid.Length), Gen.Choose(0, 255)), 4)
                      select edits.Aggregate(valid, (bytes, edit) =>
                      {
                          var copy = bytes.ToList();
                          if (edit.Item2 % 3 == 0 && edit.Item1 < copy.Count)
                          {
                              copy.RemoveAt(edit.Item1);
                          }
                          else
                          {
                              copy.Insert(Math.Min(edit.Item1, copy.Count), (byte)edit.Item2);
                          }

                          return copy.ToArray();
                      });
        var fragments = PropertyRuns.HostileText("<?xml version=\"1.0\"?>", "<Delete>", "</Delete>", "<Object>", "<Key>", "</Key>", "</Object>",
            "<Part>", "<PartNumber>", "99999999999", "-1", "</PartNumber>", "<ETag>", "</ETag>", "<ChecksumSHA256>", "<ChecksumCRC32>",
            "<!DOCTYPE d [<!ENTITY e \"xx\">]>", "&e;", "&amp;", "&#0;", "&#xD800;", "<![CDATA[", "]]>", "<!--", "-->", "<?pi x?>", "xmlns=\"x\"",
            "<SSEAlgorithm>", "</SSEAlgorithm>").Select(Encoding.UTF8.GetBytes);
        var bytes = Gen.OneOf(mutated, fragments, Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)));
        PropertyRuns.Check(output, "xml bodies", Prop.ForAll(bytes.ToArbitrary(), body =>
        {
            foreach (var parse in new Func<System.Xml.Linq.XElement, object>[] { r => S3Xml.DeleteList(r), S3Xml.CompletedParts, S3Xml.EncryptionAlgorithms })
            {
                try
                {
                    Read(body, parse);
                }
                catch (ApiException e)
                {
                    Assert.Equal(400, e.StatusCode);
                    Assert.Contains(e.Code, new[] { "MalformedXML", "InvalidRequest" });
                }
            }
        }), 600);
    }
}
