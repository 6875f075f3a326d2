using System.Text;
using System.Text.Json;
using Platform.HostAgent.Metadata;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Tests.Metadata;

/// <summary>The metadata service's answers as EC2's: paths, listings, user data, the identity document and IMDSv2's token rules.</summary>
public sealed class MetadataResponderTests
{
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private readonly ManualClock _clock = new();
    private readonly MetadataResponder _responder;

    public MetadataResponderTests() => _responder = new MetadataResponder(new MetadataTokens(Key, _clock));

    internal static MetadataGuest Guest(string id = "i-0123456789abcdef0", string tokens = "optional", string? userData = "IyEvYmluL3NoCmVjaG8gaGk=",
        string? publicIp = null, string? key = "ssh-ed25519 AAAAC3Nza test@example", int hopLimit = 1) => new(
        new DesiredInstance(id, 1, 256, DesiredPower.Running, new GuestImage("ami-0000000000000000a", ImageFormat.Kernel), "console=ttyS0",
            Interfaces:
            [
                new DesiredInterface("eni-0000000000000000a", "02:00:0A:00:01:05", "10.0.1.5", 24, "10.0.1.1", "vpc-0000000000000000a", 7, [], [],
                    publicIp, "subnet-0000000000000000a"),
                new DesiredInterface("eni-0000000000000000b", "02:00:0a:00:02:09", "10.0.2.9", 24, "10.0.2.1", "vpc-0000000000000000a", 7, [], []),
            ],
            PublicKey: key, UserData: userData),
        new DesiredInstanceMetadata("123456789012", "us-east-1", "us-east-1a", "t3.micro", "ami-0000000000000000a", "ip-10-0-1-5.ec2.internal",
            new DateTimeOffset(2026, 12, 5, 9, 30, 0, TimeSpan.Zero), key is null ? null : "my-key", ["default", "web"], tokens, hopLimit));

    private MetadataAnswer Get(MetadataGuest guest, string path, string? token = null) => _responder.Answer(guest, new MetadataRequest("GET", path, token));

    private string Token(MetadataGuest guest, string ttl = "21600")
    {
        var answer = _responder.Answer(guest, new MetadataRequest("PUT", MetadataResponder.TokenPath, TokenTtl: ttl));
        Assert.Equal(200, answer.Status);
        return answer.Text;
    }

    [Theory]
    [InlineData("/latest/meta-data/instance-id", "i-0123456789abcdef0")]
    [InlineData("/latest/meta-data/instance-type", "t3.micro")]
    [InlineData("/latest/meta-data/ami-id", "ami-0000000000000000a")]
    [InlineData("/latest/meta-data/local-ipv4", "10.0.1.5")]
    [InlineData("/latest/meta-data/mac", "02:00:0a:00:01:05")]
    [InlineData("/latest/meta-data/placement/availability-zone", "us-east-1a")]
    [InlineData("/latest/meta-data/placement/region", "us-east-1")]
    [InlineData("/latest/meta-data/hostname", "ip-10-0-1-5.ec2.internal")]
    [InlineData("/latest/meta-data/local-hostname", "ip-10-0-1-5.ec2.internal")]
    [InlineData("/latest/meta-data/security-groups", "default\nweb")]
    [InlineData("/latest/meta-data/public-keys/", "0=my-key")]
    [InlineData("/latest/meta-data/public-keys/0/", "openssh-key")]
    [InlineData("/latest/meta-data/public-keys/0/openssh-key", "ssh-ed25519 AAAAC3Nza test@example\n")]
    [InlineData("/latest/meta-data/placement/", "availability-zone\nregion")]
    [InlineData("/latest/meta-data/network/interfaces/macs/", "02:00:0a:00:01:05/\n02:00:0a:00:02:09/")]
    [InlineData("/latest/meta-data/network/interfaces/macs/02:00:0a:00:01:05/device-number", "0")]
    [InlineData("/latest/meta-data/network/interfaces/macs/02:00:0a:00:02:09/device-number", "1")]
    [InlineData("/latest/meta-data/network/interfaces/macs/02:00:0a:00:01:05/local-ipv4s", "10.0.1.5")]
    [InlineData("/latest/meta-data/network/interfaces/macs/02:00:0a:00:01:05/subnet-id", "subnet-0000000000000000a")]
    [InlineData("/latest/meta-data/network/interfaces/macs/02:00:0a:00:01:05/subnet-ipv4-cidr-block", "10.0.1.0/24")]
    [InlineData("/latest/meta-data/network/interfaces/macs/02:00:0a:00:02:09/vpc-id", "vpc-0000000000000000a")]
    [InlineData("/latest/meta-data/network/interfaces/macs/02:00:0a:00:01:05/owner-id", "123456789012")]
    [InlineData("/latest/user-data", "#!/bin/sh\necho hi")]
    [InlineData("/latest/", "dynamic/\nmeta-data/\nuser-data")]
    public void Given_a_guest_Then_each_path_answers_as_EC2(string path, string expected)
    {
        var answer = Get(Guest(), path);
        Assert.Equal(200, answer.Status);
        Assert.Equal(expected, answer.Text);
    }

