using System.Net;
using System.Text;
using System.Xml.Linq;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Ec2Query;

/// <summary>
/// Tags on the resources of Network (VPCs, subnets, security groups, internet gateways, route tables) and Storage (volumes,
/// snapshots) through EC2's query protocol and the native API: TagSpecification on create, one CreateTags / DeleteTags naming
/// resources of both modules, DescribeTags with its filters and pages, <c>tag:</c> and <c>tag-key</c> filters on each describe,
/// EC2's limits and error codes, all or nothing, and another account that can neither see nor change nor learn of a tag.
/// </summary>
public sealed class Ec2QueryTagTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    private static readonly XNamespace Ec2 = "http://ec2.amazonaws.com/doc/2016-11-15/";

    [Fact]
    public async Task Given_VPC_and_EBS_resources_When_tagged_across_modules_Then_every_describe_shows_and_filters_them_and_bad_or_foreign_calls_change_nothing()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("tag-owner");
        using var query = platform.App.SignedClient(tenant, "ec2");
        using var native = platform.App.SignedClient(tenant);
        Task<XElement> Ok(string form) => OkAsync(query, form);
        Task<string> Fails(string form, string code) => FailsAsync(query, form, code);

        // Made with their tags (TagSpecification), answered with them.
        var vpc = (await Ok("Action=CreateVpc&CidrBlock=10.90.0.0/16&TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=tagged"))
            .Element(Ec2 + "vpc")!;
        var vpcId = vpc.Element(Ec2 + "vpcId")!.Value;
        Assert.Equal([("Name", "tagged")], Tags(vpc));
        var subnet = (await Ok($"Action=CreateSubnet&VpcId={vpcId}&CidrBlock=10.90.1.0/24&TagSpecification.1.ResourceType=subnet&TagSpecification.1.Tag.1.Key=tier&TagSpecification.1.Tag.1.Value=web"))
            .Element(Ec2 + "subnet")!;
        var subnetId = subnet.Element(Ec2 + "subnetId")!.Value;
        Assert.Equal([("tier", "web")], Tags(subnet));
        var group = await Ok($"Action=CreateSecurityGroup&GroupName=tagged&GroupDescription=d&VpcId={vpcId}&TagSpecification.1.ResourceType=security-group&TagSpecification.1.Tag.1.Key=team&TagSpecification.1.Tag.1.Value=blue");
        var groupId = group.Element(Ec2 + "groupId")!.Value;
        Assert.Equal([("team", "blue")], Tags(group));
        var volume = await Ok("Action=CreateVolume&AvailabilityZone=us-east-1a&Size=1&TagSpecification.1.ResourceType=volume&TagSpecification.1.Tag.1.Key=data&TagSpecification.1.Tag.1.Value=");
        var volumeId = volume.Element(Ec2 + "volumeId")!.Value;
        Assert.Equal([("data", "")], Tags(volume));
        var snapshot = await Ok($"Action=CreateSnapshot&VolumeId={volumeId}&TagSpecification.1.ResourceType=snapshot&TagSpecification.1.Tag.1.Key=backup&TagSpecification.1.Tag.1.Value=daily");
        var snapshotId = snapshot.Element(Ec2 + "snapshotId")!.Value;
        Assert.Equal([("backup", "daily")], Tags(snapshot));
        var gatewayId = (await (await native.PostAsync("/api/v1/vpc/internet-gateways", null)).AssertOkAsync()).GetProperty("internet_gateway_id").GetString()!;
        var tableId = (await Ok($"Action=DescribeRouteTables&Filter.1.Name=vpc-id&Filter.1.Value.1={vpcId}"))
            .Element(Ec2 + "routeTableSet")!.Element(Ec2 + "item")!.Element(Ec2 + "routeTableId")!.Value;

        // A TagSpecification of another type is refused as EC2 refuses it, and makes nothing.
        var vpcsBefore = await CountAsync(query, "DescribeVpcs", "vpcSet");
        await Fails("Action=CreateVpc&CidrBlock=10.91.0.0/16&TagSpecification.1.ResourceType=subnet&TagSpecification.1.Tag.1.Key=a", "InvalidParameterValue");
        await Fails("Action=CreateVpc&CidrBlock=10.91.0.0/16&TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=aws%3Aname", "InvalidParameterValue");
        Assert.Equal(vpcsBefore, await CountAsync(query, "DescribeVpcs", "vpcSet"));

        // One CreateTags naming resources of Network and Storage.
        var all = new[] { vpcId, subnetId, groupId, gatewayId, tableId, volumeId, snapshotId };
        var resources = string.Concat(all.Select((id, i) => $"&ResourceId.{i + 1}={id}"));
        Assert.Equal("true", (await Ok("Action=CreateTags" + resources + "&Tag.1.Key=env&Tag.1.Value=prod")).Element(Ec2 + "return")!.Value);
        var envTags = await Ok("Action=DescribeTags&Filter.1.Name=key&Filter.1.Value.1=env");
        Assert.Equal(all.Order(StringComparer.Ordinal), envTags.Element(Ec2 + "tagSet")!.Elements(Ec2 + "item").Select(t => t.Element(Ec2 + "resourceId")!.Value));
        Assert.Equal(["internet-gateway", "route-table", "security-group", "snapshot", "subnet", "volume", "vpc"],
            envTags.Element(Ec2 + "tagSet")!.Elements(Ec2 + "item").Select(t => t.Element(Ec2 + "resourceType")!.Value).Order(StringComparer.Ordinal));
        var vpcTags = await Ok("Action=DescribeTags&Filter.1.Name=resource-type&Filter.1.Value.1=vpc");
        Assert.Equal([(vpcId, "Name", "tagged"), (vpcId, "env", "prod")], vpcTags.Element(Ec2 + "tagSet")!.Elements(Ec2 + "item")
            .Select(t => (t.Element(Ec2 + "resourceId")!.Value, t.Element(Ec2 + "key")!.Value, t.Element(Ec2 + "value")!.Value)));

        // DescribeTags in pages of five: every tag once (seven env tags and the five made with the resources).
        var first = await Ok("Action=DescribeTags&MaxResults=5");
        var paged = first.Element(Ec2 + "tagSet")!.Elements(Ec2 + "item").ToList();
        var token = first.Element(Ec2 + "nextToken")!.Value;
        while (token is not null)
        {
            var page = await Ok($"Action=DescribeTags&MaxResults=5&NextToken={Uri.EscapeDataString(token)}");
            paged.AddRange(page.Element(Ec2 + "tagSet")!.Elements(Ec2 + "item"));
            token = page.Element(Ec2 + "nextToken")?.Value;
        }

        Assert.Equal(12, paged.Select(t => t.Element(Ec2 + "resourceId")!.Value + "/" + t.Element(Ec2 + "key")!.Value).Distinct().Count());
        Assert.Equal(12, paged.Count);

        // Each describe filters by tag:Key and tag-key, and shows its tagSet.
        foreach (var (action, set, idElement, id) in new[]
        {
            ("DescribeVpcs", "vpcSet", "vpcId", vpcId),
            ("DescribeSubnets", "subnetSet", "subnetId", subnetId),
            ("DescribeSecurityGroups", "securityGroupInfo", "groupId", groupId),
            ("DescribeRouteTables", "routeTableSet", "routeTableId", tableId),
            ("DescribeVolumes", "volumeSet", "volumeId", volumeId),
            ("DescribeSnapshots", "snapshotSet", "snapshotId", snapshotId),
        })
        {
            var found = (await Ok($"Action={action}&Filter.1.Name=tag%3Aenv&Filter.1.Value.1=prod")).Element(Ec2 + set)!.Elements(Ec2 + "item").ToList();
            Assert.Equal([id], found.Select(f => f.Element(Ec2 + idElement)!.Value));
            Assert.Contains(("env", "prod"), Tags(found[0]));
            Assert.Single((await Ok($"Action={action}&Filter.1.Name=tag-key&Filter.1.Value.1=env")).Element(Ec2 + set)!.Elements(Ec2 + "item"));
            Assert.Empty((await Ok($"Action={action}&Filter.1.Name=tag%3Aenv&Filter.1.Value.1=test")).Element(Ec2 + set)!.Elements(Ec2 + "item"));
        }

        // EC2's limits, each refusing the whole call: a second id that is not there, keys and values too long, aws: keys, more than 50.
        await Fails($"Action=CreateTags&ResourceId.1={vpcId}&ResourceId.2=subnet-0123456789abcdef0&Tag.1.Key=half", "InvalidSubnetID.NotFound");
        await Fails($"Action=CreateTags&ResourceId.1={volumeId}&ResourceId.2=snap-0123456789abcdef0&Tag.1.Key=half", "InvalidSnapshot.NotFound");
        await Fails($"Action=CreateTags&ResourceId.1={vpcId}&ResourceId.2=elephant-1&Tag.1.Key=half", "InvalidID");
        await Fails($"Action=CreateTags&ResourceId.1={vpcId}&Tag.1.Key={new string('k', 129)}", "InvalidParameterValue");
        await Fails($"Action=CreateTags&ResourceId.1={vpcId}&Tag.1.Key=k&Tag.1.Value={new string('v', 257)}", "InvalidParameterValue");
        await Fails($"Action=CreateTags&ResourceId.1={vpcId}&Tag.1.Key=aws%3Acreated", "InvalidParameterValue");
        await Fails($"Action=CreateTags&ResourceId.1={vpcId}", "MissingParameter");
        await Ok($"Action=CreateTags&ResourceId.1={subnetId}" + string.Concat(Enumerable.Range(1, 47).Select(i => $"&Tag.{i}.Key=k{i}&Tag.{i}.Value=v")));
        // The subnet has 49 tags: three new keys are one too many for it, so neither it nor the VPC takes any.
        await Fails($"Action=CreateTags&ResourceId.1={vpcId}&ResourceId.2={subnetId}&Tag.1.Key=x1&Tag.2.Key=x2&Tag.3.Key=k1", "TagLimitExceeded");
        await Ok($"Action=CreateTags&ResourceId.1={subnetId}&Tag.1.Key=x1&Tag.2.Key=k1&Tag.2.Value=again");
        await Fails($"Action=CreateTags&ResourceId.1={subnetId}&Tag.1.Key=x2", "TagLimitExceeded");
        Assert.Empty((await Ok("Action=DescribeTags&Filter.1.Name=key&Filter.1.Value.1=half&Filter.1.Value.2=x2")).Element(Ec2 + "tagSet")!.Elements());
        Assert.Equal(["Name", "env"], (await Ok($"Action=DescribeTags&Filter.1.Name=resource-id&Filter.1.Value.1={vpcId}"))
            .Element(Ec2 + "tagSet")!.Elements(Ec2 + "item").Select(t => t.Element(Ec2 + "key")!.Value));

        // DeleteTags: a value that does not match removes nothing, the matching one removes the key, no tags removes them all.
        await Ok($"Action=DeleteTags&ResourceId.1={vpcId}&ResourceId.2={volumeId}&Tag.1.Key=env&Tag.1.Value=test");
        Assert.Equal(7, (await Ok("Action=DescribeTags&Filter.1.Name=key&Filter.1.Value.1=env")).Element(Ec2 + "tagSet")!.Elements().Count());
        await Ok($"Action=DeleteTags&ResourceId.1={vpcId}&ResourceId.2={volumeId}&Tag.1.Key=env&Tag.1.Value=prod");
        Assert.Equal(5, (await Ok("Action=DescribeTags&Filter.1.Name=key&Filter.1.Value.1=env")).Element(Ec2 + "tagSet")!.Elements().Count());
        await Ok($"Action=DeleteTags&ResourceId.1={subnetId}");
        Assert.Empty((await Ok($"Action=DescribeTags&Filter.1.Name=resource-id&Filter.1.Value.1={subnetId}")).Element(Ec2 + "tagSet")!.Elements());
        await Fails($"Action=DeleteTags&ResourceId.1={groupId}&ResourceId.2=sg-0123456789abcdef0&Tag.1.Key=team", "InvalidGroup.NotFound");
        Assert.Single((await Ok($"Action=DescribeTags&Filter.1.Name=resource-id&Filter.1.Value.1={groupId}&Filter.2.Name=key&Filter.2.Value.1=team"))
            .Element(Ec2 + "tagSet")!.Elements());

        // DryRun: checked for each resource, nothing tagged; a user without a policy is UnauthorizedOperation.
        await Fails($"Action=CreateTags&DryRun=true&ResourceId.1={vpcId}&ResourceId.2={volumeId}&Tag.1.Key=dry", "DryRunOperation");
        var nobody = await native.CreateUserWithKeyAsync("no-tag-policy", tenant.AccountId);
        using var denied = platform.App.SignedClient(nobody, "ec2");
        await FailsAsync(denied, $"Action=CreateTags&DryRun=true&ResourceId.1={vpcId}&Tag.1.Key=dry", "UnauthorizedOperation");
        await FailsAsync(denied, $"Action=CreateTags&ResourceId.1={vpcId}&Tag.1.Key=dry", "UnauthorizedOperation");
        Assert.Empty((await Ok("Action=DescribeTags&Filter.1.Name=key&Filter.1.Value.1=dry")).Element(Ec2 + "tagSet")!.Elements());
        // A user who may tag VPCs but not subnets: a call naming both is refused whole, and the VPC is not tagged either.
        var vpcTagger = await native.CreateUserWithKeyAsync("vpc-tagger", tenant.AccountId);
        await native.AttachAsync("vpc-tagger", await native.CreatePolicyAsync("tag-vpcs-only", IamSetup.Document(
            new { Effect = "Allow", Action = new[] { "ec2:CreateTags", "ec2:DescribeVpcs" }, Resource = "arn:aws:ec2:*:*:vpc/*" })));
        using (var partly = platform.App.SignedClient(vpcTagger, "ec2"))
        {
            await FailsAsync(partly, $"Action=CreateTags&ResourceId.1={vpcId}&ResourceId.2={subnetId}&Tag.1.Key=partly", "UnauthorizedOperation");
            Assert.Empty((await Ok("Action=DescribeTags&Filter.1.Name=key&Filter.1.Value.1=partly")).Element(Ec2 + "tagSet")!.Elements());
            await OkAsync(partly, $"Action=CreateTags&ResourceId.1={vpcId}&Tag.1.Key=partly");
        }

        Assert.Single((await Ok("Action=DescribeTags&Filter.1.Name=key&Filter.1.Value.1=partly")).Element(Ec2 + "tagSet")!.Elements());
        await Ok($"Action=DeleteTags&ResourceId.1={vpcId}&Tag.1.Key=partly");

        // The native API: the same tags, by resource.
        var added = await (await native.PostJsonAsync($"/api/v1/vpc/vpcs/{vpcId}/tags", new { tags = new[] { new { key = "owner", value = "ops" } } })).AssertOkAsync();
        Assert.Equal(["Name", "owner"], added.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("key").GetString()));
        Assert.Equal("vpc", added.GetProperty("resource_type").GetString());
        var volumeTags = await (await native.PostJsonAsync($"/api/v1/ec2/volumes/{volumeId}/tags", new { tags = new[] { new { key = "owner", value = "ops" } } })).AssertOkAsync();
        Assert.Equal([("data", ""), ("owner", "ops")], volumeTags.GetProperty("tags").EnumerateArray().Select(t => (t.GetProperty("key").GetString(), t.GetProperty("value").GetString())));
        Assert.Equal(HttpStatusCode.NoContent, (await native.DeleteAsync($"/api/v1/vpc/vpcs/{vpcId}/tags?key=owner")).StatusCode);
        var vpcJson = await (await native.GetAsync($"/api/v1/vpc/vpcs/{vpcId}")).AssertOkAsync();
        Assert.Equal(["Name"], vpcJson.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("key").GetString()));
        await (await native.PostJsonAsync($"/api/v1/vpc/vpcs/{subnetId}/tags", new { tags = new[] { new { key = "a", value = "b" } } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVpcID.NotFound");
        var listed = await (await native.GetAsync($"/api/v1/ec2/tags?resource_id={volumeId}&resource_id={groupId}")).AssertOkAsync();
        Assert.Equal(4, listed.GetProperty("tags").GetArrayLength());

        // Another account: neither sees, changes nor learns of these resources or their tags.
        var other = await management.CreateAccountAsync("tag-stranger");
        using var stranger = platform.App.SignedClient(other, "ec2");
        await FailsAsync(stranger, $"Action=CreateTags&ResourceId.1={vpcId}&Tag.1.Key=mine", "InvalidVpcID.NotFound");
        await FailsAsync(stranger, $"Action=CreateTags&ResourceId.1={volumeId}&Tag.1.Key=mine", "InvalidVolume.NotFound");
        await FailsAsync(stranger, $"Action=DeleteTags&ResourceId.1={groupId}", "InvalidGroup.NotFound");
        Assert.Empty((await OkAsync(stranger, "Action=DescribeTags")).Element(Ec2 + "tagSet")!.Elements());
        Assert.Empty((await OkAsync(stranger, "Action=DescribeVpcs&Filter.1.Name=tag%3AName&Filter.1.Value.1=tagged")).Element(Ec2 + "vpcSet")!.Elements());
        using var strangerNative = platform.App.SignedClient(other);
        await (await strangerNative.PostJsonAsync($"/api/v1/ec2/snapshots/{snapshotId}/tags", new { tags = new[] { new { key = "mine", value = "" } } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSnapshot.NotFound");
        Assert.Equal(2, (await Ok($"Action=DescribeTags&Filter.1.Name=resource-id&Filter.1.Value.1={groupId}")).Element(Ec2 + "tagSet")!.Elements().Count());
        Assert.Empty((await Ok("Action=DescribeTags&Filter.1.Name=key&Filter.1.Value.1=mine")).Element(Ec2 + "tagSet")!.Elements());

        // A deleted resource's tags go with it.
        await Ok($"Action=DeleteSubnet&SubnetId={subnetId}");
        await Ok($"Action=CreateTags&ResourceId.1={groupId}&Tag.1.Key=gone");
        await Ok($"Action=DeleteSecurityGroup&GroupId={groupId}");
        Assert.Empty((await Ok("Action=DescribeTags&Filter.1.Name=key&Filter.1.Value.1=gone")).Element(Ec2 + "tagSet")!.Elements());
        await Fails($"Action=CreateTags&ResourceId.1={groupId}&Tag.1.Key=again", "InvalidGroup.NotFound");
    }

    [Fact]
    public async Task Given_a_VPC_When_its_DNS_attributes_are_modified_Then_one_per_call_and_only_what_the_platform_has()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("vpc-attributes");
        using var query = platform.App.SignedClient(tenant, "ec2");
        var vpcId = (await OkAsync(query, "Action=CreateVpc&CidrBlock=10.92.0.0/16")).Element(Ec2 + "vpc")!.Element(Ec2 + "vpcId")!.Value;

        Assert.Equal("true", (await OkAsync(query, $"Action=ModifyVpcAttribute&VpcId={vpcId}&EnableDnsHostnames.Value=false")).Element(Ec2 + "return")!.Value);
        await OkAsync(query, $"Action=ModifyVpcAttribute&VpcId={vpcId}&EnableDnsSupport.Value=false");
        var read = await OkAsync(query, $"Action=DescribeVpcAttribute&VpcId={vpcId}&Attribute=enableDnsSupport");
        Assert.Equal("false", read.Element(Ec2 + "enableDnsSupport")!.Element(Ec2 + "value")!.Value);
        await FailsAsync(query, $"Action=ModifyVpcAttribute&VpcId={vpcId}&EnableDnsSupport.Value=false&EnableDnsHostnames.Value=false", "InvalidParameterCombination");
        await FailsAsync(query, $"Action=ModifyVpcAttribute&VpcId={vpcId}", "MissingParameter");
        await FailsAsync(query, $"Action=ModifyVpcAttribute&VpcId={vpcId}&EnableDnsHostnames.Value=true", "UnsupportedOperation");
        await FailsAsync(query, "Action=ModifyVpcAttribute&VpcId=vpc-0123456789abcdef0&EnableDnsSupport.Value=false", "InvalidVpcID.NotFound");
        var other = await management.CreateAccountAsync("vpc-attributes-stranger");
        using var stranger = platform.App.SignedClient(other, "ec2");
        await FailsAsync(stranger, $"Action=ModifyVpcAttribute&VpcId={vpcId}&EnableDnsSupport.Value=false", "InvalidVpcID.NotFound");
    }

    private static List<(string Key, string Value)> Tags(XElement resource) =>
        resource.Element(Ec2 + "tagSet")?.Elements(Ec2 + "item").Select(t => (t.Element(Ec2 + "key")!.Value, t.Element(Ec2 + "value")!.Value)).ToList() ?? [];

    private static StringContent Form(string body) => new(body + "&Version=2016-11-15", Encoding.UTF8, "application/x-www-form-urlencoded");

    private static async Task<int> CountAsync(HttpClient client, string action, string set) =>
        (await OkAsync(client, $"Action={action}")).Element(Ec2 + set)!.Elements(Ec2 + "item").Count();

    private static async Task<XElement> OkAsync(HttpClient client, string form)
    {
        var response = await client.PostAsync("/", Form(form));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{form}: {response.StatusCode} {text}");
        return XDocument.Parse(text).Root!;
    }

    /// <summary>Refused in EC2's error XML with <paramref name="code"/>; returns the message.</summary>
    private static async Task<string> FailsAsync(HttpClient client, string form, string code)
    {
        var response = await client.PostAsync("/", Form(form));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode != HttpStatusCode.OK, $"{form} succeeded: {text}");
        var error = XDocument.Parse(text).Root!.Element("Errors")!.Element("Error")!;
        Assert.True(code == error.Element("Code")!.Value, $"{form}: {text}");
        return error.Element("Message")!.Value;
    }
}
