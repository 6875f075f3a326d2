using System.Xml.Linq;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Ec2Query;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Shared.Tests.Ec2Query;

/// <summary>EC2's dialect of the query protocol: its lists, filters, pages and XML, and what hostile parameters get.</summary>
public sealed class Ec2QueryTests
{
    private static AwsQueryParameters Parse(string form) => AwsQueryParameters.Parse([form]);

    [Fact]
    public void Given_EC2_lists_When_read_Then_Name_N_and_nested_Tag_M_come_in_order_and_are_all_read()
    {
        var p = Parse("InstanceId.2=i-2&InstanceId.1=i-1&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=a&TagSpecification.1.Tag.1.Value=1"
            + "&TagSpecification.1.Tag.2.Key=b&Filter.1.Name=tag%3AName&Filter.1.Value.1=web&Filter.1.Value.2=db");
        Assert.Equal(["i-1", "i-2"], p.FlatStringList("InstanceId"));
        var specification = Assert.Single(p.FlatList("TagSpecification"));
        Assert.Equal("instance", specification.Optional("ResourceType"));
        Assert.Equal(["a", "b"], specification.FlatList("Tag").Select(t => t.Optional("Key")));
        Assert.Equal("1", specification.FlatList("Tag")[0].Optional("Value"));
        _ = specification.FlatList("Tag")[1].Optional("Value");
        var filters = Ec2Filters.Read(p, ["tag:"]);
        Assert.Equal(["web", "db"], filters.Values("tag:Name"));
        p.RejectUnread("Action", "Version");
    }

    [Theory]
    [InlineData("InstanceId.2=i-2", "MalformedQueryString")]
    [InlineData("InstanceId.0=i-0", "MalformedQueryString")]
    [InlineData("InstanceId.01=i-1", "MalformedQueryString")]
    [InlineData("InstanceId.10000=i-1", "MalformedQueryString")]
    [InlineData("InstanceId.1001=i-1", "MalformedQueryString")]
    [InlineData("InstanceId.x=i-1", "MalformedQueryString")]
    [InlineData("InstanceId.-1=i-1", "MalformedQueryString")]
    [InlineData("InstanceId.1=a&InstanceId.1=b", "MalformedQueryString")]
    [InlineData("InstanceId.1=%E0%80%80", "MalformedQueryString")]
    public void Given_a_hostile_list_index_When_read_Then_the_request_is_refused(string form, string code)
    {
        var error = Assert.Throws<ApiException>(() => Parse(form).FlatStringList("InstanceId"));
        Assert.Equal(code, error.Code);
        Assert.Equal(400, error.StatusCode);
    }

