using System.Xml.Linq;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Storage.Lifecycle;
using Platform.Modules.Storage.S3;

namespace Platform.Modules.Storage.Tests.Lifecycle;

/// <summary>PutBucketLifecycleConfiguration's body: what S3 takes comes back as written, what it refuses is refused with its code.</summary>
public sealed class LifecycleConfigurationTests
{
    private const string Full = """
        <LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
          <Rule><ID>a</ID><Filter><And><Prefix>p/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><Tag><Key>k2</Key><Value></Value></Tag>
            <ObjectSizeGreaterThan>1</ObjectSizeGreaterThan><ObjectSizeLessThan>1000</ObjectSizeLessThan></And></Filter>
            <Status>Enabled</Status><Expiration><Days>3</Days></Expiration>
            <NoncurrentVersionExpiration><NoncurrentDays>4</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>
          <Rule><ID>b</ID><Prefix>legacy/</Prefix><Status>Disabled</Status><Expiration><Date>2027-01-01T00:00:00.000Z</Date></Expiration>
            <AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>
          <Rule><Filter><Tag><Key>t</Key><Value>u</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>
          <Rule><ID>d</ID><Filter></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>
          <Rule><ID>e</ID><Filter><ObjectSizeLessThan>5</ObjectSizeLessThan></Filter><Status>Enabled</Status><Expiration><Days>9</Days></Expiration></Rule>
        </LifecycleConfiguration>
        """;

    [Fact]
    public void Given_every_kind_of_rule_When_parsed_written_and_parsed_again_Then_the_same_rules_and_the_same_document()
    {
        var parsed = LifecycleConfiguration.Parse(XElement.Parse(Full));
        var written = System.Text.Encoding.UTF8.GetString(S3Xml.Document(parsed.Write));
        var again = LifecycleConfiguration.Parse(XElement.Parse(written));

        Assert.Equal(parsed.ToJson(), again.ToJson());
        Assert.Equal(parsed.ToJson(), LifecycleConfiguration.FromJson(parsed.ToJson())!.ToJson());
        Assert.Equal(written, System.Text.Encoding.UTF8.GetString(S3Xml.Document(again.Write)));
        Assert.Contains("<Prefix>legacy/</Prefix><Status>Disabled</Status>", written, StringComparison.Ordinal);
        Assert.Contains("<Filter><Tag><Key>t</Key><Value>u</Value></Tag></Filter>", written, StringComparison.Ordinal);
        Assert.Contains("<Filter /><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker>", written, StringComparison.Ordinal);
        Assert.Contains("<Date>2027-01-01T00:00:00.000Z</Date>", written, StringComparison.Ordinal);

        var first = parsed.Rules[0];
        Assert.True(first.Filter.Matches("p/x", 500, new Dictionary<string, string> { ["k"] = "v", ["k2"] = "", ["other"] = "1" }));
        Assert.False(first.Filter.Matches("p/x", 500, new Dictionary<string, string> { ["k"] = "v" }));
        Assert.False(first.Filter.Matches("p/x", 1000, new Dictionary<string, string> { ["k"] = "v", ["k2"] = "" }));
        Assert.False(first.Filter.Matches("p/x", 1, new Dictionary<string, string> { ["k"] = "v", ["k2"] = "" }));
        Assert.False(first.Filter.Matches("q/x", 500, new Dictionary<string, string> { ["k"] = "v", ["k2"] = "" }));
    }

    [Theory]
    [InlineData("MalformedXML", "<Rule><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>")] // neither Filter nor Prefix
    [InlineData("MalformedXML", "<Rule><Prefix/><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>")] // both
    [InlineData("MalformedXML", "<Rule><Filter/><Status>enabled</Status><Expiration><Days>1</Days></Expiration></Rule>")]
    [InlineData("MalformedXML", "<Rule><Filter/><Expiration><Days>1</Days></Expiration></Rule>")]
    [InlineData("MalformedXML", "<Rule><Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>")]
    [InlineData("MalformedXML", "<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days><Date>2027-01-01T00:00:00Z</Date></Expiration></Rule>")]
    [InlineData("MalformedXML", "<Rule><Filter/><Status>Enabled</Status><Expiration></Expiration></Rule>")]
    [InlineData("MalformedXML", "<Rule><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration/></Rule>")]
    [InlineData("MalformedXML", "<Rule><Filter><ObjectSizeGreaterThan>-1</ObjectSizeGreaterThan></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>")]
    [InlineData("InvalidArgument", "<Rule><Filter/><Status>Enabled</Status><Expiration><Days>0</Days></Expiration></Rule>")]
    [InlineData("InvalidArgument", "<Rule><Filter/><Status>Enabled</Status><Expiration><Days>-3</Days></Expiration></Rule>")]
    [InlineData("InvalidArgument", "<Rule><Filter/><Status>Enabled</Status><Expiration><Date>2027-01-01T10:00:00Z</Date></Expiration></Rule>")]
    [InlineData("InvalidArgument", "<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>")]
    [InlineData("InvalidArgument", "<Rule><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration></Rule>")]
    [InlineData("InvalidArgument", "<Rule><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>101</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>")]
    [InlineData("InvalidArgument", "<Rule><Filter><And><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>10</ObjectSizeLessThan></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>")]
    [InlineData("InvalidArgument", "<Rule><ID>x</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule><Rule><ID>x</ID><Filter/><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>")]
    [InlineData("InvalidRequest", "<Rule><Filter/><Status>Enabled</Status></Rule>")] // no action
    [InlineData("InvalidRequest", "<Rule><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>")]
    [InlineData("InvalidRequest", "<Rule><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>")]
    [InlineData("InvalidRequest", "<Rule><Filter><And><Tag><Key>k</Key><Value>v</Value></Tag><Tag><Key>k</Key><Value>w</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>")]
    [InlineData("InvalidTag", "<Rule><Filter><Tag><Key>aws:x</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>")]
    [InlineData("NotImplemented", "<Rule><Filter/><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>")]
    [InlineData("MalformedXML", "")] // no rule
    public void Given_a_configuration_S3_refuses_When_parsed_Then_refused_with_S3s_code(string code, string rules)
    {
        var error = Assert.ThrowsAny<ApiException>(() => LifecycleConfiguration.Parse(XElement.Parse($"<LifecycleConfiguration>{rules}</LifecycleConfiguration>")));
        Assert.Equal(code, error.Code);
    }

    [Theory]
    [InlineData("2026-06-01T10:30:00Z", 3, "2026-06-05T00:00:00Z")] // S3's example: the time plus the days, up to the next midnight
    [InlineData("2026-06-01T00:00:00Z", 3, "2026-06-04T00:00:00Z")]
    [InlineData("2026-06-01T23:59:59Z", 1, "2026-06-03T00:00:00Z")]
    public void Given_a_time_and_days_Then_due_at_S3s_midnight(string since, int days, string due) =>
        Assert.Equal(DateTime.Parse(due, null, System.Globalization.DateTimeStyles.AdjustToUniversal),
            LifecycleRule.Due(DateTime.Parse(since, null, System.Globalization.DateTimeStyles.AdjustToUniversal), days));
}
