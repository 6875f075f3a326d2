using System.Text.Json;
using Platform.HostAgent.Metadata;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Tests.Metadata;

/// <summary>
/// The metadata service's <c>iam/</c> as EC2's, from the credentials the agent passes in: info and security-credentials with
/// EC2's field names and dates, EC2's error codes when the role cannot be assumed, nothing for an instance without a profile,
/// and the credentials asked for only by the reads that show them.
/// </summary>
public sealed class InstanceProfileMetadataTests
{
    private const string ProfileArn = "arn:aws:iam::123456789012:instance-profile/app-profile";
    private const string ProfileId = "AIPA0123456789ABCDEFG";
    private const string Association = "iip-assoc-0123456789abcdef0";
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly DateTimeOffset Updated = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
    private readonly MetadataResponder _responder = new(new MetadataTokens(Key, new ManualClock()));

    private static MetadataGuest Guest(InstanceProfileCredentials? credentials, string tokens = "optional", bool profile = true)
    {
        var guest = MetadataResponderTests.Guest(tokens: tokens);
        return guest with
        {
            Metadata = guest.Metadata with { IamInstanceProfile = profile ? new DesiredInstanceProfile(ProfileArn, ProfileId, Association) : null },
            Credentials = credentials,
        };
    }

    private static InstanceProfileCredentials Issued(string association = Association) => new("i-0123456789abcdef0", association, ProfileArn, ProfileId,
        "Success", null, Updated, "app-role", "ASIA0123456789ABCDEF", "wJalr+XUtnFEMI/K7MDENG", "IQoJb3JpZ2luX2Vj/token+", Updated.AddHours(6));

    private static InstanceProfileCredentials Refused(string code, string? role) =>
        new("i-0123456789abcdef0", Association, ProfileArn, ProfileId, code, $"{code} for the test", Updated, role);

    private MetadataAnswer Get(MetadataGuest guest, string path, string? token = null) => _responder.Answer(guest, new MetadataRequest("GET", path, token));

    private static Dictionary<string, string> Json(MetadataAnswer answer)
    {
        Assert.Equal(200, answer.Status);
        return JsonSerializer.Deserialize<Dictionary<string, string>>(answer.Text)!;
    }

    [Fact]
    public void Given_credentials_Then_iam_info_and_security_credentials_answer_as_EC2()
    {
        var guest = Guest(Issued());
        Assert.Contains("iam/", Get(guest, "/latest/meta-data/").Text.Split('\n'));
        Assert.Equal("info\nsecurity-credentials/", Get(guest, "/latest/meta-data/iam/").Text);
        Assert.Equal("app-role", Get(guest, "/latest/meta-data/iam/security-credentials/").Text);
        Assert.Equal("app-role", Get(guest, "/latest/meta-data/iam/security-credentials").Text);

        Assert.Equal(new Dictionary<string, string>
        {
            ["Code"] = "Success", ["LastUpdated"] = "2026-12-06T10:00:00Z", ["InstanceProfileArn"] = ProfileArn, ["InstanceProfileId"] = ProfileId,
        }, Json(Get(guest, "/latest/meta-data/iam/info")));

        var answer = Get(guest, "/latest/meta-data/iam/security-credentials/app-role");
        Assert.Equal(new Dictionary<string, string>
        {
            ["Code"] = "Success", ["LastUpdated"] = "2026-12-06T10:00:00Z", ["Type"] = "AWS-HMAC", ["AccessKeyId"] = "ASIA0123456789ABCDEF",
            ["SecretAccessKey"] = "wJalr+XUtnFEMI/K7MDENG", ["Token"] = "IQoJb3JpZ2luX2Vj/token+", ["Expiration"] = "2026-12-06T16:00:00Z",
        }, Json(answer));
        // EC2's layout, one field a line, the keys as they are (botocore and jq read either; scripts grep it).
        Assert.StartsWith("{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2026-12-06T10:00:00Z\",\n  \"Type\" : \"AWS-HMAC\",", answer.Text, StringComparison.Ordinal);
        Assert.Contains("\"SecretAccessKey\" : \"wJalr+XUtnFEMI/K7MDENG\"", answer.Text, StringComparison.Ordinal);

        Assert.Equal(404, Get(guest, "/latest/meta-data/iam/security-credentials/other-role").Status);
        Assert.Equal(404, Get(guest, "/latest/meta-data/iam/security-credentials/App-Role").Status);
        Assert.Equal(404, Get(guest, "/latest/meta-data/iam/security-credentials/app-role/more").Status);
    }