    [Theory]
    [InlineData("Filter.1.Value.1=x", "InvalidParameterValue")]
    [InlineData("Filter.1.Name=vpc-id", "InvalidParameterValue")]
    [InlineData("Filter.1.Name=flavour&Filter.1.Value.1=x", "InvalidParameterValue")]
    [InlineData("Filter.1.Name=tag%3A&Filter.1.Value.1=x", "InvalidParameterValue")]
    [InlineData("Filter.2.Name=vpc-id&Filter.2.Value.1=x", "MalformedQueryString")]
    [InlineData("Filter.1.Name=vpc-id&Filter.1.Value.2=x", "MalformedQueryString")]
    public void Given_a_bad_filter_When_read_Then_it_is_refused_not_ignored(string form, string code)
    {
        var error = Assert.Throws<ApiException>(() => Ec2Filters.Read(Parse(form), ["vpc-id", "tag:"]));
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void Given_too_many_filters_or_values_When_read_Then_they_are_refused()
    {
        var filters = string.Join('&', Enumerable.Range(1, Ec2Filters.MaxFilters + 1).Select(i => $"Filter.{i}.Name=vpc-id&Filter.{i}.Value.1=v"));
        Assert.Equal("InvalidParameterValue", Assert.Throws<ApiException>(() => Ec2Filters.Read(Parse(filters), ["vpc-id"])).Code);
        var values = "Filter.1.Name=vpc-id&" + string.Join('&', Enumerable.Range(1, Ec2Filters.MaxValuesPerFilter + 1).Select(i => $"Filter.1.Value.{i}=v"));
        Assert.Equal("InvalidParameterValue", Assert.Throws<ApiException>(() => Ec2Filters.Read(Parse(values), ["vpc-id"])).Code);
    }

    [Fact]
    public void Given_filters_When_applied_Then_values_are_ORed_filters_ANDed_and_tags_matched()
    {
        var items = new[]
        {
            (Id: "i-1", Zone: "us-east-1a", Tags: new Dictionary<string, string> { ["Name"] = "web-1", ["team"] = "blue" }),
            (Id: "i-2", Zone: "us-east-1b", Tags: new Dictionary<string, string> { ["Name"] = "web-2" }),
            (Id: "i-3", Zone: "us-east-1a", Tags: new Dictionary<string, string> { ["Name"] = "db" }),
        };
        IEnumerable<string> Run(string form) => Ec2Filters.Read(Parse(form), ["availability-zone", "tag:"])
            .Apply(items, (i, name) => name == "availability-zone" ? [i.Zone] : null, i => i.Tags).Select(i => i.Id);

        Assert.Equal(["i-1", "i-2", "i-3"], Run(""));
        Assert.Equal(["i-1", "i-3"], Run("Filter.1.Name=availability-zone&Filter.1.Value.1=us-east-1a"));
        Assert.Equal(["i-1", "i-2"], Run("Filter.1.Name=tag%3AName&Filter.1.Value.1=web-*"));
        Assert.Equal(["i-1"], Run("Filter.1.Name=tag%3AName&Filter.1.Value.1=web-%3F&Filter.2.Name=availability-zone&Filter.2.Value.1=us-east-1a"));
        Assert.Equal(["i-2", "i-3"], Run("Filter.1.Name=tag%3AName&Filter.1.Value.1=db&Filter.1.Value.2=web-2"));
        Assert.Equal(["i-1"], Run("Filter.1.Name=tag-key&Filter.1.Value.1=team"));
        Assert.Equal(["i-1"], Run("Filter.1.Name=tag-value&Filter.1.Value.1=blue"));
        Assert.Empty(Run("Filter.1.Name=tag%3Ateam&Filter.1.Value.1=red"));
    }

    [Theory]
    [InlineData("web-*", "web-1", true)]
    [InlineData("web-*", "web-", true)]
    [InlineData("web-?", "web-12", false)]
    [InlineData("*", "", true)]
    [InlineData("a.b", "axb", false)]
    [InlineData("(a|b)", "a", false)]
    [InlineData("\\*", "*", true)]
    [InlineData("\\*", "x", false)]
    [InlineData("Web", "web", false)]
    public void Given_a_wildcard_pattern_When_matched_Then_only_star_and_question_mark_are_special(string pattern, string value, bool matches) =>
        Assert.Equal(matches, Ec2Filters.Matches(pattern, value));

    [Fact]
    public void Given_pages_When_followed_by_their_tokens_Then_every_item_comes_once_and_a_bad_token_is_refused()
    {
        var ids = Enumerable.Range(0, 12).Select(i => $"vol-{i:x8}").Reverse().ToList();
        var seen = new List<string>();
        string? token = null;
        do
        {
            var paging = Ec2Paging.Read(Parse(token is null ? "MaxResults=5" : $"MaxResults=5&NextToken={Uri.EscapeDataString(token)}"), 5, 1000);
            var (page, next) = paging.Apply(ids, id => id);
            Assert.InRange(page.Count, 1, 5);
            seen.AddRange(page);
            token = next;
        }
        while (token is not null);

        Assert.Equal(ids.Order(StringComparer.Ordinal), seen);
        Assert.False(Ec2Paging.Read(Parse(""), 5, 1000).IsPaged);
        Assert.Equal("InvalidParameterValue", Assert.Throws<ApiException>(() => Ec2Paging.Read(Parse("MaxResults=4"), 5, 1000)).Code);
        Assert.Equal("InvalidParameterValue", Assert.Throws<ApiException>(() => Ec2Paging.Read(Parse("MaxResults=1001"), 5, 1000)).Code);
        foreach (var bad in new[] { "garbage!", "", "YWJj", "%00" })
        {
            Assert.Equal("InvalidPaginationToken", Assert.Throws<ApiException>(() => Ec2Paging.Read(Parse("NextToken=" + bad), 5, 1000)).Code);
        }
    }

    [Fact]
    public void Given_a_result_When_written_Then_it_is_ActionResponse_with_requestId_and_item_lists_in_EC2s_namespace()
    {
        var xml = Ec2QueryXml.Response("DescribeVpcs", Ec2QueryXml.Namespace, new object?[]
        {
            Ec2QueryXml.Items("vpcSet", ["vpc-1", "vpc-2"], id => new object?[] { Ec2QueryXml.Value("vpcId", id), Ec2QueryXml.Value("isDefault", false) }),
            Ec2QueryXml.Value("nextToken", null),
        }, "req-1");
        XNamespace ns = Ec2QueryXml.Namespace;
        var root = XDocument.Parse(xml).Root!;
        Assert.Equal(ns + "DescribeVpcsResponse", root.Name);
        Assert.Equal(["requestId", "vpcSet"], root.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("req-1", root.Element(ns + "requestId")!.Value);
        Assert.Equal(["vpc-1", "vpc-2"], root.Element(ns + "vpcSet")!.Elements(ns + "item").Select(i => i.Element(ns + "vpcId")!.Value));
        Assert.Equal("false", root.Descendants(ns + "isDefault").First().Value);
    }

    [Fact]
    public void Given_an_error_When_written_Then_it_is_Response_Errors_Error_with_RequestID_and_no_namespace()
    {
        var root = XDocument.Parse(Ec2QueryXml.Error("InvalidInstanceID.NotFound", "The instance ID 'i-1\u0001' does not exist", "req-2")).Root!;
        Assert.Equal(XName.Get("Response"), root.Name);
        var error = root.Element("Errors")!.Element("Error")!;
        Assert.Equal("InvalidInstanceID.NotFound", error.Element("Code")!.Value);
        Assert.Equal("The instance ID 'i-1\uFFFD' does not exist", error.Element("Message")!.Value);
        Assert.Equal("req-2", root.Element("RequestID")!.Value);
    }

    [Fact]
    public void Given_parts_of_one_service_from_several_modules_When_registered_Then_they_are_joined_and_an_action_bound_twice_is_refused()
    {
        AwsQueryService Part(params string[] actions)
        {
            var part = new AwsQueryService("ec2", "2016-11-15", Ec2QueryXml.Namespace, AwsQueryDialect.Ec2);
            foreach (var action in actions)
            {
                part.Command(action, _ => new Nothing());
            }

            return part;
        }

        var registry = new AwsQueryRegistry([Part("DescribeInstances"), Part("DescribeVpcs", "CreateVpc"), Part("DescribeVolumes")]);
        Assert.Equal(["CreateVpc", "DescribeInstances", "DescribeVolumes", "DescribeVpcs"], registry.Find("ec2")!.Actions.Order(StringComparer.Ordinal));
        Assert.Equal(AwsQueryDialect.Ec2, registry.Find("ec2")!.Dialect);
        Assert.Throws<InvalidOperationException>(() => new AwsQueryRegistry([Part("DescribeVpcs"), Part("DescribeVpcs")]));
        var otherVersion = new AwsQueryService("ec2", "2015-10-01", Ec2QueryXml.Namespace, AwsQueryDialect.Ec2);
        Assert.Throws<InvalidOperationException>(() => new AwsQueryRegistry([Part("DescribeVpcs"), otherVersion]));
    }

    private sealed record Nothing : Mediator.IRequest;
}
