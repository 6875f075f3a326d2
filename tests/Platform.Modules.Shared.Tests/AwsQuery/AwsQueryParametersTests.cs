using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Shared.Tests.AwsQuery;

public sealed class AwsQueryParametersTests
{
    [Fact]
    public void Given_a_form_body_and_a_query_string_When_parsed_Then_both_are_read_and_decoded()
    {
        var parameters = AwsQueryParameters.Parse(["Action=ListUsers", "Version=2010-05-08&PathPrefix=%2Fdev%2F&Description=a+b%20c&Empty="]);

        Assert.Equal("ListUsers", parameters.Required("Action"));
        Assert.Equal("/dev/", parameters.Optional("PathPrefix"));
        Assert.Equal("a b c", parameters.Optional("Description"));
        Assert.Equal("", parameters.Optional("Empty"));
        Assert.Null(parameters.Optional("Marker"));
    }

    [Fact]
    public void Given_UTF8_percent_encoded_When_parsed_Then_characters_come_back()
    {
        var parameters = AwsQueryParameters.Parse(["Description=%C3%A9t%C3%A9+%F0%9F%99%82"]);
        Assert.Equal("été 🙂", parameters.Optional("Description"));
    }

    [Fact]
    public void Given_member_N_lists_When_read_Then_members_come_in_index_order_not_text_order()
    {
        var parameters = AwsQueryParameters.Parse(["Names.member.10=j&Names.member.2=b&Names.member.1=a&" + string.Join('&',
            Enumerable.Range(3, 7).Select(i => $"Names.member.{i}={(char)('a' + i - 1)}"))]);

        Assert.Equal(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"], parameters.StringList("Names"));
        Assert.Empty(parameters.StringList("Absent"));
    }

    [Fact]
    public void Given_a_list_of_structures_and_a_nested_structure_When_read_Then_each_member_has_its_fields()
    {
        var parameters = AwsQueryParameters.Parse(["Tags.member.1.Key=team&Tags.member.1.Value=blue&Tags.member.2.Key=env&Tags.member.2.Value=prod"
            + "&Config.Limits.Max=5&Config.Name=x"]);

        var tags = parameters.List("Tags");
        Assert.Equal(2, tags.Count);
        Assert.Equal(("team", "blue"), (tags[0].Required("Key"), tags[0].Required("Value")));
        Assert.Equal(("env", "prod"), (tags[1].Required("Key"), tags[1].Required("Value")));

        var config = parameters.Structure("Config")!;
        Assert.Equal("x", config.Required("Name"));
        Assert.Equal(5, config.Structure("Limits")!.OptionalInt("Max"));
        Assert.Null(parameters.Structure("Other"));
        parameters.RejectUnread();
    }

    [Fact]
    public void Given_a_parameter_no_action_read_When_checked_Then_it_is_refused_by_name()
    {
        var parameters = AwsQueryParameters.Parse(["Action=CreateUser&Version=1&UserName=a&Tags.member.1.Key=k"]);
        parameters.Required("UserName");

        var error = Assert.Throws<ApiException>(() => parameters.RejectUnread("Action", "Version"));
        Assert.Equal((400, "UnknownParameter"), (error.StatusCode, error.Code));
        Assert.Contains("Tags.member.1.Key", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("A=1&A=2", "given more than once")]
    [InlineData("A=%4", "percent-encoding")]
    [InlineData("A=%zz", "percent-encoding")]
    [InlineData("A=%", "percent-encoding")]
    [InlineData("A=%C3%28", "UTF-8")]
    [InlineData("=value", "no name")]
    public void Given_malformed_input_When_parsed_Then_MalformedQueryString_says_why(string form, string reason)
    {
        var error = Assert.Throws<ApiException>(() => AwsQueryParameters.Parse([form]));
        Assert.Equal((400, "MalformedQueryString"), (error.StatusCode, error.Code));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_the_same_parameter_in_the_query_string_and_the_body_When_parsed_Then_it_is_refused()
    {
        var error = Assert.Throws<ApiException>(() => AwsQueryParameters.Parse(["Action=ListUsers", "Action=DeleteUser"]));
        Assert.Equal("MalformedQueryString", error.Code);
    }

    [Fact]
    public void Given_more_parameters_than_the_limit_When_parsed_Then_it_is_refused_before_reading_them_all()
    {
        var form = string.Join('&', Enumerable.Range(1, AwsQueryParameters.MaxParameters + 1).Select(i => $"P{i}=v"));
        var error = Assert.Throws<ApiException>(() => AwsQueryParameters.Parse([form]));
        Assert.Contains($"more than {AwsQueryParameters.MaxParameters}", error.Message, StringComparison.Ordinal);

        var name = new string('n', AwsQueryParameters.MaxNameLength + 1);
        Assert.Equal("MalformedQueryString", Assert.Throws<ApiException>(() => AwsQueryParameters.Parse([$"{name}=v"])).Code);
    }

    [Theory]
    [InlineData("L.member.1=a&L.member.3=c", "no member 2")]
    [InlineData("L.member.0=a", "no valid member index")]
    [InlineData("L.member.01=a", "no valid member index")]
    [InlineData("L.member.x=a", "no valid member index")]
    [InlineData("L.member.99999=a", "no valid member index")]
    [InlineData("L.member.2=b", "no member 1")]
    public void Given_a_list_with_bad_indexes_When_read_Then_it_is_refused(string form, string reason)
    {
        var parameters = AwsQueryParameters.Parse([form]);
        var error = Assert.Throws<ApiException>(() => parameters.StringList("L"));
        Assert.Equal((400, "MalformedQueryString"), (error.StatusCode, error.Code));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_typed_parameters_When_not_of_their_type_Then_InvalidParameterValue_names_them()
    {
        var parameters = AwsQueryParameters.Parse(["MaxItems=ten&Flag=yes&Ok=12&On=true"]);
        Assert.Equal("InvalidParameterValue", Assert.Throws<ApiException>(() => parameters.OptionalInt("MaxItems")).Code);
        Assert.Equal("InvalidParameterValue", Assert.Throws<ApiException>(() => parameters.OptionalBool("Flag")).Code);
        Assert.Equal(12, parameters.OptionalInt("Ok"));
        Assert.True(parameters.OptionalBool("On"));
        Assert.Equal("MissingParameter", Assert.Throws<ApiException>(() => parameters.Required("UserName")).Code);
    }

    [Fact]
    public void Given_transport_parameters_When_ignored_Then_they_are_neither_values_nor_unknown()
    {
        var parameters = AwsQueryParameters.Parse(["Action=ListUsers&X-Amz-Signature=abc&X-Amz-Date=x"], name => name.StartsWith("X-Amz-", StringComparison.Ordinal));
        Assert.Null(parameters.Optional("X-Amz-Signature"));
        parameters.RejectUnread("Action");
    }

    [Fact]
    public void Given_RDS_lists_whose_members_the_model_names_When_read_Then_name_memberName_N_is_the_list_and_member_N_is_not_read()
    {
        var parameters = AwsQueryParameters.Parse(["Tags.Tag.2.Key=env&Tags.Tag.2.Value=prod&Tags.Tag.1.Key=team&Tags.Tag.1.Value=blue"
            + "&Filters.Filter.1.Name=engine&Filters.Filter.1.Values.Value.1=postgres&Filters.Filter.1.Values.Value.2=mysql"
            + "&VpcSecurityGroupIds.VpcSecurityGroupId.1=sg-1&SubnetIds=&Stray.member.1=x"]);

        var tags = parameters.List("Tags", "Tag");
        Assert.Equal([("team", "blue"), ("env", "prod")], tags.Select(t => (t.Required("Key"), t.Required("Value"))));
        var filter = Assert.Single(parameters.List("Filters", "Filter"));
        Assert.Equal("engine", filter.Required("Name"));
        Assert.Equal(["postgres", "mysql"], filter.StringList("Values", "Value"));
        Assert.Equal(["sg-1"], parameters.OptionalStringList("VpcSecurityGroupIds", "VpcSecurityGroupId"));
        Assert.Equal([], parameters.OptionalStringList("SubnetIds", "SubnetIdentifier"));
        Assert.Null(parameters.OptionalStringList("Absent", "Item"));

        // Named members are not member.N: a list sent the other way is left unread and refused.
        Assert.Empty(parameters.List("Stray", "Item"));
        var unread = Assert.Throws<ApiException>(() => parameters.RejectUnread());
        Assert.Equal("UnknownParameter", unread.Code);
        Assert.Contains("Stray.member.1", unread.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_a_named_member_list_with_a_gap_or_a_bad_index_When_read_Then_it_is_MalformedQueryString()
    {
        Assert.Equal("MalformedQueryString", Assert.Throws<ApiException>(() =>
            AwsQueryParameters.Parse(["Tags.Tag.1.Key=a&Tags.Tag.3.Key=c"]).List("Tags", "Tag")).Code);
        Assert.Equal("MalformedQueryString", Assert.Throws<ApiException>(() =>
            AwsQueryParameters.Parse(["SubnetIds.SubnetIdentifier.01=a"]).StringList("SubnetIds", "SubnetIdentifier")).Code);
    }
}
