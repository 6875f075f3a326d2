using Platform.Modules.Database.AutomatedBackups;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.ParameterGroups;
using Platform.Modules.Database.Snapshots;
using Platform.Modules.Database.SubnetGroups;
using Platform.Modules.Database.Tagging;
using Platform.Modules.Shared.AwsQuery;
using static Platform.Modules.Shared.AwsQuery.AwsQueryXml;

namespace Platform.Modules.Database.AwsQuery;

/// <summary>
/// RDS on AWS's query protocol (botocore's rds 2014-10-31 names, shapes and errors; signed for <c>rds</c>), each action
/// bound to the request the native API (<c>/api/v1/rds</c>) sends, so both share every rule and permission. RDS's lists
/// name their members (<c>Tags.Tag.N</c>, <c>VpcSecurityGroupIds.VpcSecurityGroupId.N</c>, <c>&lt;DBInstances&gt;&lt;DBInstance&gt;</c>).
/// Describe calls take RDS's filters and page with <c>MaxRecords</c> (20 to 100, as RDS) and <c>Marker</c> over what the
/// native request returned. Not here, because the native API has no such thing: clusters, read replicas, option groups,
/// event subscriptions, Modify/CopyDBSnapshot, ResetDBParameterGroup.
/// </summary>
internal static class RdsQueryActions
{
    public const string Namespace = "http://rds.amazonaws.com/doc/2014-10-31/";

    private const string PagingKey = "rds.paging";
    private const string FiltersKey = "rds.filters";

