using System.Net;
using System.Text;
using System.Xml.Linq;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Protocol;

namespace Platform.Api.Tests.Rds;

/// <summary>
/// RDS's tags after creation: AddTagsToResource, ListTagsForResource and RemoveTagsFromResource by ARN on DB instances,
/// snapshots, subnet groups and parameter groups, on the query protocol and the native <c>/api/v1/rds/tags</c>; the creates'
/// tags kept and every change shown in the describes' <c>TagList</c>; RDS's limits (50 a resource, no <c>aws:</c> key) and
/// errors (the kind's NotFound for an unknown or another account's ARN, InvalidParameterValue for an ARN of no RDS resource
/// here), each changing nothing; and IAM deciding on the resource's ARN.
/// </summary>
public sealed class RdsTagsTests(RdsPlatform platform) : IClassFixture<RdsPlatform>
{
    private static readonly XNamespace Rds = "http://rds.amazonaws.com/doc/2014-10-31/";

    [Fact]
    public async Task Given_RDS_resources_When_their_tags_are_added_listed_and_removed_by_ARN_Then_the_describes_show_them_and_RDS_s_rules_hold()
    {
        using var root = platform.RootClient();
        var tenant = await root.CreateAccountAsync("rds-tags");
        using var native = platform.App.SignedClient(tenant);
        using var rds = platform.App.SignedClient(tenant, "rds");
        var network = await TenantNetwork.CreateAsync(native, "10.74");
        var arn = $"arn:aws:rds:us-east-1:{tenant.AccountId}";
        await OkAsync(rds, "CreateDBSubnetGroup", $"DBSubnetGroupName=Net&DBSubnetGroupDescription=tags&SubnetIds.SubnetIdentifier.1={network.SubnetA}"
            + $"&SubnetIds.SubnetIdentifier.2={network.SubnetB}&Tags.Tag.1.Key=team&Tags.Tag.1.Value=shop");
        await OkAsync(rds, "CreateDBParameterGroup", "DBParameterGroupName=tuned&DBParameterGroupFamily=postgres15&Description=tags");
        var instance = (await OkAsync(rds, "CreateDBInstance", "DBInstanceIdentifier=orders&Engine=postgres&DBInstanceClass=db.t3.micro&AllocatedStorage=20"
            + "&MasterUsername=app&MasterUserPassword=correct-horse-battery&DBSubnetGroupName=net&Tags.Tag.1.Key=env&Tags.Tag.1.Value=dev")).Element(Rds + "DBInstance")!;
        await platform.ReportAsync(instance.Element(Rds + "DbiResourceId")!.Value, new DatabaseReport(DatabaseState.Available, 1));
        await OkAsync(rds, "CreateDBSnapshot", "DBSnapshotIdentifier=nightly&DBInstanceIdentifier=orders");

        // The creates' tags are kept.
        Assert.Equal([("env", "dev")], await ListAsync(rds, $"{arn}:db:orders"));
        Assert.Equal([("team", "shop")], await ListAsync(rds, $"{arn}:subgrp:net"));
        Assert.Empty(await ListAsync(rds, $"{arn}:snapshot:nightly"));

        // Added (a key again sets its value), removed (a key it lacks is no error), and shown by the describes.
        await OkAsync(rds, "AddTagsToResource", $"ResourceName={arn}:db:orders&Tags.Tag.1.Key=env&Tags.Tag.1.Value=prod&Tags.Tag.2.Key=owner&Tags.Tag.2.Value=ana");
        Assert.Equal([("env", "prod"), ("owner", "ana")], (await ListAsync(rds, $"{arn}:db:orders")).Order());
        var described = (await OkAsync(rds, "DescribeDBInstances", "DBInstanceIdentifier=orders")).Element(Rds + "DBInstances")!.Element(Rds + "DBInstance")!;
        Assert.Equal([("env", "prod"), ("owner", "ana")], Tags(described).Order());
        await OkAsync(rds, "RemoveTagsFromResource", $"ResourceName={arn}:db:orders&TagKeys.member.1=env&TagKeys.member.2=missing");
        Assert.Equal([("owner", "ana")], await ListAsync(rds, $"{arn}:db:orders"));

        await OkAsync(rds, "AddTagsToResource", $"ResourceName={arn}:snapshot:nightly&Tags.Tag.1.Key=kind&Tags.Tag.1.Value=manual");
        var snapshot = (await OkAsync(rds, "DescribeDBSnapshots", "DBSnapshotIdentifier=nightly")).Element(Rds + "DBSnapshots")!.Element(Rds + "DBSnapshot")!;
        Assert.Equal([("kind", "manual")], Tags(snapshot));
        await OkAsync(rds, "RemoveTagsFromResource", $"ResourceName={arn}:subgrp:net&TagKeys.member.1=team");
        Assert.Empty(await ListAsync(rds, $"{arn}:subgrp:net"));

        // 50 a resource: 49 and one more fit, the 51st is refused and changes nothing.
        var many = string.Join('&', Enumerable.Range(1, 49).Select(i => $"Tags.Tag.{i}.Key=k{i}&Tags.Tag.{i}.Value=v{i}"));
        await OkAsync(rds, "AddTagsToResource", $"ResourceName={arn}:pg:tuned&{many}");
        await OkAsync(rds, "AddTagsToResource", $"ResourceName={arn}:pg:tuned&Tags.Tag.1.Key=k50&Tags.Tag.1.Value=v50");
        await ErrorAsync(rds, "AddTagsToResource", $"ResourceName={arn}:pg:tuned&Tags.Tag.1.Key=k51&Tags.Tag.1.Value=v51", HttpStatusCode.BadRequest, "InvalidParameterValue");
        Assert.Equal(50, (await ListAsync(rds, $"{arn}:pg:tuned")).Count);
        // Setting a key it has is no 51st.
        await OkAsync(rds, "AddTagsToResource", $"ResourceName={arn}:pg:tuned&Tags.Tag.1.Key=k50&Tags.Tag.1.Value=again");
        Assert.Contains(("k50", "again"), await ListAsync(rds, $"{arn}:pg:tuned"));

        // RDS's errors, each changing nothing.
        await ErrorAsync(rds, "AddTagsToResource", $"ResourceName={arn}:db:orders&Tags.Tag.1.Key=aws:owner&Tags.Tag.1.Value=x", HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(rds, "AddTagsToResource", $"ResourceName={arn}:db:orders&Tags.Tag.1.Key={new string('k', 129)}&Tags.Tag.1.Value=x",
            HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(rds, "AddTagsToResource", $"ResourceName={arn}:db:orders", HttpStatusCode.BadRequest, "MissingParameter");
        await ErrorAsync(rds, "RemoveTagsFromResource", $"ResourceName={arn}:db:orders", HttpStatusCode.BadRequest, "MissingParameter");
        await ErrorAsync(rds, "ListTagsForResource", "", HttpStatusCode.BadRequest, "MissingParameter");
        await ErrorAsync(rds, "ListTagsForResource", $"ResourceName={arn}:db:nothing", HttpStatusCode.NotFound, "DBInstanceNotFound");
        await ErrorAsync(rds, "AddTagsToResource", $"ResourceName={arn}:snapshot:nothing&Tags.Tag.1.Key=a&Tags.Tag.1.Value=b", HttpStatusCode.NotFound, "DBSnapshotNotFound");
        await ErrorAsync(rds, "ListTagsForResource", $"ResourceName={arn}:subgrp:nothing", HttpStatusCode.NotFound, "DBSubnetGroupNotFoundFault");
        await ErrorAsync(rds, "ListTagsForResource", $"ResourceName={arn}:pg:nothing", HttpStatusCode.NotFound, "DBParameterGroupNotFound");
        await ErrorAsync(rds, "ListTagsForResource", $"ResourceName=arn:aws:rds:eu-west-1:{tenant.AccountId}:db:orders", HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(rds, "ListTagsForResource", $"ResourceName={arn}:cluster:orders", HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(rds, "ListTagsForResource", "ResourceName=orders", HttpStatusCode.BadRequest, "InvalidParameterValue");
        Assert.Equal([("owner", "ana")], await ListAsync(rds, $"{arn}:db:orders"));

        // Another account learns nothing by the ARN and changes nothing.
        var other = await root.CreateAccountAsync("rds-tags-other");
        using var otherRds = platform.App.SignedClient(other, "rds");
        await ErrorAsync(otherRds, "ListTagsForResource", $"ResourceName={arn}:db:orders", HttpStatusCode.NotFound, "DBInstanceNotFound");
        await ErrorAsync(otherRds, "AddTagsToResource", $"ResourceName={arn}:db:orders&Tags.Tag.1.Key=x&Tags.Tag.1.Value=y", HttpStatusCode.NotFound, "DBInstanceNotFound");
        await ErrorAsync(otherRds, "RemoveTagsFromResource", $"ResourceName={arn}:snapshot:nightly&TagKeys.member.1=kind", HttpStatusCode.NotFound, "DBSnapshotNotFound");
        Assert.Equal([("owner", "ana")], await ListAsync(rds, $"{arn}:db:orders"));
        Assert.Equal([("kind", "manual")], await ListAsync(rds, $"{arn}:snapshot:nightly"));

        // The native API: the same rules.
        var added = await (await native.PostJsonAsync("/api/v1/rds/tags", new { resource_name = $"{arn}:db:orders", tags = new[] { new { key = "cost", value = "7" } } }))
            .AssertOkAsync();
        Assert.Equal(2, added.GetProperty("tag_list").GetArrayLength());
        var listed = await (await native.GetAsync($"/api/v1/rds/tags?resource_name={Uri.EscapeDataString($"{arn}:db:orders")}")).AssertOkAsync();
        Assert.Equal(["cost", "owner"], listed.GetProperty("tag_list").EnumerateArray().Select(t => t.GetProperty("key").GetString()!).Order());
        Assert.Equal(HttpStatusCode.NoContent,
            (await native.DeleteAsync($"/api/v1/rds/tags?resource_name={Uri.EscapeDataString($"{arn}:db:orders")}&tag_key=cost&tag_key=owner")).StatusCode);
        Assert.Empty(await ListAsync(rds, $"{arn}:db:orders"));
        await (await native.PostJsonAsync("/api/v1/rds/tags", new { resource_name = $"{arn}:db:orders", tags = new[] { new { key = "aws:x", value = "7" } } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await native.GetAsync($"/api/v1/rds/tags?resource_name={Uri.EscapeDataString($"{arn}:snapshot:nothing")}"))
            .AssertErrorAsync(HttpStatusCode.NotFound, "DBSnapshotNotFound");
    }

    [Fact]
    public async Task Given_a_user_allowed_to_list_one_instance_s_tags_Then_IAM_decides_on_the_resource_s_ARN()
    {
        using var root = platform.RootClient();
        var tenant = await root.CreateAccountAsync("rds-tags-iam");
        using var admin = platform.App.SignedClient(tenant);
        using var adminRds = platform.App.SignedClient(tenant, "rds");
        await OkAsync(adminRds, "CreateDBParameterGroup", "DBParameterGroupName=mine&DBParameterGroupFamily=postgres15&Description=iam&Tags.Tag.1.Key=a&Tags.Tag.1.Value=b");
        await OkAsync(adminRds, "CreateDBParameterGroup", "DBParameterGroupName=theirs&DBParameterGroupFamily=postgres15&Description=iam");
        var arn = $"arn:aws:rds:us-east-1:{tenant.AccountId}";
        var reader = await admin.CreateUserWithKeyAsync("reader", tenant.AccountId);
        var policy = await admin.CreatePolicyAsync("rds-tags-read", IamSetup.Document(new Dictionary<string, object>
        {
            ["Effect"] = "Allow",
            ["Action"] = "rds:ListTagsForResource",
            ["Resource"] = $"{arn}:pg:mine",
        }));
        await admin.AttachAsync("reader", policy);
        using var rds = platform.App.SignedClient(reader, "rds");

        Assert.Equal([("a", "b")], await ListAsync(rds, $"{arn}:pg:mine"));
        await ErrorAsync(rds, "ListTagsForResource", $"ResourceName={arn}:pg:theirs", HttpStatusCode.Forbidden, "AccessDenied");
        await ErrorAsync(rds, "AddTagsToResource", $"ResourceName={arn}:pg:mine&Tags.Tag.1.Key=c&Tags.Tag.1.Value=d", HttpStatusCode.Forbidden, "AccessDenied");
        await ErrorAsync(rds, "RemoveTagsFromResource", $"ResourceName={arn}:pg:mine&TagKeys.member.1=a", HttpStatusCode.Forbidden, "AccessDenied");
        Assert.Equal([("a", "b")], await ListAsync(adminRds, $"{arn}:pg:mine"));
    }

    private static async Task<List<(string, string)>> ListAsync(HttpClient rds, string resourceName) =>
        Tags(await OkAsync(rds, "ListTagsForResource", "ResourceName=" + Uri.EscapeDataString(resourceName)));

    private static List<(string, string)> Tags(XElement holder) =>
        [.. holder.Element(Rds + "TagList")?.Elements(Rds + "Tag").Select(t => (t.Element(Rds + "Key")!.Value, t.Element(Rds + "Value")!.Value)) ?? []];

    private static StringContent Form(string body) => new(body, Encoding.UTF8, "application/x-www-form-urlencoded");

    private static async Task<XElement> OkAsync(HttpClient rds, string action, string form)
    {
        var response = await rds.PostAsync("/", Form($"Action={action}&Version=2014-10-31" + (form.Length > 0 ? "&" + form : "")));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{action}: {response.StatusCode} {text}");
        var root = XDocument.Parse(text).Root!;
        Assert.Equal(Rds + (action + "Response"), root.Name);
        return root.Element(Rds + (action + "Result")) ?? new XElement(Rds + (action + "Result"));
    }

    private static async Task ErrorAsync(HttpClient rds, string action, string form, HttpStatusCode status, string code)
    {
        var response = await rds.PostAsync("/", Form($"Action={action}&Version=2014-10-31" + (form.Length > 0 ? "&" + form : "")));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{action} {form}: {response.StatusCode} {text}");
        var root = XDocument.Parse(text).Root!;
        Assert.Equal(Rds + "ErrorResponse", root.Name);
        Assert.Equal(code, root.Element(Rds + "Error")!.Element(Rds + "Code")!.Value);
    }
}
