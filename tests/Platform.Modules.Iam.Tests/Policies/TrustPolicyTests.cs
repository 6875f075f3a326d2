using Platform.Modules.Iam.Policies;

namespace Platform.Modules.Iam.Tests.Policies;

/// <summary>Role trust policies: the grammar (a Principal, no Resource) and who they let assume the role.</summary>
public sealed class TrustPolicyTests
{
    private const string Role = "arn:aws:iam::111111111111:role/web";

    [Theory]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*","Principal":{"AWS":"111111111111"}}}""", "Has prohibited field Resource")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","NotResource":"*","Principal":{"AWS":"111111111111"}}}""", "Has prohibited field Resource")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}""", "Statement is missing required element Principal")]
    [InlineData("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"bob"}}}""", "Invalid principal in policy: \"AWS\":\"bob\"")]
    public void Given_a_malformed_trust_policy_Then_MalformedPolicyDocument(string json, string message)
    {
        var error = Assert.Throws<PolicyValidationException>(() => PolicyDocument.Parse(json, PolicyKind.Trust, 2048));
        Assert.Equal("MalformedPolicyDocument", error.Code);
        Assert.Equal(message, error.Message);
    }

    [Theory]
    // The account named: any principal of it (its own policy must then allow sts:AssumeRole, checked elsewhere).
    [InlineData("""{"AWS":"arn:aws:iam::222222222222:root"}""", "arn:aws:iam::222222222222:user/bob", "222222222222", null, true)]
    [InlineData("""{"AWS":"222222222222"}""", "arn:aws:iam::222222222222:root", "222222222222", null, true)]
    [InlineData("""{"AWS":"222222222222"}""", "arn:aws:iam::333333333333:user/bob", "333333333333", null, false)]
    // One user named: that user only.
    [InlineData("""{"AWS":"arn:aws:iam::222222222222:user/bob"}""", "arn:aws:iam::222222222222:user/bob", "222222222222", null, true)]
    [InlineData("""{"AWS":"arn:aws:iam::222222222222:user/bob"}""", "arn:aws:iam::222222222222:user/alice", "222222222222", null, false)]
    // A service principal never signs a request here.
    [InlineData("""{"Service":"ec2.amazonaws.com"}""", "arn:aws:iam::111111111111:root", "111111111111", null, false)]
    public void Given_a_trust_policy_When_a_caller_asks_Then_only_named_principals_are_trusted(string principal, string callerArn, string callerAccount,
        string? externalId, bool trusted)
    {
        var policy = PolicyDocument.Parse("""{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Principal":""" + principal + "}}",
            PolicyKind.Trust, 2048);
        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        if (externalId is not null)
        {
            keys["sts:ExternalId"] = [externalId];
        }

        var decision = PolicyEvaluator.Evaluate([policy], new AuthorizationContext("sts:AssumeRole", Role, keys, callerArn, callerAccount));
        Assert.Equal(trusted ? PolicyDecision.Allow : PolicyDecision.ImplicitDeny, decision);
    }

    [Theory]
    [InlineData("secret-1", true)]
    [InlineData("secret-2", false)]
    [InlineData(null, false)]
    public void Given_an_ExternalId_condition_When_a_caller_asks_Then_only_the_right_id_is_trusted(string? externalId, bool trusted)
    {
        var policy = PolicyDocument.Parse(
            """{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"222222222222"},"Condition":{"StringEquals":{"sts:ExternalId":"secret-1"}}}}""",
            PolicyKind.Trust, 2048);
        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        if (externalId is not null)
        {
            keys["sts:ExternalId"] = [externalId];
        }

        var decision = PolicyEvaluator.Evaluate([policy], new AuthorizationContext("sts:AssumeRole", Role, keys, "arn:aws:iam::222222222222:root", "222222222222"));
        Assert.Equal(trusted ? PolicyDecision.Allow : PolicyDecision.ImplicitDeny, decision);
    }
}