    public static AwsQueryService Table(string region) => new AwsQueryService("rds", "2014-10-31", Namespace)
        .Action("CreateDBInstance", c =>
        {
            var p = c.Parameters;
            return new CreateDbInstance(region, p.Optional("DBInstanceIdentifier"), p.Optional("Engine"), p.Optional("EngineVersion"), p.Optional("DBInstanceClass"),
                p.OptionalInt("AllocatedStorage"), p.Optional("MasterUsername"), p.Optional("MasterUserPassword"), p.OptionalInt("Port"), p.Optional("DBSubnetGroupName"),
                p.OptionalStringList("VpcSecurityGroupIds", "VpcSecurityGroupId"), p.Optional("DBParameterGroupName"), p.OptionalInt("BackupRetentionPeriod"),
                p.Optional("PreferredBackupWindow"), p.Optional("PreferredMaintenanceWindow"), p.OptionalBool("PubliclyAccessible"), p.OptionalBool("DeletionProtection"),
                p.OptionalBool("MultiAZ"), Tags(p));
        }, i => Element("DBInstance", Instance(i)))
        .Action("DescribeDBInstances", c =>
        {
            Describe(c, ["db-instance-id", "dbi-resource-id", "engine"]);
            return new DescribeDbInstances(region, c.Parameters.Optional("DBInstanceIdentifier"));
        }, (c, found) =>
        {
            var shown = found.DbInstances.Where(i => Matches(c, name => name switch
            {
                "db-instance-id" => [i.DbInstanceIdentifier, i.DbInstanceArn],
                "dbi-resource-id" => [i.DbiResourceId],
                _ => [i.Engine],
            }));
            var (page, next) = Paging(c).Apply(shown, i => i.DbInstanceIdentifier);
            return new object?[] { Value("Marker", next), Members("DBInstances", "DBInstance", page, Instance) };
        })
        .Action("ModifyDBInstance", c =>
        {
            var p = c.Parameters;
            return new ModifyDbInstance(region, p.Required("DBInstanceIdentifier"), p.Optional("DBInstanceClass"), p.OptionalInt("AllocatedStorage"),
                p.Optional("MasterUserPassword"), p.Optional("DBParameterGroupName"), p.OptionalStringList("VpcSecurityGroupIds", "VpcSecurityGroupId"),
                p.OptionalInt("BackupRetentionPeriod"), p.Optional("PreferredBackupWindow"), p.Optional("PreferredMaintenanceWindow"), p.OptionalBool("DeletionProtection"),
                p.OptionalBool("PubliclyAccessible"), p.OptionalBool("ApplyImmediately"));
        }, i => Element("DBInstance", Instance(i)))
        .Action("DeleteDBInstance", c =>
        {
            var p = c.Parameters;
            return new DeleteDbInstance(region, p.Required("DBInstanceIdentifier"), p.OptionalBool("SkipFinalSnapshot"), p.Optional("FinalDBSnapshotIdentifier"),
                p.OptionalBool("DeleteAutomatedBackups"));
        }, i => Element("DBInstance", Instance(i)))
        .Action("StopDBInstance", c => new Instances.Power.StopDbInstance(region, c.Parameters.Required("DBInstanceIdentifier"), c.Parameters.Optional("DBSnapshotIdentifier")),
            i => Element("DBInstance", Instance(i)))
        .Action("StartDBInstance", c => new Instances.Power.StartDbInstance(region, c.Parameters.Required("DBInstanceIdentifier")), i => Element("DBInstance", Instance(i)))
        .Action("RebootDBInstance", c => new Instances.Power.RebootDbInstance(region, c.Parameters.Required("DBInstanceIdentifier"), c.Parameters.OptionalBool("ForceFailover")),
            i => Element("DBInstance", Instance(i)))
        .Action("RestoreDBInstanceToPointInTime", c =>
        {
            var p = c.Parameters;
            return new RestoreDbInstanceToPointInTime(region, p.Optional("SourceDBInstanceIdentifier"), p.Optional("TargetDBInstanceIdentifier"), Timestamp(p, "RestoreTime"),
                p.OptionalBool("UseLatestRestorableTime"), p.Optional("DBInstanceClass"), p.Optional("DBSubnetGroupName"),
                p.OptionalStringList("VpcSecurityGroupIds", "VpcSecurityGroupId"), p.Optional("DBParameterGroupName"), p.OptionalInt("Port"), p.OptionalBool("PubliclyAccessible"),
                p.OptionalBool("DeletionProtection"), Tags(p), p.Optional("SourceDbiResourceId"), p.Optional("SourceDBInstanceAutomatedBackupsArn"));
        }, i => Element("DBInstance", Instance(i)))
        .Action("RestoreDBInstanceFromDBSnapshot", c =>
        {
            var p = c.Parameters;
            return new RestoreDbInstanceFromDbSnapshot(region, p.Required("DBSnapshotIdentifier"), p.Optional("DBInstanceIdentifier"), p.Optional("DBInstanceClass"),
                p.Optional("DBSubnetGroupName"), p.OptionalStringList("VpcSecurityGroupIds", "VpcSecurityGroupId"), p.Optional("DBParameterGroupName"), p.OptionalInt("Port"),
                p.OptionalBool("PubliclyAccessible"), p.OptionalBool("DeletionProtection"), Tags(p), p.OptionalBool("MultiAZ"));
        }, i => Element("DBInstance", Instance(i)))
        .Action("DescribeDBInstanceAutomatedBackups", c =>
        {
            Describe(c, ["db-instance-id", "dbi-resource-id", "status", "engine"]);
            var p = c.Parameters;
            return new DescribeDbInstanceAutomatedBackups(region, p.Optional("DBInstanceIdentifier"), p.Optional("DbiResourceId"), p.Optional("DBInstanceAutomatedBackupsArn"));
        }, (c, found) =>
        {
            var shown = found.DbInstanceAutomatedBackups.Where(b => Matches(c, name => name switch
            {
                "db-instance-id" => [b.DbInstanceIdentifier, b.DbInstanceArn],
                "dbi-resource-id" => [b.DbiResourceId],
                "status" => [b.Status],
                _ => [b.Engine],
            }));
            var (page, next) = Paging(c).Apply(shown, b => b.DbInstanceIdentifier + "/" + b.DbiResourceId);
            return new object?[] { Value("Marker", next), Members("DBInstanceAutomatedBackups", "DBInstanceAutomatedBackup", page, AutomatedBackup) };
        })
        .Action("DeleteDBInstanceAutomatedBackup", c => new DeleteDbInstanceAutomatedBackup(region, c.Parameters.Optional("DbiResourceId"), c.Parameters.Optional("DBInstanceAutomatedBackupsArn")),
            b => Element("DBInstanceAutomatedBackup", AutomatedBackup(b)))
        .Action("CreateDBSnapshot", c => new CreateDbSnapshot(region, c.Parameters.Optional("DBSnapshotIdentifier"), c.Parameters.Optional("DBInstanceIdentifier"), Tags(c.Parameters)),
            s => Element("DBSnapshot", Snapshot(s)))
        .Action("DescribeDBSnapshots", c =>
        {
            Describe(c, ["db-instance-id", "db-snapshot-id", "dbi-resource-id", "snapshot-type", "engine"]);
            c.Items["rds.type"] = c.Parameters.Optional("SnapshotType") ?? "";
            return new DescribeDbSnapshots(region, c.Parameters.Optional("DBSnapshotIdentifier"), c.Parameters.Optional("DBInstanceIdentifier"));
        }, (c, found) =>
        {
            // Only manual snapshots exist as snapshots here (the automated backups are the guest's own): another type lists none.
            var type = (string)c.Items["rds.type"];
            var shown = found.DbSnapshots.Where(s => (type.Length == 0 || s.SnapshotType == type) && Matches(c, name => name switch
            {
                "db-instance-id" => [s.DbInstanceIdentifier],
                "db-snapshot-id" => [s.DbSnapshotIdentifier, s.DbSnapshotArn],
                "dbi-resource-id" => [s.DbiResourceId],
                "snapshot-type" => [s.SnapshotType],
                _ => [s.Engine],
            }));
            var (page, next) = Paging(c).Apply(shown, s => s.DbSnapshotIdentifier);
            return new object?[] { Value("Marker", next), Members("DBSnapshots", "DBSnapshot", page, Snapshot) };
        })
        .Action("DeleteDBSnapshot", c => new DeleteDbSnapshot(region, c.Parameters.Required("DBSnapshotIdentifier")), s => Element("DBSnapshot", Snapshot(s)))
        .Action("CreateDBSubnetGroup", c =>
        {
            var p = c.Parameters;
            return new CreateDbSubnetGroup(region, p.Optional("DBSubnetGroupName"), p.Optional("DBSubnetGroupDescription"),
                p.OptionalStringList("SubnetIds", "SubnetIdentifier"), Tags(p));
        }, g => Element("DBSubnetGroup", SubnetGroup(g)))
        .Action("DescribeDBSubnetGroups", c =>
        {
            Describe(c, []);
            return new DescribeDbSubnetGroups(region, c.Parameters.Optional("DBSubnetGroupName"));
        }, (c, found) =>
        {
            var (page, next) = Paging(c).Apply(found.DbSubnetGroups, g => g.DbSubnetGroupName);
            return new object?[] { Value("Marker", next), Members("DBSubnetGroups", "DBSubnetGroup", page, SubnetGroup) };
        })
        .Command("DeleteDBSubnetGroup", c => new DeleteDbSubnetGroup(region, c.Parameters.Required("DBSubnetGroupName")))
        .Action("CreateDBParameterGroup", c =>
        {
            var p = c.Parameters;
            return new CreateDbParameterGroup(region, p.Optional("DBParameterGroupName"), p.Optional("DBParameterGroupFamily"), p.Optional("Description"), Tags(p));
        }, g => Element("DBParameterGroup", ParameterGroup(g)))
        .Action("DescribeDBParameterGroups", c =>
        {
            Describe(c, []);
            return new DescribeDbParameterGroups(region, c.Parameters.Optional("DBParameterGroupName"));
        }, (c, found) =>
        {
            var (page, next) = Paging(c).Apply(found.DbParameterGroups, g => g.DbParameterGroupName);
            return new object?[] { Value("Marker", next), Members("DBParameterGroups", "DBParameterGroup", page, ParameterGroup) };
        })
        .Command("DeleteDBParameterGroup", c => new DeleteDbParameterGroup(region, c.Parameters.Required("DBParameterGroupName")))
        .Action("DescribeDBParameters", c =>
        {
            Describe(c, []);
            c.Items["rds.source"] = c.Parameters.Optional("Source") switch
            {
                null => "",
                var source and ("user" or "system" or "engine-default") => source,
                var source => throw RdsErrors.InvalidParameterValue($"Invalid source: {source}. Valid values are user, system and engine-default."),
            };
            return new DescribeDbParameters(region, c.Parameters.Required("DBParameterGroupName"));
        }, (c, found) =>
        {
            var source = (string)c.Items["rds.source"];
            var shown = found.Parameters.Where(p => source.Length == 0 || p.Source == source);
            var (page, next) = Paging(c).Apply(shown, p => p.ParameterName);
            return new object?[] { Value("Marker", next), Members("Parameters", "Parameter", page, Parameter) };
        })
        .Action("ModifyDBParameterGroup", c =>
        {
            var p = c.Parameters;
            var changes = p.List("Parameters", "Parameter")
                .Select(change => new ParameterChange(change.Optional("ParameterName"), change.Optional("ParameterValue"), change.Optional("ApplyMethod"))).ToList();
            return new ModifyDbParameterGroup(region, p.Required("DBParameterGroupName"), changes.Count == 0 && p.Optional("Parameters") is null ? null : changes);
        }, g => Value("DBParameterGroupName", g.DbParameterGroupName))
        .Command("AddTagsToResource", c => new AddTagsToResource(region, c.Parameters.Optional("ResourceName"), Tags(c.Parameters)))
        .Action("ListTagsForResource", c => new ListTagsForResource(region, c.Parameters.Optional("ResourceName")), t => TagList(t.TagList))
        .Action("DescribeEvents", c =>
        {
            Describe(c, []);
            var p = c.Parameters;
            return new Events.DescribeEvents(region, p.Optional("SourceIdentifier"), p.Optional("SourceType"), Timestamp(p, "StartTime"), Timestamp(p, "EndTime"),
                p.OptionalInt("Duration"), p.OptionalStringList("EventCategories", "EventCategory"));
        }, (c, found) =>
        {
            var (page, next) = Paging(c).Apply(found.Events, e => e.Sequence.ToString("D19", System.Globalization.CultureInfo.InvariantCulture));
            return new object?[] { Value("Marker", next), Members("Events", "Event", page, e => new object?[]
            {
                Value("SourceIdentifier", e.SourceIdentifier),
                Value("SourceType", e.SourceType),
                Value("Message", e.Message),
                Members("EventCategories", "EventCategory", e.EventCategories, category => category),
                Value("Date", e.Date),
                Value("SourceArn", e.SourceArn),
            }) };
        })
        .Command("RemoveTagsFromResource", c => new RemoveTagsFromResource(region, c.Parameters.Optional("ResourceName"), c.Parameters.StringList("TagKeys")));