    [Fact]
    public void Given_the_listing_Then_it_names_every_entry_and_directories_end_in_a_slash_and_public_ipv4_only_with_an_elastic_ip()
    {
        var listing = Get(Guest(), "/latest/meta-data/").Text.Split('\n');
        Assert.Equal(["ami-id", "ami-launch-index", "hostname", "instance-id", "instance-type", "local-ipv4", "local-hostname", "mac", "network/", "placement/",
            "public-keys/", "security-groups"], listing);
        Assert.Equal(Get(Guest(), "/latest/meta-data/").Text, Get(Guest(), "/latest/meta-data").Text);
        Assert.Equal(404, Get(Guest(), "/latest/meta-data/public-ipv4").Status);
        Assert.Equal(404, Get(Guest(), "/latest/meta-data/network/interfaces/macs/02:00:0a:00:01:05/public-ipv4s").Status);

        var withAddress = Guest(publicIp: "198.51.100.7");
        Assert.Contains("public-ipv4", Get(withAddress, "/latest/meta-data/").Text.Split('\n'));
        Assert.Equal("198.51.100.7", Get(withAddress, "/latest/meta-data/public-ipv4").Text);
        Assert.Equal("198.51.100.7", Get(withAddress, "/latest/meta-data/network/interfaces/macs/02:00:0a:00:01:05/public-ipv4s").Text);
    }

    [Theory]
    [InlineData("/latest/meta-data/nothing")]
    [InlineData("/latest/meta-data/instance-id/more")]
    [InlineData("/latest/meta-data/network/interfaces/macs/02:00:0a:00:99:99/")]
    [InlineData("/other")]
    [InlineData("/latest/meta-data/../../etc/passwd")]
    public void Given_a_path_that_is_not_there_Then_404(string path) => Assert.Equal(404, Get(Guest(), path).Status);

    [Fact]
    public void Given_no_user_data_or_key_Then_those_paths_are_404()
    {
        var bare = Guest(userData: null, key: null);
        Assert.Equal(404, Get(bare, "/latest/user-data").Status);
        Assert.Equal(404, Get(bare, "/latest/meta-data/public-keys/").Status);
        Assert.DoesNotContain("public-keys/", Get(bare, "/latest/meta-data/").Text.Split('\n'));
    }

    [Fact]
    public void Given_the_identity_document_Then_it_is_EC2s_JSON()
    {
        var answer = Get(Guest(), "/latest/dynamic/instance-identity/document");
        Assert.Equal((200, "application/json"), (answer.Status, answer.ContentType));
        using var document = JsonDocument.Parse(answer.Body);
        var root = document.RootElement;
        Assert.Equal("i-0123456789abcdef0", root.GetProperty("instanceId").GetString());
        Assert.Equal("123456789012", root.GetProperty("accountId").GetString());
        Assert.Equal("us-east-1a", root.GetProperty("availabilityZone").GetString());
        Assert.Equal("us-east-1", root.GetProperty("region").GetString());
        Assert.Equal("10.0.1.5", root.GetProperty("privateIp").GetString());
        Assert.Equal("t3.micro", root.GetProperty("instanceType").GetString());
        Assert.Equal("ami-0000000000000000a", root.GetProperty("imageId").GetString());
        Assert.Equal("2026-12-05T09:30:00Z", root.GetProperty("pendingTime").GetString());
        Assert.Equal("2017-09-30", root.GetProperty("version").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("kernelId").ValueKind);
    }