    [Fact]
    public void Given_an_instance_without_a_profile_Then_there_is_no_iam_at_all()
    {
        var guest = Guest(null, profile: false);
        Assert.DoesNotContain("iam/", Get(guest, "/latest/meta-data/").Text.Split('\n'));
        Assert.Equal(404, Get(guest, "/latest/meta-data/iam/").Status);
        Assert.Equal(404, Get(guest, "/latest/meta-data/iam/security-credentials/").Status);
        Assert.False(_responder.NeedsCredentials(guest, new MetadataRequest("GET", "/latest/meta-data/iam/info")));
        // Credentials handed in by mistake for an instance without a profile show nowhere.
        Assert.Equal(404, Get(Guest(Issued(), profile: false), "/latest/meta-data/iam/info").Status);
    }

    [Fact]
    public void Given_a_role_EC2_may_not_assume_Then_info_and_the_roles_entry_carry_EC2s_error_and_no_keys()
    {
        var guest = Guest(Refused("AssumeRoleUnauthorizedAccess", "app-role"));
        var info = Json(Get(guest, "/latest/meta-data/iam/info"));
        Assert.Equal(("AssumeRoleUnauthorizedAccess", "AssumeRoleUnauthorizedAccess for the test", "2026-12-06T10:00:00Z"),
            (info["Code"], info["Message"], info["LastUpdated"]));
        Assert.Equal("app-role", Get(guest, "/latest/meta-data/iam/security-credentials/").Text);
        // A 200 with Code and Message, as EC2: botocore reads it and gives up instead of retrying.
        var entry = Json(Get(guest, "/latest/meta-data/iam/security-credentials/app-role"));
        Assert.Equal("AssumeRoleUnauthorizedAccess", entry["Code"]);
        Assert.False(entry.ContainsKey("AccessKeyId"));
    }

    [Fact]
    public void Given_a_profile_without_a_role_Then_info_says_InstanceProfileNotFound_and_no_role_is_listed()
    {
        var guest = Guest(Refused("InstanceProfileNotFound", null));
        Assert.Equal("InstanceProfileNotFound", Json(Get(guest, "/latest/meta-data/iam/info"))["Code"]);
        Assert.Equal("info", Get(guest, "/latest/meta-data/iam/").Text);
        Assert.Equal(404, Get(guest, "/latest/meta-data/iam/security-credentials/").Status);
    }

    [Fact]
    public void Given_no_credentials_yet_or_another_associations_Then_iam_is_listed_but_answers_500_and_never_the_old_keys()
    {
        foreach (var guest in new[] { Guest(null), Guest(Issued("iip-assoc-0000000000000000f")) })
        {
            Assert.Contains("iam/", Get(guest, "/latest/meta-data/").Text.Split('\n'));
            Assert.Equal(500, Get(guest, "/latest/meta-data/iam/info").Status);
            var entry = Get(guest, "/latest/meta-data/iam/security-credentials/app-role");
            Assert.Equal(500, entry.Status);
            Assert.DoesNotContain("ASIA", entry.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Given_requests_Then_only_reads_under_iam_that_pass_the_token_rules_need_the_credentials()
    {
        var guest = Guest(null);
        Assert.True(_responder.NeedsCredentials(guest, new MetadataRequest("GET", "/latest/meta-data/iam/security-credentials/app-role")));
        Assert.True(_responder.NeedsCredentials(guest, new MetadataRequest("HEAD", "/latest/meta-data/iam?x=1")));
        Assert.False(_responder.NeedsCredentials(guest, new MetadataRequest("GET", "/latest/meta-data/instance-id")));
        Assert.False(_responder.NeedsCredentials(guest, new MetadataRequest("GET", "/latest/meta-data/")));
        Assert.False(_responder.NeedsCredentials(guest, new MetadataRequest("GET", "/latest/meta-data/iamx")));
        Assert.False(_responder.NeedsCredentials(guest, new MetadataRequest("PUT", "/latest/meta-data/iam/info")));
        Assert.False(_responder.NeedsCredentials(guest, new MetadataRequest("GET", "/latest/meta-data/iam/info", Token: "not-a-token")));

        // IMDSv2 required: without a token nothing is fetched (and the answer is 401); with a good one, it is.
        var required = Guest(Issued(), tokens: "required");
        Assert.False(_responder.NeedsCredentials(required, new MetadataRequest("GET", "/latest/meta-data/iam/info")));
        Assert.Equal(401, Get(required, "/latest/meta-data/iam/security-credentials/app-role").Status);
        var token = _responder.Answer(required, new MetadataRequest("PUT", MetadataResponder.TokenPath, TokenTtl: "60")).Text;
        Assert.True(_responder.NeedsCredentials(required, new MetadataRequest("GET", "/latest/meta-data/iam/info", token)));
        Assert.Equal("ASIA0123456789ABCDEF", Json(Get(required, "/latest/meta-data/iam/security-credentials/app-role", token))["AccessKeyId"]);
    }
}
