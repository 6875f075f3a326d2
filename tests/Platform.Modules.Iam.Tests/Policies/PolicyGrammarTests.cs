using Platform.Modules.Iam.Policies;

namespace Platform.Modules.Iam.Tests.Policies;

public sealed class PolicyGrammarTests
{
    [Theory]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}""")]
    [InlineData("""{"Version":"2008-10-17","Statement":[{"Sid":"A1","Effect":"Deny","NotAction":["iam:*"],"NotResource":"*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:username":"bob"},"ForAnyValue:StringLike":{"aws:TagKeys":["a*"]}}}]}""")]
    public void Given_a_valid_identity_policy_Then_it_parses(string json)
    {
        var policy = PolicyDocument.Parse(json, PolicyKind.Identity, 6144);
        Assert.Equal(json, policy.Text);
        Assert.NotEmpty(policy.Statements);
    }

    [Theory]
    [InlineData("{not json", "Syntax errors in policy.")]
    [InlineData("""[]""", "Syntax errors in policy.")]
    [InlineData("""{"Version":"2012-10-17"}""", "Syntax errors in policy.")]
    [InlineData("""{"Version":"2012-10-17","Statement":[]}""", "Syntax errors in policy.")]
    [InlineData("""{"Version":"2011-01-01","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}""", "The policy failed legacy parsing")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"*","Resource":"*"}}""", "Invalid effect: allow")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Action":"*","Resource":"*"}}""", "Missing required field Effect")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*"}}""", "Policy statement must contain actions.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*"}}""", "Policy statement must contain resources.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}}""", "Statement cannot have both Action and NotAction.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}}""", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"bucket"}}""", "Resource bucket must be in ARN format or \"*\".")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Principal":"*"}}""", "Policy document should not specify a principal.")]
    [InlineData("""{"Version":"2012-10-17","Statement":[{"Sid":"x","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"x","Effect":"Deny","Action":"*","Resource":"*"}]}""", "Statement IDs (SID) in a single policy must be unique.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Sid":"a-b","Effect":"Allow","Action":"*","Resource":"*"}}""", "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringSortOf":{"aws:username":"a"}}}}""", "Invalid Condition type : StringSortOf.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Color":"red"}}""", "Syntax errors in policy. Unknown field Color.")]
    [InlineData("""{"Version":"2012-10-17","Extra":1,"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}""", "Syntax errors in policy. Unknown field Extra.")]
    // Found by PolicyPropertyTests: an escaped lone surrogate is valid JSON that .NET cannot read as a string (it was a 500).
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get\ud800","Resource":"*"}}""", "Syntax errors in policy.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","\udc00":1}}""", "Syntax errors in policy.")]
    public void Given_a_malformed_policy_Then_MalformedPolicyDocument_with_AWS_message(string json, string message)
    {
        var error = Assert.Throws<PolicyValidationException>(() => PolicyDocument.Parse(json, PolicyKind.Identity, 6144));
        Assert.Equal("MalformedPolicyDocument", error.Code);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Given_text_that_is_not_utf16_Then_MalformedPolicyDocument()
    {
        // Found by PolicyPropertyTests: a lone surrogate in the text itself made JsonDocument throw ArgumentException.
        var error = Assert.Throws<PolicyValidationException>(() =>
            PolicyDocument.Parse("{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:\ud800\",\"Resource\":\"*\"}}", PolicyKind.Identity, 6144));
        Assert.Equal(("MalformedPolicyDocument", "Syntax errors in policy."), (error.Code, error.Message));
    }

    [Fact]
    public void Given_a_policy_over_the_size_quota_Then_LimitExceeded_counting_no_white_space()
    {
        var statement = """{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/key"}""";
        var large = $$"""{"Version":"2012-10-17","Statement":[{{string.Join(',', Enumerable.Repeat(statement, 40))}}]}""";
        var error = Assert.Throws<PolicyValidationException>(() => PolicyDocument.Parse(large, PolicyKind.Identity, 2048));
        Assert.Equal("LimitExceeded", error.Code);
        Assert.Equal("Cannot exceed quota for PolicySize: 2048", error.Message);

        var padded = statement.Replace(",", ",                    ", StringComparison.Ordinal);
        var withSpaces = $$"""{"Version":"2012-10-17","Statement":[{{padded}}]}""";
        Assert.True(withSpaces.Length > 150);
        PolicyDocument.Parse(withSpaces, PolicyKind.Identity, 150);
    }

    [Theory]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}""", "Statement is missing required element Principal")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"s3:*","Resource":"*"}}""", "Statement cannot have both Principal and NotPrincipal.")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3:*","Resource":"*"}}""", "Invalid principal in policy: \"AWS\":\"bob\"")]
    public void Given_a_resource_policy_without_a_valid_principal_Then_malformed(string json, string message)
    {
        var error = Assert.Throws<PolicyValidationException>(() => PolicyDocument.Parse(json, PolicyKind.Resource, 20480));
        Assert.Equal(message, error.Message);
    }
}