    [Fact]
    public void Given_tokens_required_Then_only_a_request_with_a_good_token_is_answered()
    {
        var guest = Guest(tokens: "required", hopLimit: 2);
        Assert.Equal(401, Get(guest, "/latest/meta-data/instance-id").Status);
        Assert.Equal(401, Get(guest, "/latest/user-data").Status);
        Assert.Equal(401, Get(guest, "/latest/meta-data/instance-id", "").Status);

        var put = _responder.Answer(guest, new MetadataRequest("PUT", MetadataResponder.TokenPath, TokenTtl: "60"));
        Assert.Equal(200, put.Status);
        Assert.Equal("60", put.Headers[MetadataResponder.TokenTtlHeader]);
        Assert.Equal(2, put.HopLimit);
        Assert.Equal("i-0123456789abcdef0", Get(guest, "/latest/meta-data/instance-id", put.Text).Text);
        Assert.Equal("#!/bin/sh\necho hi", Get(guest, "/latest/user-data", put.Text).Text);

        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(200, Get(guest, "/latest/meta-data/instance-id", put.Text).Status);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(401, Get(guest, "/latest/meta-data/instance-id", put.Text).Status);
    }

    [Fact]
    public void Given_tokens_optional_Then_no_token_is_answered_but_a_bad_one_is_401()
    {
        var guest = Guest();
        Assert.Equal(200, Get(guest, "/latest/meta-data/instance-id").Status);
        Assert.Equal(401, Get(guest, "/latest/meta-data/instance-id", "garbage").Status);
        Assert.Equal(200, Get(guest, "/latest/meta-data/instance-id", Token(guest)).Status);
    }

    [Fact]
    public void Given_another_instances_token_or_one_from_another_agent_Then_401()
    {
        var mine = Guest(tokens: "required");
        var other = Guest(id: "i-0fedcba9876543210", tokens: "required");
        Assert.Equal(401, Get(mine, "/latest/meta-data/instance-id", Token(other)).Status);

        var elsewhere = new MetadataResponder(new MetadataTokens(Enumerable.Repeat((byte)7, 32).ToArray(), _clock));
        var foreign = elsewhere.Answer(mine, new MetadataRequest("PUT", MetadataResponder.TokenPath, TokenTtl: "100")).Text;
        Assert.Equal(401, Get(mine, "/latest/meta-data/instance-id", foreign).Status);

        // A token with its expiry pushed out keeps its MAC, which no longer matches.
        var token = Token(mine, "5");
        var stretched = "9" + token;
        Assert.Equal(401, Get(mine, "/latest/meta-data/instance-id", stretched).Status);
        Assert.Equal(401, Get(mine, "/latest/meta-data/instance-id", token + new string('A', 5000)).Status);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("21601")]
    [InlineData("-1")]
    [InlineData("+5")]
    [InlineData("1.5")]
    [InlineData("99999999999999999999")]
    [InlineData(" 60")]
    public void Given_a_bad_ttl_Then_the_token_is_refused_with_400(string? ttl)
    {
        var answer = _responder.Answer(Guest(), new MetadataRequest("PUT", MetadataResponder.TokenPath, TokenTtl: ttl));
        Assert.Equal(400, answer.Status);
        Assert.Null(answer.HopLimit);
    }

    [Fact]
    public void Given_a_forwarded_token_request_or_the_wrong_method_Then_refused()
    {
        Assert.Equal(403, _responder.Answer(Guest(), new MetadataRequest("PUT", MetadataResponder.TokenPath, TokenTtl: "60", Forwarded: true)).Status);
        Assert.Equal(405, Get(Guest(), MetadataResponder.TokenPath).Status);
        Assert.Equal(405, _responder.Answer(Guest(), new MetadataRequest("POST", "/latest/meta-data/instance-id")).Status);
        Assert.Equal(405, _responder.Answer(Guest(), new MetadataRequest("PUT", "/latest/meta-data/instance-id", TokenTtl: "60")).Status);
        Assert.Equal(200, _responder.Answer(Guest(), new MetadataRequest("HEAD", "/latest/meta-data/instance-id")).Status);
    }

    [Fact]
    public void Given_a_token_key_file_Then_a_restarted_agent_takes_its_tokens()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("imds-").FullName, "imds-token.key");
        try
        {
            var token = MetadataTokens.Load(path, _clock).Issue("i-0123456789abcdef0", 600);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.True(MetadataTokens.Load(path, _clock).IsValid(token, "i-0123456789abcdef0"));
            Assert.False(MetadataTokens.Load(path, _clock).IsValid(token, "i-0fedcba9876543210"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void Given_an_answer_Then_its_text_is_the_bytes_as_UTF8() =>
        Assert.Equal(Encoding.UTF8.GetBytes("t3.micro"), Get(Guest(), "/latest/meta-data/instance-type").Body);
}
