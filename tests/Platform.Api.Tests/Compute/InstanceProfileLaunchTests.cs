using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Compute;

/// <summary>
/// Instances with IAM instance profiles, on a simulated server: RunInstances with IamInstanceProfile by name or ARN (native
/// JSON and EC2's query protocol), checked against the caller's account and iam:PassRole before anything is made;
/// DescribeInstances shows the profile; Associate / Describe / Replace / DisassociateIamInstanceProfile with EC2's shapes.
/// </summary>
public sealed class InstanceProfileLaunchTests : IAsyncLifetime, IDisposable
{
    private static readonly XNamespace Ec2 = "http://ec2.amazonaws.com/doc/2016-11-15/";

    private readonly PlatformApp _app = new(runJobs: false);
    private HttpClient _root = null!;
    private SimulatedFleet _fleet = null!;
    private string _imageId = null!;

    public async Task InitializeAsync()
    {
        _root = _app.SignedClient(_app.RootCredentials);
        _fleet = new SimulatedFleet(_app, _root);
        await _fleet.AddHostAsync("us-east-1a", cpus: 8, memoryMiB: 8192);
        _imageId = await _root.RegisterKernelImageAsync("profile-image", [1, 2, 3], [4, 5, 6], isPublic: true);
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _app.DisposeAsync();
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Given_instance_profiles_When_instances_are_launched_and_associated_Then_only_the_accounts_profiles_whose_role_it_may_pass_are_taken()
    {
        var root = _app.RootCredentials;
        using var iam = _app.SignedClient(root, "iam");
        var trust = IamSetup.Document(new { Effect = "Allow", Principal = new { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" });
        await (await iam.PostJsonAsync("/api/v1/iam/roles", new { role_name = "app-role", assume_role_policy_document = trust })).AssertOkAsync();
        var app = await (await iam.PostJsonAsync("/api/v1/iam/instance-profiles", new { instance_profile_name = "app-profile" })).AssertOkAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await iam.PutAsync("/api/v1/iam/instance-profiles/app-profile/roles/app-role", null)).StatusCode);
        var bare = await (await iam.PostJsonAsync("/api/v1/iam/instance-profiles", new { instance_profile_name = "bare-profile" })).AssertOkAsync();
        var appArn = app.GetProperty("arn").GetString()!;
        var appId = app.GetProperty("instance_profile_id").GetString()!;
        var bareArn = bare.GetProperty("arn").GetString()!;

        // By name on the native API: the launch and DescribeInstances show the profile's ARN and id.
        var launched = await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = _imageId, iam_instance_profile = new { name = "app-profile" } });
        var first = launched.GetProperty("instance_id").GetString()!;
        Assert.Equal(appArn, launched.GetProperty("instance").GetProperty("iam_instance_profile").GetProperty("arn").GetString());
        var described = await _root.InstanceAsync(first);
        Assert.Equal(appArn, described.GetProperty("iam_instance_profile").GetProperty("arn").GetString());
        Assert.Equal(appId, described.GetProperty("iam_instance_profile").GetProperty("id").GetString());

        // Bad specifications launch nothing.
        var before = await CountAsync(_root);
        await (await _root.PostJsonAsync("/api/v1/ec2/instances", new { instance_type = "t3.nano", image_id = _imageId, iam_instance_profile = new { name = "nope" } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await _root.PostJsonAsync("/api/v1/ec2/instances", new { instance_type = "t3.nano", image_id = _imageId, iam_instance_profile = new { arn = appArn + "x" } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await _root.PostJsonAsync("/api/v1/ec2/instances",
                new { instance_type = "t3.nano", image_id = _imageId, iam_instance_profile = new { arn = appArn, name = "app-profile" } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");
        Assert.Equal(before, await CountAsync(_root));

        // Another account names this account's profile by ARN (or by a name it does not have): as unknown, nothing launched.
        var tenant = await iam.CreateAccountAsync("profile-tenant");
        using (var other = _app.SignedClient(tenant))
        {
            await (await other.PostJsonAsync("/api/v1/ec2/instances", new { instance_type = "t3.nano", image_id = _imageId, iam_instance_profile = new { arn = appArn } }))
                .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
            await (await other.PostJsonAsync("/api/v1/ec2/instances", new { instance_type = "t3.nano", image_id = _imageId, iam_instance_profile = new { name = "app-profile" } }))
                .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
            Assert.Equal(0, await CountAsync(other));
        }

        // A user who may run instances but not pass the role: refused, nothing launched; allowed iam:PassRole on it, launched.
        var launcher = await iam.CreateUserWithKeyAsync("launcher", root.AccountId);
        await iam.AttachAsync("launcher", await iam.CreatePolicyAsync("run-only", IamSetup.Document(
            new { Effect = "Allow", Action = new[] { "ec2:RunInstances", "ec2:DescribeInstances" }, Resource = "*" })));
        using (var user = _app.SignedClient(launcher))
        {
            var refused = await (await user.PostJsonAsync("/api/v1/ec2/instances",
                    new { instance_type = "t3.nano", image_id = _imageId, iam_instance_profile = new { name = "app-profile" } }))
                .AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");
            Assert.Contains("iam:PassRole", refused.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal(before, await CountAsync(_root));
            // A profile without a role passes no role.
            await user.LaunchAsync(new { instance_type = "t3.nano", image_id = _imageId, iam_instance_profile = new { name = "bare-profile" } });
            await iam.AttachAsync("launcher", await iam.CreatePolicyAsync("pass-app-role", IamSetup.Document(
                new { Effect = "Allow", Action = "iam:PassRole", Resource = $"arn:aws:iam::{root.AccountId}:role/app-role" })));
            await Eventually.TrueAsync(async () => (await user.PostJsonAsync("/api/v1/ec2/instances",
                    new { instance_type = "t3.nano", image_id = _imageId, iam_instance_profile = new { name = "app-profile" }, client_token = "pass-1" })).IsSuccessStatusCode,
                TimeSpan.FromSeconds(90), "the user's new iam:PassRole never took effect");
            Assert.Equal(before + 2, await CountAsync(_root));
        }

        // EC2's query protocol: IamInstanceProfile.Arn on RunInstances, iamInstanceProfile in the answer and in DescribeInstances.
        using var ec2 = new HttpClient(new SdkSigningHandler(root, "ec2") { InnerHandler = _app.Server.CreateHandler() }) { BaseAddress = _app.Server.BaseAddress };
        var run = await OkAsync(await ec2.PostAsync("/", Form(
            $"Action=RunInstances&Version=2016-11-15&ImageId={_imageId}&InstanceType=t3.nano&MinCount=1&MaxCount=1&IamInstanceProfile.Arn={Uri.EscapeDataString(appArn)}")));
        var item = run.Element(Ec2 + "instancesSet")!.Element(Ec2 + "item")!;
        var queried = item.Element(Ec2 + "instanceId")!.Value;
        Assert.Equal(appArn, item.Element(Ec2 + "iamInstanceProfile")!.Element(Ec2 + "arn")!.Value);
        var describedXml = await OkAsync(await ec2.PostAsync("/", Form($"Action=DescribeInstances&Version=2016-11-15&InstanceId.1={queried}")));
        Assert.Equal(appId, describedXml.Descendants(Ec2 + "iamInstanceProfile").Single().Element(Ec2 + "id")!.Value);
        // DescribeInstances' iam-instance-profile.arn and .id filters: the profile's instances only, none for another profile.
        foreach (var (filter, value) in new[] { ("iam-instance-profile.arn", appArn), ("iam-instance-profile.id", appId) })
        {
            var byProfile = await OkAsync(await ec2.PostAsync("/", Form($"Action=DescribeInstances&Version=2016-11-15&Filter.1.Name={filter}&Filter.1.Value.1={Uri.EscapeDataString(value)}")));
            Assert.Contains(queried, byProfile.Descendants(Ec2 + "instanceId").Select(e => e.Value));
            Assert.All(byProfile.Descendants(Ec2 + "instancesSet").Elements(Ec2 + "item"),
                i => Assert.Equal(appArn, i.Element(Ec2 + "iamInstanceProfile")?.Element(Ec2 + "arn")?.Value));
        }

        Assert.Empty((await OkAsync(await ec2.PostAsync("/", Form($"Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=iam-instance-profile.arn"
            + $"&Filter.1.Value.1={Uri.EscapeDataString(appArn + "-other")}")))).Element(Ec2 + "reservationSet")!.Elements());
        var badQuery = await ec2.PostAsync("/", Form($"Action=RunInstances&Version=2016-11-15&ImageId={_imageId}&InstanceType=t3.nano&MinCount=1&MaxCount=1&IamInstanceProfile.Name=nope"));
        Assert.Equal("InvalidParameterValue", await ErrorCodeAsync(badQuery, HttpStatusCode.BadRequest));

        // Associations: one per instance; a plain instance gets one, is replaced under a new id, then disassociated.
        Assert.Equal("IncorrectState", await ErrorCodeAsync(await ec2.PostAsync("/", Form(
            $"Action=AssociateIamInstanceProfile&Version=2016-11-15&InstanceId={first}&IamInstanceProfile.Name=bare-profile")), HttpStatusCode.BadRequest));
        var plain = (await _root.LaunchAsync(new { instance_type = "t3.nano", image_id = _imageId })).GetProperty("instance_id").GetString()!;
        var associated = (await OkAsync(await ec2.PostAsync("/", Form(
            $"Action=AssociateIamInstanceProfile&Version=2016-11-15&InstanceId={plain}&IamInstanceProfile.Name=app-profile")))).Element(Ec2 + "iamInstanceProfileAssociation")!;
        Assert.Equal("associating", associated.Element(Ec2 + "state")!.Value);
        Assert.Equal(plain, associated.Element(Ec2 + "instanceId")!.Value);
        var associationId = associated.Element(Ec2 + "associationId")!.Value;
        Assert.StartsWith("iip-assoc-", associationId, StringComparison.Ordinal);

        var list = await OkAsync(await ec2.PostAsync("/", Form(
            $"Action=DescribeIamInstanceProfileAssociations&Version=2016-11-15&Filter.1.Name=instance-id&Filter.1.Value.1={plain}")));
        var shown = Assert.Single(list.Element(Ec2 + "iamInstanceProfileAssociationSet")!.Elements(Ec2 + "item"));
        Assert.Equal((associationId, "associated", appArn),
            (shown.Element(Ec2 + "associationId")!.Value, shown.Element(Ec2 + "state")!.Value, shown.Element(Ec2 + "iamInstanceProfile")!.Element(Ec2 + "arn")!.Value));
        var all = await (await _root.GetAsync("/api/v1/ec2/iam-instance-profile-associations")).AssertOkAsync();
        Assert.Equal(5, all.GetProperty("associations").GetArrayLength());

        // Another account neither sees nor changes the association.
        using (var otherEc2 = new HttpClient(new SdkSigningHandler(tenant, "ec2") { InnerHandler = _app.Server.CreateHandler() }) { BaseAddress = _app.Server.BaseAddress })
        {
            Assert.Equal("InvalidAssociationID.NotFound", await ErrorCodeAsync(await otherEc2.PostAsync("/", Form(
                $"Action=DisassociateIamInstanceProfile&Version=2016-11-15&AssociationId={associationId}")), HttpStatusCode.BadRequest));
            var none = await OkAsync(await otherEc2.PostAsync("/", Form("Action=DescribeIamInstanceProfileAssociations&Version=2016-11-15")));
            Assert.Empty(none.Element(Ec2 + "iamInstanceProfileAssociationSet")!.Elements());
        }

        var replaced = (await OkAsync(await ec2.PostAsync("/", Form(
            $"Action=ReplaceIamInstanceProfileAssociation&Version=2016-11-15&AssociationId={associationId}&IamInstanceProfile.Arn={Uri.EscapeDataString(bareArn)}"))))
            .Element(Ec2 + "iamInstanceProfileAssociation")!;
        var replacementId = replaced.Element(Ec2 + "associationId")!.Value;
        Assert.NotEqual(associationId, replacementId);
        Assert.Equal(bareArn, (await _root.InstanceAsync(plain)).GetProperty("iam_instance_profile").GetProperty("arn").GetString());
        Assert.Equal("InvalidAssociationID.NotFound", await ErrorCodeAsync(await ec2.PostAsync("/", Form(
            $"Action=DisassociateIamInstanceProfile&Version=2016-11-15&AssociationId={associationId}")), HttpStatusCode.BadRequest));
        var gone = (await OkAsync(await ec2.PostAsync("/", Form(
            $"Action=DisassociateIamInstanceProfile&Version=2016-11-15&AssociationId={replacementId}")))).Element(Ec2 + "iamInstanceProfileAssociation")!;
        Assert.Equal("disassociating", gone.Element(Ec2 + "state")!.Value);
        Assert.False((await _root.InstanceAsync(plain)).TryGetProperty("iam_instance_profile", out var profile) && profile.ValueKind != JsonValueKind.Null);
        Assert.Equal("InvalidParameterValue", await ErrorCodeAsync(await ec2.PostAsync("/", Form(
            "Action=DisassociateIamInstanceProfile&Version=2016-11-15&AssociationId=assoc-1")), HttpStatusCode.BadRequest));
    }

    private static async Task<int> CountAsync(HttpClient client) =>
        (await (await client.GetAsync("/api/v1/ec2/instances")).AssertOkAsync()).GetProperty("instances").GetArrayLength();

    private static StringContent Form(string body) => new(body, Encoding.UTF8, "application/x-www-form-urlencoded");

    private static async Task<XElement> OkAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {text}");
        return XDocument.Parse(text).Root!;
    }

    private static async Task<string> ErrorCodeAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {text}");
        return XDocument.Parse(text).Descendants().First(e => e.Name.LocalName == "Code").Value;
    }
}
