using Platform.Modules.Database.Certificates;
using Platform.Modules.Database.Persistence;

namespace Platform.Modules.Database.Instances;

/// <param name="PublicAddress">A publicly accessible instance's public address (reached from outside its VPC where its
/// security groups allow); <paramref name="Address"/> stays the private one its VPC's clients use.</param>
internal sealed record EndpointResponse(string? Address, int Port, string? PublicAddress = null);

internal sealed record VpcSecurityGroupMembership(string VpcSecurityGroupId, string Status);

internal sealed record DbParameterGroupStatus(string DbParameterGroupName, string ParameterApplyStatus);

internal sealed record DbInstanceSubnetGroup(string DbSubnetGroupName, string VpcId);

/// <summary>
/// RDS's DBInstance shape, snake_case. The master password is never in it. <c>endpoint.address</c> is the guest's private
/// address in the tenant's subnet, shown by DescribeDBInstances once the instance has left <c>creating</c>; for a Multi-AZ
/// instance the current primary's, which moves with a failover, and <c>secondary_availability_zone</c> is the standby's zone.
/// </summary>
internal sealed record DbInstanceResponse(
    string DbInstanceIdentifier,
    string DbiResourceId,
    string DbInstanceArn,
    string DbInstanceClass,
    int Vcpus,
    double MemoryGib,
    string Engine,
    string EngineVersion,
    string DbInstanceStatus,
    string? StatusMessage,
    string MasterUsername,
    EndpointResponse Endpoint,
    int AllocatedStorage,
    string StorageType,
    DateTime InstanceCreateTime,
    string PreferredBackupWindow,
    string PreferredMaintenanceWindow,
    int BackupRetentionPeriod,
    IReadOnlyList<VpcSecurityGroupMembership> VpcSecurityGroups,
    IReadOnlyList<DbParameterGroupStatus> DbParameterGroups,
    DbInstanceSubnetGroup DbSubnetGroup,
    string? AvailabilityZone,
    bool MultiAz,
    bool PubliclyAccessible,
    bool DeletionProtection,
    DateTime? EarliestRestorableTime,
    DateTime? LatestRestorableTime,
    string CaCertificateIdentifier,
    IReadOnlyList<RdsTag> TagList,
    string? SecondaryAvailabilityZone = null)
{
    /// <summary>RDS's PendingModifiedValues: a class or storage ModifyDBInstance asked for that is not applied yet (both null: none).</summary>
    public PendingModifiedValues PendingModifiedValues { get; init; } = new(null, null);

    /// <param name="address">The guest's private address, once it has left <c>creating</c> (DescribeDBInstances looks it up).</param>
    /// <param name="publicAddress">A publicly accessible instance's public address, when its guest has one.</param>
    public static DbInstanceResponse From(DbInstance instance, string region, string? address = null, string? publicAddress = null)
    {
        var instanceClass = InstanceClasses.Find(instance.InstanceClass);
        return new(
            instance.Identifier,
            instance.ResourceId,
            RdsArns.Instance(region, instance.AccountId, instance.Identifier),
            instance.InstanceClass,
            instanceClass?.Vcpus ?? 0,
            instanceClass?.MemoryGiB ?? 0,
            instance.Engine,
            instance.EngineVersion,
            instance.Status,
            instance.StatusMessage,
            instance.MasterUsername,
            new EndpointResponse(address, instance.Port, publicAddress),
            instance.AllocatedStorage,
            "gp2",
            instance.CreatedAt,
            instance.PreferredBackupWindow,
            instance.PreferredMaintenanceWindow,
            instance.BackupRetentionPeriod,
            [.. instance.SecurityGroupIds.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(g => new VpcSecurityGroupMembership(g, "active"))],
            [new DbParameterGroupStatus(instance.ParameterGroupName, instance.ParameterApplyStatus)],
            new DbInstanceSubnetGroup(instance.SubnetGroupName, instance.VpcId),
            instance.AvailabilityZone,
            instance.MultiAz,
            instance.PubliclyAccessible,
            instance.DeletionProtection,
            instance.EarliestRestorableTime,
            instance.LatestRestorableTime,
            DatabaseCertificates.CaIdentifier,
            RdsNames.ReadTags(instance.Tags),
            instance.MultiAz ? instance.SecondaryAvailabilityZone : null)
        {
            PendingModifiedValues = new(instance.PendingInstanceClass, instance.PendingAllocatedStorage),
        };
    }
}

internal sealed record PendingModifiedValues(string? DbInstanceClass, int? AllocatedStorage);

internal sealed record DbInstancesResponse(IReadOnlyList<DbInstanceResponse> DbInstances);
