using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.LoadBalancing.Rules;
using Platform.Modules.Shared.Errors;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.Modules.Network.Tests.LoadBalancing;

/// <summary>ELBv2's rule conditions: what is refused (ValidationError, as ELBv2 answers) and which requests match.</summary>
public sealed class RuleConditionTests(ITestOutputHelper output)
{
    private static RuleConditionSpec Path(params string[] values) => new("path-pattern", PathPatternConfig: new ValuesConfig(values));

    private static RuleConditionSpec Host(params string[] values) => new("host-header", HostHeaderConfig: new ValuesConfig(values));

    private static HttpRequestFacts Request(string path = "/", string host = "example.com", string method = "GET", string source = "10.0.0.5",
        Dictionary<string, IReadOnlyList<string>>? headers = null, params (string Key, string Value)[] query)
    {
        _ = Ipv4.TryParse(source, out var address);
        return new HttpRequestFacts(method, host, path, headers ?? [], query.Select(q => KeyValuePair.Create(q.Key, q.Value)).ToList(), address);
    }

    private static void Refused(IReadOnlyList<RuleConditionSpec>? specs)
    {
        var error = Assert.Throws<ApiException>(() => RuleConditions.Check(specs));
        Assert.Equal((400, "ValidationError"), (error.StatusCode, error.Code));
    }

    [Fact]
    public void Given_no_conditions_or_an_unknown_field_Then_the_rule_is_refused()
    {
        Refused(null);
        Refused([]);
        Refused([new RuleConditionSpec("cookie", ["a"])]);
        Refused([new RuleConditionSpec(null, ["a"])]);
        Refused([new RuleConditionSpec("Path-Pattern", ["/a"])]);
    }

    [Fact]
    public void Given_a_field_named_twice_that_ELBv2_allows_once_Then_it_is_refused_but_headers_and_query_strings_may_repeat()
    {
        Refused([Path("/a"), Path("/b")]);
        Refused([Host("a.example.com"), Host("b.example.com")]);
        Refused([new RuleConditionSpec("http-request-method", HttpRequestMethodConfig: new ValuesConfig(["GET"])),
            new RuleConditionSpec("http-request-method", HttpRequestMethodConfig: new ValuesConfig(["POST"]))]);
        var twoHeaders = RuleConditions.Check([
            new RuleConditionSpec("http-header", HttpHeaderConfig: new HttpHeaderConfig("X-A", ["1"])),
            new RuleConditionSpec("http-header", HttpHeaderConfig: new HttpHeaderConfig("X-B", ["2"])),
        ]);
        Assert.Equal(2, twoHeaders.Count);
    }

    [Fact]
    public void Given_more_than_five_values_in_all_Then_the_rule_is_refused()
    {
        RuleConditions.Check([Path("/a", "/b", "/c"), Host("a.com", "b.com")]);
        Refused([Path("/a", "/b", "/c"), Host("a.com", "b.com", "c.com")]);
        Refused([new RuleConditionSpec("query-string", QueryStringConfig: new QueryStringConfig(Enumerable.Range(0, 6).Select(i => new QueryStringPair($"k{i}", "v")).ToList()))]);
    }

    [Theory]
    [InlineData("path-pattern", "")]
    [InlineData("path-pattern", "/a b")]
    [InlineData("path-pattern", "/<script>")]
    [InlineData("host-header", "exa_mple.com")]
    [InlineData("host-header", "a/b")]
    [InlineData("http-request-method", "get")]
    [InlineData("http-request-method", "GET1")]
    [InlineData("source-ip", "10.0.0.1")]
    [InlineData("source-ip", "10.0.0.0/33")]
    [InlineData("source-ip", "10.0.0.1/8")]
    public void Given_a_value_outside_the_field_s_characters_Then_the_rule_is_refused(string field, string value)
    {
        Refused([new RuleConditionSpec(field, HostHeaderConfig: new ValuesConfig([value]), PathPatternConfig: new ValuesConfig([value]),
            HttpRequestMethodConfig: new ValuesConfig([value]), SourceIpConfig: new ValuesConfig([value]))]);
    }

    [Fact]
    public void Given_a_value_too_long_a_header_without_name_or_a_query_pair_without_value_Then_the_rule_is_refused()
    {
        Refused([Path("/" + new string('a', 128))]);
        RuleConditions.Check([Path("/" + new string('a', 127))]);
        Refused([new RuleConditionSpec("http-header", HttpHeaderConfig: new HttpHeaderConfig(null, ["x"]))]);
        Refused([new RuleConditionSpec("http-header", HttpHeaderConfig: new HttpHeaderConfig("Bad Header", ["x"]))]);
        Refused([new RuleConditionSpec("query-string", QueryStringConfig: new QueryStringConfig([new QueryStringPair("k", null)]))]);
        Refused([new RuleConditionSpec("path-pattern", ["/a"], PathPatternConfig: new ValuesConfig(["/b"]))]);
    }