    private static string ArnAccount(string arn) => arn.Split(':')[4];

    /// <summary>Reads RDS's paging and filters for a describe; a filter the call does not know is InvalidParameterValue, as RDS says it.</summary>
    private static void Describe(AwsQueryCall call, string[] known)
    {
        var p = call.Parameters;
        if (p.OptionalInt("MaxRecords") is { } size && size is < 20 or > 100)
        {
            throw RdsErrors.InvalidParameterValue($"Invalid value {size} for MaxRecords. Must be between 20 and 100");
        }

        call.Items[PagingKey] = AwsQueryPaging.Read(p, "MaxRecords", "Marker", 100, invalidTokenCode: "InvalidParameterValue");
        var filters = new List<(string Name, IReadOnlyList<string> Values)>();
        foreach (var filter in p.List("Filters", "Filter"))
        {
            var name = filter.Required("Name");
            if (Array.IndexOf(known, name) < 0)
            {
                throw RdsErrors.InvalidParameterValue($"Unrecognized filter name: {name}.");
            }

            var values = filter.StringList("Values", "Value");
            if (values.Count == 0)
            {
                throw RdsErrors.InvalidParameterCombination($"The filter {name} has no values.");
            }

            filters.Add((name, values));
        }

        if (filters.Count == 0)
        {
            // botocore sends an empty list as the bare name.
            p.Optional("Filters");
        }

        call.Items[FiltersKey] = filters;
    }

