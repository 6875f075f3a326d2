using System.Net;
using System.Text;
using System.Xml.Linq;
using Platform.Api.Tests.TestEngine;
using Platform.HostAgent.Protocol;

namespace Platform.Api.Tests.Rds;

/// <summary>
/// RDS events: what the module records as its instances and snapshots change state (created, backing up and finished,
/// snapshot creating and created, restarted, deleted) with RDS's messages, written with the change so a report applied
/// twice records nothing twice; DescribeEvents on the query protocol (source type and identifier, time window, categories,
/// MaxRecords and Marker) and natively; another account sees none (the retention job: RdsEventRetentionJobTests). The guest's reports are simulated as in <see cref="RdsQueryProtocolTests"/>.
/// </summary>
public sealed class RdsEventsTests(RdsPlatform platform) : IClassFixture<RdsPlatform>
{
    private static readonly XNamespace Rds = "http://rds.amazonaws.com/doc/2014-10-31/";

    [Fact]
    public async Task Given_an_instance_s_life_When_events_are_described_Then_RDS_s_events_are_there_once_each_and_only_for_their_account()
    {
        using var root = platform.RootClient();
        var tenant = await root.CreateAccountAsync("rds-events");
        using var native = platform.App.SignedClient(tenant);
        using var rds = platform.App.SignedClient(tenant, "rds");
        var network = await TenantNetwork.CreateAsync(native, "10.75");
        await OkAsync(rds, "CreateDBSubnetGroup", $"DBSubnetGroupName=net&DBSubnetGroupDescription=events&SubnetIds.SubnetIdentifier.1={network.SubnetA}"
            + $"&SubnetIds.SubnetIdentifier.2={network.SubnetB}");
        var instance = (await OkAsync(rds, "CreateDBInstance", "DBInstanceIdentifier=orders&Engine=postgres&DBInstanceClass=db.t3.micro&AllocatedStorage=20"
            + "&MasterUsername=app&MasterUserPassword=correct-horse-battery&DBSubnetGroupName=net")).Element(Rds + "DBInstance")!;
        var resourceId = instance.Element(Rds + "DbiResourceId")!.Value;
        var up = new DatabaseReport(DatabaseState.Available, 1);
        await platform.ReportAsync(resourceId, up);
        await platform.ReportAsync(resourceId, up);

        // Snapshots: each one's backup started and finished on the instance, creating and created on the snapshot; its report repeated.
        for (var i = 0; i < 6; i++)
        {
            await OkAsync(rds, "CreateDBSnapshot", $"DBSnapshotIdentifier=snap-{i}&DBInstanceIdentifier=orders");
            var operation = Assert.Single((await platform.DesiredAsync(resourceId)).Operations!, o => o.Kind == DatabaseOperationKind.SnapshotBackup);
            var done = new DatabaseReport(DatabaseState.Available, 1, Operations: [new DatabaseOperationResult(operation.OperationId, Succeeded: true, BackupLabel: $"20261206-10000{i}F")]);
            await platform.ReportAsync(resourceId, done);
            await platform.ReportAsync(resourceId, done);
        }

        await OkAsync(rds, "RebootDBInstance", "DBInstanceIdentifier=orders");
        await platform.ReportAsync(resourceId, up);
        await platform.ReportAsync(resourceId, up);

        var ordersEvents = await AllAsync(rds, "SourceType=db-instance&SourceIdentifier=orders");
        Assert.Equal(
            ["DB instance created", .. Enumerable.Repeat(new[] { "Backing up DB instance", "Finished DB Instance backup" }, 6).SelectMany(x => x), "DB instance restarted"],
            ordersEvents.Select(e => e.Element(Rds + "Message")!.Value));
        var first = ordersEvents[0];
        Assert.Equal("db-instance", first.Element(Rds + "SourceType")!.Value);
        Assert.Equal("orders", first.Element(Rds + "SourceIdentifier")!.Value);
        Assert.Equal($"arn:aws:rds:us-east-1:{tenant.AccountId}:db:orders", first.Element(Rds + "SourceArn")!.Value);
        Assert.Equal(["creation"], first.Element(Rds + "EventCategories")!.Elements(Rds + "EventCategory").Select(c => c.Value));
        var date = DateTime.Parse(first.Element(Rds + "Date")!.Value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.InRange(date, DateTime.UtcNow.AddMinutes(-30), DateTime.UtcNow.AddMinutes(1));

        var snapshotEvents = await AllAsync(rds, "SourceType=db-snapshot&SourceIdentifier=snap-0");
        Assert.Equal(["Creating manual snapshot", "Manual snapshot created"], snapshotEvents.Select(e => e.Element(Rds + "Message")!.Value));
        Assert.Equal($"arn:aws:rds:us-east-1:{tenant.AccountId}:snapshot:snap-0", snapshotEvents[0].Element(Rds + "SourceArn")!.Value);
        Assert.Equal(12, (await AllAsync(rds, "SourceType=db-snapshot")).Count);
        Assert.Equal(12, (await AllAsync(rds, "EventCategories.EventCategory.1=backup")).Count);
        Assert.Single(await AllAsync(rds, "EventCategories.EventCategory.1=availability&EventCategories.EventCategory.2=deletion"));

        // Paging: 26 events in pages of 20, each once.
        var all = await AllAsync(rds, "");
        Assert.Equal(26, all.Count);
        var firstPage = await OkAsync(rds, "DescribeEvents", "MaxRecords=20");
        Assert.Equal(20, firstPage.Element(Rds + "Events")!.Elements(Rds + "Event").Count());
        var marker = firstPage.Element(Rds + "Marker")!.Value;
        var secondPage = await OkAsync(rds, "DescribeEvents", "MaxRecords=20&Marker=" + Uri.EscapeDataString(marker));
        Assert.Equal(6, secondPage.Element(Rds + "Events")!.Elements(Rds + "Event").Count());
        Assert.Null(secondPage.Element(Rds + "Marker"));

        // The window: none before, all in the last hour, none in a window that ended an hour ago.
        var now = DateTime.UtcNow;
        Assert.Empty(await AllAsync(rds, $"StartTime={now.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}"));
        Assert.Equal(26, (await AllAsync(rds, "Duration=60")).Count);
        Assert.Empty(await AllAsync(rds, $"EndTime={now.AddHours(-1):yyyy-MM-ddTHH:mm:ssZ}"));
        Assert.Equal(26, (await AllAsync(rds, $"StartTime={now.AddHours(-1):yyyy-MM-ddTHH:mm:ssZ}&EndTime={now.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}")).Count);

        // RDS's errors.
        await ErrorAsync(rds, "DescribeEvents", "SourceIdentifier=orders", HttpStatusCode.BadRequest, "InvalidParameterCombination");
        await ErrorAsync(rds, "DescribeEvents", "SourceType=db-table", HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(rds, "DescribeEvents", "EventCategories.EventCategory.1=gossip", HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(rds, "DescribeEvents", "MaxRecords=5", HttpStatusCode.BadRequest, "InvalidParameterValue");
        await ErrorAsync(rds, "DescribeEvents", "StartTime=yesterday", HttpStatusCode.BadRequest, "InvalidParameterValue");

        // Another account sees none of them.
        var other = await root.CreateAccountAsync("rds-events-other");
        using var otherRds = platform.App.SignedClient(other, "rds");
        Assert.Empty(await AllAsync(otherRds, ""));
        Assert.Empty(await AllAsync(otherRds, "SourceType=db-instance&SourceIdentifier=orders"));

        // Deletion, and the native endpoint.
        await OkAsync(rds, "DeleteDBInstance", "DBInstanceIdentifier=orders&SkipFinalSnapshot=true");
        var events = await (await native.GetAsync("/api/v1/rds/events?source_type=db-instance&source_identifier=orders&event_category=deletion")).AssertOkAsync();
        var deleted = Assert.Single(events.GetProperty("events").EnumerateArray());
        Assert.Equal("DB instance deleted", deleted.GetProperty("message").GetString());
        await (await native.GetAsync("/api/v1/rds/events?source_identifier=orders")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterCombination");
    }

    private static async Task<List<XElement>> AllAsync(HttpClient rds, string form)
    {
        var found = new List<XElement>();
        string? marker = null;
        do
        {
            var page = await OkAsync(rds, "DescribeEvents", form + (form.Length > 0 ? "&" : "") + "MaxRecords=100" + (marker is null ? "" : "&Marker=" + Uri.EscapeDataString(marker)));
            found.AddRange(page.Element(Rds + "Events")!.Elements(Rds + "Event"));
            marker = page.Element(Rds + "Marker")?.Value;
        }
        while (marker is not null);
        return found;
    }

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
