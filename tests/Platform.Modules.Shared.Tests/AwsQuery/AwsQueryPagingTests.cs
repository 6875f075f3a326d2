using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Shared.Tests.AwsQuery;

public sealed class AwsQueryPagingTests
{
    private static AwsQueryPaging Read(string form, int max = 100, int? defaultSize = null) =>
        AwsQueryPaging.Read(AwsQueryParameters.Parse([form]), "MaxRecords", "NextToken", max, defaultSize);

    [Fact]
    public void Given_pages_of_two_When_followed_by_their_tokens_Then_every_item_comes_once_in_key_order()
    {
        string[] items = ["d", "a", "e", "c", "b"];
        var seen = new List<string>();
        string? token = null;
        do
        {
            var (page, next) = Read("MaxRecords=2" + (token is null ? "" : "&NextToken=" + token)).Apply(items, i => i);
            Assert.InRange(page.Count, 1, 2);
            seen.AddRange(page);
            token = next;
        }
        while (token is not null);

        Assert.Equal(["a", "b", "c", "d", "e"], seen);
    }

    [Fact]
    public void Given_an_item_deleted_between_pages_When_the_next_page_is_asked_Then_nothing_repeats_or_hides()
    {
        var (first, token) = Read("MaxRecords=2").Apply(["a", "b", "c", "d"], i => i);
        Assert.Equal(["a", "b"], first);
        var (rest, end) = Read("MaxRecords=2&NextToken=" + token).Apply(["a", "c", "d"], i => i);
        Assert.Equal(["c", "d"], rest);
        Assert.Null(end);
    }

    [Fact]
    public void Given_no_page_size_When_applied_Then_the_default_or_the_maximum_is_the_page()
    {
        var items = Enumerable.Range(0, 120).Select(i => i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(50, Read("", defaultSize: 50).Apply(items, i => i).Items.Count);
        Assert.Equal(100, Read("").Apply(items, i => i).Items.Count);
        var (all, token) = Read("", max: 400).Apply(items, i => i);
        Assert.Equal(120, all.Count);
        Assert.Null(token);
    }

    [Theory]
    [InlineData("MaxRecords=0", "ValidationError")]
    [InlineData("MaxRecords=101", "ValidationError")]
    [InlineData("MaxRecords=-1", "ValidationError")]
    [InlineData("MaxRecords=ten", "InvalidParameterValue")]
    [InlineData("NextToken=not-ours", "InvalidNextToken")]
    [InlineData("NextToken=YWZ0ZXI6", "InvalidNextToken")]
    public void Given_a_bad_size_or_token_When_read_Then_it_is_refused_with_the_services_code(string form, string code)
    {
        var error = Assert.Throws<ApiException>(() => Read(form));
        Assert.Equal(code, error.Code);
        Assert.Equal(400, error.StatusCode);
    }

    [Fact]
    public void Given_ELBv2s_names_When_read_Then_PageSize_and_Marker_are_the_parameters()
    {
        var parameters = AwsQueryParameters.Parse(["PageSize=1"]);
        var (page, marker) = AwsQueryPaging.Read(parameters, "PageSize", "Marker", 400, invalidTokenCode: "ValidationError").Apply(["x", "y"], i => i);
        Assert.Equal(["x"], page);
        var (rest, end) = AwsQueryPaging.Read(AwsQueryParameters.Parse(["PageSize=1&Marker=" + marker]), "PageSize", "Marker", 400).Apply(["x", "y"], i => i);
        Assert.Equal(["y"], rest);
        Assert.Null(end);
        Assert.Equal("ValidationError", Assert.Throws<ApiException>(() =>
            AwsQueryPaging.Read(AwsQueryParameters.Parse(["Marker=zz"]), "PageSize", "Marker", 400, invalidTokenCode: "ValidationError")).Code);
    }

    [Fact]
    public void Given_a_scoped_token_When_read_by_its_own_scope_Then_it_goes_on_and_by_another_or_unscoped_Then_it_is_refused()
    {
        AwsQueryPaging Read(string form, string scope) =>
            AwsQueryPaging.Read(AwsQueryParameters.Parse([form]), "PageSize", "Marker", 400, invalidTokenCode: "ValidationError", scope: scope);
        var (_, marker) = Read("PageSize=1", "DescribeRules").Apply(["a", "b", "c"], i => i);
        Assert.NotNull(marker);
        Assert.Equal(["b"], Read("PageSize=1&Marker=" + marker, "DescribeRules").Apply(["a", "b", "c"], i => i).Items);
        Assert.Equal("ValidationError", Assert.Throws<ApiException>(() => Read("Marker=" + marker, "DescribeTargetGroups")).Code);
        Assert.Equal("ValidationError", Assert.Throws<ApiException>(() => Read("Marker=" + marker, "")).Code);
        var (_, unscoped) = Read("PageSize=1", "").Apply(["a", "b"], i => i);
        Assert.Equal("ValidationError", Assert.Throws<ApiException>(() => Read("Marker=" + unscoped, "DescribeRules")).Code);
    }

    [Fact]
    public void Given_an_empty_list_as_botocore_sends_it_When_read_Then_it_is_empty_and_an_absent_one_null()
    {
        var parameters = AwsQueryParameters.Parse(["TerminationPolicies=&Names.member.1=a&Names.member.2=b"]);
        Assert.Equal([], parameters.OptionalStringList("TerminationPolicies"));
        Assert.Equal(["a", "b"], parameters.OptionalStringList("Names"));
        Assert.Null(parameters.OptionalStringList("Other"));
        parameters.RejectUnread();
    }

    [Theory]
    [InlineData("1.5", 1.5)]
    [InlineData("-10", -10.0)]
    [InlineData("1e3", 1000.0)]
    public void Given_numbers_When_read_as_doubles_Then_they_parse_invariantly(string text, double expected) =>
        Assert.Equal(expected, AwsQueryParameters.Parse(["V=" + text]).OptionalDouble("V"));

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1,5")]
    public void Given_non_numbers_When_read_as_doubles_Then_InvalidParameterValue(string text) =>
        Assert.Equal("InvalidParameterValue", Assert.Throws<ApiException>(() => AwsQueryParameters.Parse(["V=" + text]).OptionalDouble("V")).Code);
}
