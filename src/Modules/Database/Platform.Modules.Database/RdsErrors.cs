using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Database;

/// <summary>RDS's error codes (the "Fault" shapes of its service model, named by their wire code) with RDS's statuses.</summary>
internal static class RdsErrors
{
    public static ApiException InvalidParameterValue(string message) => ApiErrors.InvalidParameterValue(message);

    public static ApiException InvalidParameterCombination(string message) => new(400, "InvalidParameterCombination", message);

    public static ApiException InstanceAlreadyExists() => new(400, "DBInstanceAlreadyExists", "DB instance already exists");

    public static ApiException InstanceNotFound(string id) => new(404, "DBInstanceNotFound", $"DBInstance {id} not found.");

    public static ApiException InvalidInstanceState(string message) => new(400, "InvalidDBInstanceState", message);

    public static ApiException InsufficientCapacity(string message) => new(400, "InsufficientDBInstanceCapacity", message);

    public static ApiException InstanceQuotaExceeded() => new(400, "InstanceQuotaExceeded", "The request would exceed the account's DB instance quota.");

    public static ApiException StorageQuotaExceeded(int quota) =>
        new(400, "StorageQuotaExceeded", $"The request would take the account's allocated storage over its quota of {quota} GiB.");

    public static ApiException SubnetGroupAlreadyExists(string name) => new(400, "DBSubnetGroupAlreadyExists", $"The DB subnet group '{name}' already exists.");

    public static ApiException SubnetGroupNotFound(string name) => new(404, "DBSubnetGroupNotFoundFault", $"DB subnet group '{name}' not found.");

    public static ApiException SubnetGroupDoesNotCoverEnoughAZs() =>
        new(400, "DBSubnetGroupDoesNotCoverEnoughAZs", "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: 1. Add subnets to cover at least 2 AZs.");

    public static ApiException InvalidSubnet(string message) => new(400, "InvalidSubnet", message);

    public static ApiException InvalidSubnetGroupState(string message) => new(400, "InvalidDBSubnetGroupStateFault", message);

    public static ApiException ParameterGroupAlreadyExists(string name) => new(400, "DBParameterGroupAlreadyExists", $"Parameter group {name} already exists");

    public static ApiException ParameterGroupNotFound(string name) => new(404, "DBParameterGroupNotFound", $"DBParameterGroup not found: {name}");

    public static ApiException InvalidParameterGroupState(string message) => new(400, "InvalidDBParameterGroupState", message);

    public static ApiException SnapshotAlreadyExists(string id) => new(400, "DBSnapshotAlreadyExists", $"Cannot create the snapshot because a snapshot with the identifier {id} already exists.");

    public static ApiException SnapshotNotFound(string id) => new(404, "DBSnapshotNotFound", $"DBSnapshot {id} not found.");

    public static ApiException InvalidSnapshotState(string message) => new(400, "InvalidDBSnapshotState", message);

    public static ApiException SnapshotQuotaExceeded() => new(400, "SnapshotQuotaExceeded", "The request would exceed the account's manual DB snapshot quota.");

    public static ApiException InvalidSecurityGroup(string message) => new(400, "InvalidVPCNetworkStateFault", message);

    public static ApiException PointInTimeRestoreNotEnabled(string id) =>
        new(400, "PointInTimeRestoreNotEnabled", $"Point-in-time restore is not enabled for DB instance {id}: it has no restorable window yet.");

    public static ApiException AutomatedBackupNotFound(string id) => new(404, "DBInstanceAutomatedBackupNotFound", $"No automated backup for {id} was found.");

    public static ApiException InvalidAutomatedBackupState(string message) => new(400, "InvalidDBInstanceAutomatedBackupState", message);

    public static ApiException InvalidRestore(string message) => new(400, "InvalidRestoreFault", message);
}