    [Fact]
    public void Given_the_legacy_values_of_a_path_condition_Then_they_count_as_its_config()
    {
        var condition = Assert.Single(RuleConditions.Check([new RuleConditionSpec("path-pattern", ["/api/*"])]));
        Assert.Equal(["/api/*"], condition.Values);
    }

    [Fact]
    public void Given_path_and_host_rules_Then_the_lowest_priority_that_matches_wins_and_the_default_otherwise()
    {
        var api = new PrioritizedRule<string>(10, RuleConditions.Check([Path("/api/*")]), "api");
        var admin = new PrioritizedRule<string>(5, RuleConditions.Check([Path("/api/admin*"), Host("admin.example.com")]), "admin");
        var images = new PrioritizedRule<string>(20, RuleConditions.Check([Host("*.images.example.com")]), "images");
        PrioritizedRule<string>[] rules = [images, api, admin];

        Assert.Equal("api", RuleMatcher.Choose(rules, "default", Request("/api/users")));
        Assert.Equal("admin", RuleMatcher.Choose(rules, "default", Request("/api/admin/x", "ADMIN.example.com:8080")));
        Assert.Equal("api", RuleMatcher.Choose(rules, "default", Request("/api/admin/x", "www.example.com")));
        Assert.Equal("images", RuleMatcher.Choose(rules, "default", Request("/", "cdn.images.example.com")));
        Assert.Equal("default", RuleMatcher.Choose(rules, "default", Request("/API/users")));
        Assert.Equal("default", RuleMatcher.Choose(rules, "default", Request("/", "images.example.com")));
    }

    [Fact]
    public void Given_method_source_header_and_query_conditions_Then_each_matches_as_ELBv2_s()
    {
        var method = RuleConditions.Check([new RuleConditionSpec("http-request-method", HttpRequestMethodConfig: new ValuesConfig(["POST", "PUT"]))]);
        Assert.True(RuleMatcher.Matches(method, Request(method: "PUT")));
        Assert.False(RuleMatcher.Matches(method, Request(method: "put")));

        var source = RuleConditions.Check([new RuleConditionSpec("source-ip", SourceIpConfig: new ValuesConfig(["192.168.0.0/16", "10.0.0.0/30"]))]);
        Assert.True(RuleMatcher.Matches(source, Request(source: "10.0.0.3")));
        Assert.False(RuleMatcher.Matches(source, Request(source: "10.0.0.4")));

        var header = RuleConditions.Check([new RuleConditionSpec("http-header", HttpHeaderConfig: new HttpHeaderConfig("User-Agent", ["*Mobile*"]))]);
        Assert.True(RuleMatcher.Matches(header, Request(headers: new() { ["user-agent"] = ["Foo mobile Bar"] })));
        Assert.False(RuleMatcher.Matches(header, Request(headers: new() { ["X-Agent"] = ["Mobile"] })));

        var query = RuleConditions.Check([new RuleConditionSpec("query-string", QueryStringConfig: new QueryStringConfig([new QueryStringPair("version", "v1"), new QueryStringPair(null, "beta*")]))]);
        Assert.True(RuleMatcher.Matches(query, Request(query: ("VERSION", "V1"))));
        Assert.True(RuleMatcher.Matches(query, Request(query: ("channel", "beta-2"))));
        Assert.False(RuleMatcher.Matches(query, Request(query: ("version", "v2"))));
        Assert.False(RuleMatcher.Matches(query, Request()));

        Assert.False(RuleMatcher.Matches([.. method, .. source], Request(method: "PUT", source: "172.16.0.1")), "conditions are ANDed");
    }

    /// <summary>The glob matcher agrees with a regular expression built from the same pattern, over generated patterns and texts.</summary>
    [Fact]
    public void Wildcards_match_as_the_equivalent_regular_expression()
    {
        var alphabet = Gen.Elements('a', 'b', '/', '.');
        var patternChars = Gen.Elements('a', 'b', '/', '.', '*', '?');
        var cases = from pattern in Gen.ArrayOf(patternChars).Select(c => new string(c))
                    from text in Gen.ArrayOf(alphabet).Select(c => new string(c))
                    select (pattern, text);
        PropertyRuns.Check(output, "wildcard", Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var regex = "^" + string.Concat(c.pattern.Select(ch => ch switch { '*' => ".*", '?' => ".", _ => Regex.Escape(ch.ToString()) })) + "$";
            return RuleMatcher.Wildcard(c.pattern, c.text, ignoreCase: false) == Regex.IsMatch(c.text, regex, RegexOptions.Singleline);
        }), inputsPerSeed: 2000);
    }
}