    /// <summary>botocore's timestamps: ISO 8601 (an offset, or UTC when none).</summary>
    private static DateTime? Timestamp(AwsQueryParameters p, string name) => p.Optional(name) switch
    {
        null => null,
        var text when DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var time) => time.UtcDateTime,
        var text => throw RdsErrors.InvalidParameterValue($"Value '{text}' for {name} is not a valid timestamp."),
    };

    private static bool Matches(AwsQueryCall call, Func<string, string[]> fields) =>
        ((List<(string Name, IReadOnlyList<string> Values)>)call.Items[FiltersKey])
        .All(f => fields(f.Name).Any(value => f.Values.Contains(value, StringComparer.Ordinal)));

    private static AwsQueryPaging Paging(AwsQueryCall call) => (AwsQueryPaging)call.Items[PagingKey];

    private static List<RdsTag>? Tags(AwsQueryParameters p)
    {
        var tags = p.List("Tags", "Tag");
        if (tags.Count == 0)
        {
            return p.Optional("Tags") is null ? null : [];
        }

        return [.. tags.Select(t => new RdsTag(t.Optional("Key"), t.Optional("Value")))];
    }

    private static System.Xml.Linq.XElement TagList(IReadOnlyList<RdsTag> tags) =>
        Members("TagList", "Tag", tags, t => new object?[] { Value("Key", t.Key), Value("Value", t.Value) });

    private static object?[] Instance(DbInstanceResponse i) =>
    [
        Value("DBInstanceIdentifier", i.DbInstanceIdentifier),
        Value("DBInstanceClass", i.DbInstanceClass),
        Value("Engine", i.Engine),
        Value("DBInstanceStatus", i.DbInstanceStatus),
        Value("MasterUsername", i.MasterUsername),
        Element("Endpoint", Value("Address", i.Endpoint.Address), Value("Port", i.Endpoint.Port)),
        Value("AllocatedStorage", i.AllocatedStorage),
        Value("InstanceCreateTime", i.InstanceCreateTime),
        Value("PreferredBackupWindow", i.PreferredBackupWindow),
        Value("BackupRetentionPeriod", i.BackupRetentionPeriod),
        Members("VpcSecurityGroups", "VpcSecurityGroupMembership", i.VpcSecurityGroups,
            g => new object?[] { Value("VpcSecurityGroupId", g.VpcSecurityGroupId), Value("Status", g.Status) }),
        Members("DBParameterGroups", "DBParameterGroup", i.DbParameterGroups,
            g => new object?[] { Value("DBParameterGroupName", g.DbParameterGroupName), Value("ParameterApplyStatus", g.ParameterApplyStatus) }),
        Value("AvailabilityZone", i.AvailabilityZone),
        Element("DBSubnetGroup", Value("DBSubnetGroupName", i.DbSubnetGroup.DbSubnetGroupName), Value("VpcId", i.DbSubnetGroup.VpcId)),
        Value("PreferredMaintenanceWindow", i.PreferredMaintenanceWindow),
        Element("PendingModifiedValues", Value("DBInstanceClass", i.PendingModifiedValues.DbInstanceClass),
            Value("AllocatedStorage", i.PendingModifiedValues.AllocatedStorage)),
        Value("LatestRestorableTime", i.LatestRestorableTime),
        Value("MultiAZ", i.MultiAz),
        Value("SecondaryAvailabilityZone", i.SecondaryAvailabilityZone),
        Value("EngineVersion", i.EngineVersion),
        Value("PubliclyAccessible", i.PubliclyAccessible),
        Value("StorageType", i.StorageType),
        Value("DbInstancePort", i.Endpoint.Port),
        Value("StorageEncrypted", true),
        Value("DbiResourceId", i.DbiResourceId),
        Value("CACertificateIdentifier", i.CaCertificateIdentifier),
        Value("DBInstanceArn", i.DbInstanceArn),
        Value("DeletionProtection", i.DeletionProtection),
        TagList(i.TagList),
    ];

    private static object?[] AutomatedBackup(DbInstanceAutomatedBackupResponse b) =>
    [
        Value("DBInstanceArn", b.DbInstanceArn),
        Value("DbiResourceId", b.DbiResourceId),
        Value("Region", b.Region),
        Value("DBInstanceIdentifier", b.DbInstanceIdentifier),
        Element("RestoreWindow", Value("EarliestTime", b.RestoreWindow.EarliestTime), Value("LatestTime", b.RestoreWindow.LatestTime)),
        Value("AllocatedStorage", b.AllocatedStorage),
        Value("Status", b.Status),
        Value("Port", b.Port),
        Value("AvailabilityZone", b.AvailabilityZone),
        Value("VpcId", b.VpcId),
        Value("InstanceCreateTime", b.InstanceCreateTime),
        Value("MasterUsername", b.MasterUsername),
        Value("Engine", b.Engine),
        Value("EngineVersion", b.EngineVersion),
        Value("Encrypted", b.Encrypted),
        Value("StorageType", b.StorageType),
        Value("BackupRetentionPeriod", b.BackupRetentionPeriod),
        Value("PreferredBackupWindow", b.PreferredBackupWindow),
        Value("DBInstanceAutomatedBackupsArn", b.DbInstanceAutomatedBackupsArn),
    ];

    private static object?[] Snapshot(DbSnapshotResponse s) =>
    [
        Value("DBSnapshotIdentifier", s.DbSnapshotIdentifier),
        Value("DBInstanceIdentifier", s.DbInstanceIdentifier),
        Value("SnapshotCreateTime", s.SnapshotCreateTime),
        Value("Engine", s.Engine),
        Value("AllocatedStorage", s.AllocatedStorage),
        Value("Status", s.Status),
        Value("Port", s.Port),
        Value("VpcId", s.VpcId),
        Value("MasterUsername", s.MasterUsername),
        Value("EngineVersion", s.EngineVersion),
        Value("SnapshotType", s.SnapshotType),
        Value("PercentProgress", s.PercentProgress),
        Value("StorageType", "gp2"),
        Value("Encrypted", true),
        Value("DBSnapshotArn", s.DbSnapshotArn),
        Value("DbiResourceId", s.DbiResourceId),
        TagList(s.TagList),
        Value("OriginalSnapshotCreateTime", s.OriginalSnapshotCreateTime),
    ];

    private static object?[] SubnetGroup(DbSubnetGroupResponse g) =>
    [
        Value("DBSubnetGroupName", g.DbSubnetGroupName),
        Value("DBSubnetGroupDescription", g.DbSubnetGroupDescription),
        Value("VpcId", g.VpcId),
        Value("SubnetGroupStatus", g.SubnetGroupStatus),
        Members("Subnets", "Subnet", g.Subnets, s => new object?[]
        {
            Value("SubnetIdentifier", s.SubnetIdentifier),
            Element("SubnetAvailabilityZone", Value("Name", s.SubnetAvailabilityZone.Name)),
            Value("SubnetStatus", s.SubnetStatus),
        }),
        Value("DBSubnetGroupArn", g.DbSubnetGroupArn),
    ];

    private static object?[] ParameterGroup(DbParameterGroupResponse g) =>
    [
        Value("DBParameterGroupName", g.DbParameterGroupName),
        Value("DBParameterGroupFamily", g.DbParameterGroupFamily),
        Value("Description", g.Description),
        Value("DBParameterGroupArn", g.DbParameterGroupArn),
    ];

    private static object?[] Parameter(ParameterResponse p) =>
    [
        Value("ParameterName", p.ParameterName),
        Value("ParameterValue", p.ParameterValue),
        Value("Description", p.Description),
        Value("Source", p.Source),
        Value("ApplyType", p.ApplyType),
        Value("DataType", p.DataType),
        Value("AllowedValues", p.AllowedValues),
        Value("IsModifiable", p.IsModifiable),
        Value("ApplyMethod", p.ApplyMethod),
    ];
}
