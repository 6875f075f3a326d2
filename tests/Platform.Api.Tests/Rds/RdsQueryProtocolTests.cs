using System.Net;
using System.Text;
using System.Xml.Linq;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Protocol;

namespace Platform.Api.Tests.Rds;

/// <summary>
/// RDS on AWS's query protocol (<c>POST /</c> signed for <c>rds</c>, botocore's 2014-10-31 wire names) in-process: the
/// form parameters botocore writes (<c>Tags.Tag.N</c>, <c>SubnetIds.SubnetIdentifier.N</c>, <c>Filters.Filter.N.Values.Value.M</c>),
/// the XML RDS answers with (<c>&lt;DBInstances&gt;&lt;DBInstance&gt;</c>), its paging (MaxRecords 20 to 100, Marker) and its error
/// codes, each refusal changing nothing. The guest's reports are simulated as in <see cref="RdsApiTests"/>.
/// </summary>
public sealed class RdsQueryProtocolTests(RdsPlatform platform) : IClassFixture<RdsPlatform>
{
    private static readonly XNamespace Rds = "http://rds.amazonaws.com/doc/2014-10-31/";

    [Fact]
    public async Task Given_query_calls_When_an_instance_is_created_described_modified_snapshotted_and_deleted_Then_the_XML_is_RDS_s()
    {
        using var root = platform.RootClient();
        var tenant = await root.CreateAccountAsync("rds-query-life");
        using var native = platform.App.SignedClient(tenant);
        using var rds = platform.App.SignedClient(tenant, "rds");
        var network = await TenantNetwork.CreateAsync(native, "10.61");

        var group = await OkAsync(rds, "CreateDBSubnetGroup", $"DBSubnetGroupName=net&DBSubnetGroupDescription=tour&SubnetIds.SubnetIdentifier.1={network.SubnetA}"
            + $"&SubnetIds.SubnetIdentifier.2={network.SubnetB}&Tags.Tag.1.Key=team&Tags.Tag.1.Value=shop");
        var created = group.Element(Rds + "DBSubnetGroup")!;
        Assert.Equal(network.VpcId, created.Element(Rds + "VpcId")!.Value);
        var zones = created.Element(Rds + "Subnets")!.Elements(Rds + "Subnet")
            .ToDictionary(s => s.Element(Rds + "SubnetIdentifier")!.Value, s => s.Element(Rds + "SubnetAvailabilityZone")!.Element(Rds + "Name")!.Value);
        Assert.Equal(new Dictionary<string, string> { [network.SubnetA] = "us-east-1a", [network.SubnetB] = "us-east-1b" }, zones);

        var instance = (await OkAsync(rds, "CreateDBInstance", CreateForm("Orders") + $"&VpcSecurityGroupIds.VpcSecurityGroupId.1={network.DefaultGroupId}"
            + "&Tags.Tag.1.Key=team&Tags.Tag.1.Value=shop")).Element(Rds + "DBInstance")!;
        Assert.Equal("orders", instance.Element(Rds + "DBInstanceIdentifier")!.Value);
        Assert.Equal("creating", instance.Element(Rds + "DBInstanceStatus")!.Value);
        Assert.Equal($"arn:aws:rds:us-east-1:{tenant.AccountId}:db:orders", instance.Element(Rds + "DBInstanceArn")!.Value);
        Assert.Equal(network.DefaultGroupId, instance.Element(Rds + "VpcSecurityGroups")!.Element(Rds + "VpcSecurityGroupMembership")!.Element(Rds + "VpcSecurityGroupId")!.Value);
        Assert.Equal("shop", instance.Element(Rds + "TagList")!.Element(Rds + "Tag")!.Element(Rds + "Value")!.Value);
        Assert.Equal("false", instance.Element(Rds + "MultiAZ")!.Value);
        Assert.DoesNotContain("correct-horse", instance.ToString(), StringComparison.Ordinal);
        var resourceId = instance.Element(Rds + "DbiResourceId")!.Value;

        // RDS's errors, each in its ErrorResponse, and nothing made by any of them.
        await ErrorAsync(rds, "CreateDBInstance", CreateForm("orders"), HttpStatusCode.BadRequest, "DBInstanceAlreadyExists");
        await ErrorAsync(rds, "CreateDBInstance", CreateForm("sized").Replace("db.t3.micro", "db.x9.huge", StringComparison.Ordinal), HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(rds, "CreateDBInstance", CreateForm("nogroup").Replace("DBSubnetGroupName=net", "DBSubnetGroupName=none", StringComparison.Ordinal),
            HttpStatusCode.NotFound, "DBSubnetGroupNotFoundFault");
        await ErrorAsync(rds, "CreateDBInstance", CreateForm("iops") + "&Iops=1000", HttpStatusCode.BadRequest, "UnknownParameter");
        await ErrorAsync(rds, "CreateDBInstance", CreateForm("listed") + "&VpcSecurityGroupIds.member.1=" + network.DefaultGroupId, HttpStatusCode.BadRequest, "UnknownParameter");
        await ErrorAsync(rds, "DescribeDBInstances", "DBInstanceIdentifier=nothing", HttpStatusCode.NotFound, "DBInstanceNotFound");
        await ErrorAsync(rds, "ModifyDBInstance", "DBInstanceIdentifier=orders&DeletionProtection=true", HttpStatusCode.BadRequest, "InvalidDBInstanceState");
        await ErrorAsync(rds, "CreateDBSnapshot", "DBSnapshotIdentifier=early&DBInstanceIdentifier=orders", HttpStatusCode.BadRequest, "InvalidDBInstanceState");
        await ErrorAsync(rds, "DescribeDBInstances", "MaxRecords=5", HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(rds, "DescribeDBInstances", "Filters.Filter.1.Name=vpc-id&Filters.Filter.1.Values.Value.1=x", HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(rds, "DescribeDBInstances", "Marker=not-a-marker", HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(rds, "DeleteDBSnapshot", "DBSnapshotIdentifier=nothing", HttpStatusCode.NotFound, "DBSnapshotNotFound");
        await ErrorAsync(rds, "CopyDBSnapshot", "SourceDBSnapshotIdentifier=a&TargetDBSnapshotIdentifier=b", HttpStatusCode.BadRequest, "InvalidAction");
        await ErrorAsync(rds, "StopDBInstance", "DBInstanceIdentifier=orders", HttpStatusCode.BadRequest, "InvalidDBInstanceState");
        // A snapshot before the stop (DBSnapshotIdentifier): a bad name is refused before anything, a stop refused makes no snapshot.
        await ErrorAsync(rds, "StopDBInstance", "DBInstanceIdentifier=orders&DBSnapshotIdentifier=bad--name", HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(rds, "StopDBInstance", "DBInstanceIdentifier=orders&DBSnapshotIdentifier=before-stop", HttpStatusCode.BadRequest, "InvalidDBInstanceState");
        await ErrorAsync(rds, "DescribeDBSnapshots", "DBSnapshotIdentifier=before-stop", HttpStatusCode.NotFound, "DBSnapshotNotFound");
        await ErrorAsync(rds, "RebootDBInstance", "DBInstanceIdentifier=orders&ForceFailover=true", HttpStatusCode.BadRequest, "InvalidParameterCombination");
        await ErrorAsync(rds, "StartDBInstance", "DBInstanceIdentifier=nothing", HttpStatusCode.NotFound, "DBInstanceNotFound");
        var all = (await OkAsync(rds, "DescribeDBInstances", "")).Element(Rds + "DBInstances")!.Elements(Rds + "DBInstance").ToList();
        Assert.Equal(["orders"], all.Select(i => i.Element(Rds + "DBInstanceIdentifier")!.Value));
        Assert.Equal("creating", all[0].Element(Rds + "DBInstanceStatus")!.Value);
        Assert.Equal("false", all[0].Element(Rds + "DeletionProtection")!.Value);

        // The guest reports it available; then it is modified and snapshotted over the protocol.
        await platform.ReportAsync(resourceId, new DatabaseReport(DatabaseState.Available, 1));
        var filtered = await OkAsync(rds, "DescribeDBInstances", $"Filters.Filter.1.Name=dbi-resource-id&Filters.Filter.1.Values.Value.1={resourceId}"
            + "&Filters.Filter.2.Name=engine&Filters.Filter.2.Values.Value.1=mysql&Filters.Filter.2.Values.Value.2=postgres");
        Assert.Equal("available", filtered.Element(Rds + "DBInstances")!.Element(Rds + "DBInstance")!.Element(Rds + "DBInstanceStatus")!.Value);
        Assert.Empty((await OkAsync(rds, "DescribeDBInstances", "Filters.Filter.1.Name=engine&Filters.Filter.1.Values.Value.1=mysql"))
            .Element(Rds + "DBInstances")!.Elements());
        var modified = (await OkAsync(rds, "ModifyDBInstance", "DBInstanceIdentifier=orders&DeletionProtection=true&BackupRetentionPeriod=3&ApplyImmediately=true"))
            .Element(Rds + "DBInstance")!;
        Assert.Equal("true", modified.Element(Rds + "DeletionProtection")!.Value);
        Assert.Equal("3", modified.Element(Rds + "BackupRetentionPeriod")!.Value);
        await ErrorAsync(rds, "DeleteDBInstance", "DBInstanceIdentifier=orders&SkipFinalSnapshot=true", HttpStatusCode.BadRequest, "InvalidParameterCombination");
        Assert.Equal("false", (await OkAsync(rds, "ModifyDBInstance", "DBInstanceIdentifier=orders&DeletionProtection=false"))
            .Element(Rds + "DBInstance")!.Element(Rds + "DeletionProtection")!.Value);

        var snapshot = (await OkAsync(rds, "CreateDBSnapshot", "DBSnapshotIdentifier=first&DBInstanceIdentifier=orders&Tags.Tag.1.Key=kind&Tags.Tag.1.Value=manual"))
            .Element(Rds + "DBSnapshot")!;
        Assert.Equal("creating", snapshot.Element(Rds + "Status")!.Value);
        Assert.Equal("manual", snapshot.Element(Rds + "SnapshotType")!.Value);
        Assert.Equal($"arn:aws:rds:us-east-1:{tenant.AccountId}:snapshot:first", snapshot.Element(Rds + "DBSnapshotArn")!.Value);
        var snapshots = await OkAsync(rds, "DescribeDBSnapshots", "Filters.Filter.1.Name=db-instance-id&Filters.Filter.1.Values.Value.1=orders");
        Assert.Equal(["first"], snapshots.Element(Rds + "DBSnapshots")!.Elements(Rds + "DBSnapshot").Select(s => s.Element(Rds + "DBSnapshotIdentifier")!.Value));
        Assert.Empty((await OkAsync(rds, "DescribeDBSnapshots", "SnapshotType=automated")).Element(Rds + "DBSnapshots")!.Elements());
        await ErrorAsync(rds, "DeleteDBSnapshot", "DBSnapshotIdentifier=first", HttpStatusCode.BadRequest, "InvalidDBSnapshotState");

        // Another account sees none of it.
        var other = await root.CreateAccountAsync("rds-query-other");
        using var otherRds = platform.App.SignedClient(other, "rds");
        Assert.Empty((await OkAsync(otherRds, "DescribeDBInstances", "")).Element(Rds + "DBInstances")!.Elements());
        await ErrorAsync(otherRds, "DeleteDBInstance", "DBInstanceIdentifier=orders&SkipFinalSnapshot=true", HttpStatusCode.NotFound, "DBInstanceNotFound");

        var deleted = (await OkAsync(rds, "DeleteDBInstance", "DBInstanceIdentifier=orders&SkipFinalSnapshot=true")).Element(Rds + "DBInstance")!;
        Assert.Equal("deleting", deleted.Element(Rds + "DBInstanceStatus")!.Value);
        await ErrorAsync(rds, "DescribeDBInstances", "DBInstanceIdentifier=orders", HttpStatusCode.NotFound, "DBInstanceNotFound");
        await ErrorAsync(rds, "DeleteDBSubnetGroup", "DBSubnetGroupName=none", HttpStatusCode.NotFound, "DBSubnetGroupNotFoundFault");
        var empty = await rds.PostAsync("/", Form("Action=DeleteDBSubnetGroup&Version=2014-10-31&DBSubnetGroupName=net"));
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
        var answer = XDocument.Parse(await empty.Content.ReadAsStringAsync()).Root!;
        Assert.Equal(Rds + "DeleteDBSubnetGroupResponse", answer.Name);
        Assert.Null(answer.Element(Rds + "DeleteDBSubnetGroupResult"));
    }

    [Fact]
    public async Task Given_more_parameter_groups_than_a_page_When_described_Then_MaxRecords_and_Marker_give_each_once_and_parameters_are_modified()
    {
        using var root = platform.RootClient();
        var tenant = await root.CreateAccountAsync("rds-query-pages");
        using var rds = platform.App.SignedClient(tenant, "rds");
        var names = Enumerable.Range(0, 23).Select(i => $"pg-{i:D2}").ToList();
        foreach (var name in names)
        {
            var created = (await OkAsync(rds, "CreateDBParameterGroup", $"DBParameterGroupName={name}&DBParameterGroupFamily=postgres15&Description=page"))
                .Element(Rds + "DBParameterGroup")!;
            Assert.Equal($"arn:aws:rds:us-east-1:{tenant.AccountId}:pg:{name}", created.Element(Rds + "DBParameterGroupArn")!.Value);
        }

        await ErrorAsync(rds, "CreateDBParameterGroup", "DBParameterGroupName=pg-00&DBParameterGroupFamily=postgres15&Description=again",
            HttpStatusCode.BadRequest, "DBParameterGroupAlreadyExists");
        await ErrorAsync(rds, "CreateDBParameterGroup", "DBParameterGroupName=pg-mysql&DBParameterGroupFamily=mysql8.0&Description=x",
            HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(rds, "DescribeDBParameterGroups", "MaxRecords=101", HttpStatusCode.BadRequest, "InvalidParameterValue");

        var seen = new List<string>();
        string? marker = null;
        var pages = 0;
        do
        {
            var result = await OkAsync(rds, "DescribeDBParameterGroups", "MaxRecords=20" + (marker is null ? "" : "&Marker=" + Uri.EscapeDataString(marker)));
            var page = result.Element(Rds + "DBParameterGroups")!.Elements(Rds + "DBParameterGroup").Select(g => g.Element(Rds + "DBParameterGroupName")!.Value).ToList();
            Assert.InRange(page.Count, 1, 20);
            seen.AddRange(page);
            marker = result.Element(Rds + "Marker")?.Value;
            pages++;
        }
        while (marker is not null);

        Assert.Equal(2, pages);
        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.Subset(seen.ToHashSet(), names.ToHashSet());

        var modified = await OkAsync(rds, "ModifyDBParameterGroup", "DBParameterGroupName=pg-00&Parameters.Parameter.1.ParameterName=work_mem"
            + "&Parameters.Parameter.1.ParameterValue=8192&Parameters.Parameter.1.ApplyMethod=immediate");
        Assert.Equal("pg-00", modified.Element(Rds + "DBParameterGroupName")!.Value);
        await ErrorAsync(rds, "ModifyDBParameterGroup", "DBParameterGroupName=pg-00&Parameters.Parameter.1.ParameterName=no_such_setting"
            + "&Parameters.Parameter.1.ParameterValue=1&Parameters.Parameter.1.ApplyMethod=immediate", HttpStatusCode.BadRequest, "InvalidParameterValue");
        var user = await OkAsync(rds, "DescribeDBParameters", "DBParameterGroupName=pg-00&Source=user");
        var parameter = Assert.Single(user.Element(Rds + "Parameters")!.Elements(Rds + "Parameter"));
        Assert.Equal("work_mem", parameter.Element(Rds + "ParameterName")!.Value);
        Assert.Equal("8192", parameter.Element(Rds + "ParameterValue")!.Value);
        await ErrorAsync(rds, "DescribeDBParameters", "DBParameterGroupName=pg-00&Source=everyone", HttpStatusCode.BadRequest, "InvalidParameterValue");

        await OkAsync(rds, "DeleteDBParameterGroup", "DBParameterGroupName=pg-01");
        await ErrorAsync(rds, "DescribeDBParameterGroups", "DBParameterGroupName=pg-01", HttpStatusCode.NotFound, "DBParameterGroupNotFound");
    }

    private static string CreateForm(string identifier) =>
        $"DBInstanceIdentifier={identifier}&Engine=postgres&EngineVersion=15&DBInstanceClass=db.t3.micro&AllocatedStorage=20&MasterUsername=app"
        + "&MasterUserPassword=correct-horse-battery&DBSubnetGroupName=net&BackupRetentionPeriod=7&PreferredBackupWindow=03:00-03:30";

    private static StringContent Form(string body) => new(body, Encoding.UTF8, "application/x-www-form-urlencoded");

    private static async Task<XElement> OkAsync(HttpClient rds, string action, string form)
    {
        var response = await rds.PostAsync("/", Form($"Action={action}&Version=2014-10-31" + (form.Length > 0 ? "&" + form : "")));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{action}: {response.StatusCode} {text}");
        var root = XDocument.Parse(text).Root!;
        Assert.Equal(Rds + (action + "Response"), root.Name);
        Assert.Equal(response.Headers.GetValues("x-amz-request-id").Single(), root.Element(Rds + "ResponseMetadata")!.Element(Rds + "RequestId")!.Value);
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
