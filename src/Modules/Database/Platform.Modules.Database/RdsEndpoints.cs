using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Platform.Modules.Database.AutomatedBackups;
using Platform.Modules.Database.Certificates;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.ParameterGroups;
using Platform.Modules.Database.Snapshots;
using Platform.Modules.Database.SubnetGroups;
using Platform.Modules.Shared.Authentication;
using Platform.Modules.Shared.Hosting;

namespace Platform.Modules.Database;

/// <summary>The native RDS API: <c>/api/v1/rds/...</c>, snake_case JSON, signed for the <c>rds</c> service.</summary>
internal static class RdsEndpoints
{
    public const string Prefix = "/api/v1/rds";

    public static RouteGroupBuilder Map(IEndpointRouteBuilder routes)
    {
        var rds = routes.MapGroup(Prefix).WithTags("RDS").WithMetadata(SigningService.Rds);

        rds.MapPost("/db-subnet-groups", async (CreateDbSubnetGroupBody body, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateDbSubnetGroup(platform.Value.Region, body.DbSubnetGroupName, body.DbSubnetGroupDescription, body.SubnetIds, body.Tags), ct)));
        rds.MapGet("/db-subnet-groups", async (IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeDbSubnetGroups(platform.Value.Region, null), ct)));
        rds.MapGet("/db-subnet-groups/{name}", async (string name, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok((await sender.Send(new DescribeDbSubnetGroups(platform.Value.Region, name), ct)).DbSubnetGroups[0]));
        rds.MapDelete("/db-subnet-groups/{name}", async (string name, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new DeleteDbSubnetGroup(platform.Value.Region, name), ct);
            return TypedResults.NoContent();
        });

        rds.MapPost("/db-parameter-groups", async (CreateDbParameterGroupBody body, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateDbParameterGroup(platform.Value.Region, body.DbParameterGroupName, body.DbParameterGroupFamily, body.Description, body.Tags), ct)));
        rds.MapGet("/db-parameter-groups", async (IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeDbParameterGroups(platform.Value.Region, null), ct)));
        rds.MapGet("/db-parameter-groups/{name}", async (string name, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok((await sender.Send(new DescribeDbParameterGroups(platform.Value.Region, name), ct)).DbParameterGroups[0]));
        rds.MapGet("/db-parameter-groups/{name}/parameters", async (string name, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeDbParameters(platform.Value.Region, name), ct)));
        rds.MapPost("/db-parameter-groups/{name}/parameters", async (string name, ModifyParametersBody body, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ModifyDbParameterGroup(platform.Value.Region, name, body.Parameters), ct)));
        rds.MapDelete("/db-parameter-groups/{name}", async (string name, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new DeleteDbParameterGroup(platform.Value.Region, name), ct);
            return TypedResults.NoContent();
        });

        rds.MapPost("/db-instances", async (CreateDbInstanceBody body, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateDbInstance(platform.Value.Region, body.DbInstanceIdentifier, body.Engine, body.EngineVersion,
                body.DbInstanceClass, body.AllocatedStorage, body.MasterUsername, body.MasterUserPassword, body.Port, body.DbSubnetGroupName,
                body.VpcSecurityGroupIds, body.DbParameterGroupName, body.BackupRetentionPeriod, body.PreferredBackupWindow,
                body.PreferredMaintenanceWindow, body.PubliclyAccessible, body.DeletionProtection, body.MultiAz, body.Tags), ct)));
        rds.MapGet("/db-instances", async (IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeDbInstances(platform.Value.Region, null), ct)));
        rds.MapGet("/db-instances/{id}", async (string id, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok((await sender.Send(new DescribeDbInstances(platform.Value.Region, id), ct)).DbInstances[0]));
        rds.MapPatch("/db-instances/{id}", async (string id, ModifyDbInstanceBody body, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ModifyDbInstance(platform.Value.Region, id, body.DbInstanceClass, body.AllocatedStorage, body.MasterUserPassword,
                body.DbParameterGroupName, body.VpcSecurityGroupIds, body.BackupRetentionPeriod, body.PreferredBackupWindow, body.PreferredMaintenanceWindow,
                body.DeletionProtection, body.PubliclyAccessible, body.ApplyImmediately), ct)));
        rds.MapDelete("/db-instances/{id}", async (string id, [FromQuery(Name = "skip_final_snapshot")] bool? skipFinalSnapshot,
                [FromQuery(Name = "final_db_snapshot_identifier")] string? finalSnapshot, [FromQuery(Name = "delete_automated_backups")] bool? deleteAutomatedBackups,
                IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DeleteDbInstance(platform.Value.Region, id, skipFinalSnapshot, finalSnapshot, deleteAutomatedBackups), ct)));

        rds.MapGet("/db-instance-automated-backups", async ([FromQuery(Name = "db_instance_identifier")] string? instance, [FromQuery(Name = "dbi_resource_id")] string? resourceId,
                IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeDbInstanceAutomatedBackups(platform.Value.Region, instance, resourceId, null), ct)));
        rds.MapDelete("/db-instance-automated-backups/{resourceId}", async (string resourceId, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DeleteDbInstanceAutomatedBackup(platform.Value.Region, resourceId, null), ct)));
        rds.MapPost("/db-instance-automated-backups/{resourceId}/restore-to-point-in-time", async (string resourceId, RestoreToPointInTimeBody body,
                IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new RestoreDbInstanceToPointInTime(platform.Value.Region, null, body.TargetDbInstanceIdentifier, body.RestoreTime,
                body.UseLatestRestorableTime, body.DbInstanceClass, body.DbSubnetGroupName, body.VpcSecurityGroupIds, body.DbParameterGroupName, body.Port,
                body.PubliclyAccessible, body.DeletionProtection, body.Tags, SourceDbiResourceId: resourceId), ct)));

        rds.MapPost("/db-instances/{id}/stop", async (string id, [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] StopDbInstanceBody? body,
                IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new Instances.Power.StopDbInstance(platform.Value.Region, id, body?.DbSnapshotIdentifier), ct)));
        rds.MapPost("/db-instances/{id}/start", async (string id, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new Instances.Power.StartDbInstance(platform.Value.Region, id), ct)));
        rds.MapPost("/db-instances/{id}/reboot", async (string id, [FromQuery(Name = "force_failover")] bool? forceFailover, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new Instances.Power.RebootDbInstance(platform.Value.Region, id, forceFailover), ct)));

        rds.MapPost("/db-instances/{id}/restore-to-point-in-time", async (string id, RestoreToPointInTimeBody body, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new RestoreDbInstanceToPointInTime(platform.Value.Region, id, body.TargetDbInstanceIdentifier, body.RestoreTime,
                body.UseLatestRestorableTime, body.DbInstanceClass, body.DbSubnetGroupName, body.VpcSecurityGroupIds, body.DbParameterGroupName, body.Port,
                body.PubliclyAccessible, body.DeletionProtection, body.Tags), ct)));

        rds.MapGet("/events", async ([FromQuery(Name = "source_identifier")] string? sourceIdentifier, [FromQuery(Name = "source_type")] string? sourceType,
            [FromQuery(Name = "start_time")] DateTime? startTime, [FromQuery(Name = "end_time")] DateTime? endTime, [FromQuery(Name = "duration")] int? duration,
            [FromQuery(Name = "event_category")] string[]? categories, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new Events.DescribeEvents(platform.Value.Region, sourceIdentifier, sourceType, startTime?.ToUniversalTime(), endTime?.ToUniversalTime(),
                duration, categories is { Length: > 0 } ? categories : null), ct)));
        rds.MapPost("/tags", async (TagsBody body, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new Tagging.AddTagsToResource(platform.Value.Region, body.ResourceName, body.Tags), ct)));
        rds.MapGet("/tags", async ([FromQuery(Name = "resource_name")] string? resourceName, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new Tagging.ListTagsForResource(platform.Value.Region, resourceName), ct)));
        rds.MapDelete("/tags", async ([FromQuery(Name = "resource_name")] string? resourceName, [FromQuery(Name = "tag_key")] string[]? tagKeys,
            IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new Tagging.RemoveTagsFromResource(platform.Value.Region, resourceName, tagKeys), ct);
            return TypedResults.NoContent();
        });
        rds.MapPost("/db-snapshots/{id}/restore", async (string id, RestoreFromSnapshotBody body, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new RestoreDbInstanceFromDbSnapshot(platform.Value.Region, id, body.DbInstanceIdentifier, body.DbInstanceClass,
                body.DbSubnetGroupName, body.VpcSecurityGroupIds, body.DbParameterGroupName, body.Port, body.PubliclyAccessible, body.DeletionProtection, body.Tags, body.MultiAz), ct)));
        rds.MapPost("/db-snapshots", async (CreateDbSnapshotBody body, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateDbSnapshot(platform.Value.Region, body.DbSnapshotIdentifier, body.DbInstanceIdentifier, body.Tags), ct)));
        rds.MapGet("/db-snapshots", async ([FromQuery(Name = "db_instance_identifier")] string? instance, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeDbSnapshots(platform.Value.Region, null, instance), ct)));
        rds.MapGet("/db-snapshots/{id}", async (string id, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok((await sender.Send(new DescribeDbSnapshots(platform.Value.Region, id, null), ct)).DbSnapshots[0]));
        rds.MapDelete("/db-snapshots/{id}", async (string id, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DeleteDbSnapshot(platform.Value.Region, id), ct)));

        rds.MapGet("/certificates", async (IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeCertificates(platform.Value.Region), ct)));
        rds.MapGet("/certificates/{id}/bundle.pem", async (string id, IOptions<PlatformOptions> platform, ISender sender, CancellationToken ct) =>
        {
            var ca = (await sender.Send(new DescribeCertificates(platform.Value.Region), ct)).Certificates.SingleOrDefault(c => c.CertificateIdentifier == id)
                ?? throw new Shared.Errors.ApiException(404, "CertificateNotFound", $"Certificate {id} not found.");
            return TypedResults.Text(ca.CertificatePem, "application/x-pem-file");
        });
        return rds;
    }

    internal sealed record CreateDbSubnetGroupBody(string? DbSubnetGroupName, string? DbSubnetGroupDescription, IReadOnlyList<string>? SubnetIds, IReadOnlyList<RdsTag>? Tags);

    internal sealed record CreateDbParameterGroupBody(string? DbParameterGroupName, string? DbParameterGroupFamily, string? Description, IReadOnlyList<RdsTag>? Tags);

    internal sealed record ModifyParametersBody(IReadOnlyList<ParameterChange>? Parameters);

    internal sealed record CreateDbInstanceBody(
        string? DbInstanceIdentifier,
        string? Engine,
        string? EngineVersion,
        string? DbInstanceClass,
        int? AllocatedStorage,
        string? MasterUsername,
        string? MasterUserPassword,
        int? Port,
        string? DbSubnetGroupName,
        IReadOnlyList<string>? VpcSecurityGroupIds,
        string? DbParameterGroupName,
        int? BackupRetentionPeriod,
        string? PreferredBackupWindow,
        string? PreferredMaintenanceWindow,
        bool? PubliclyAccessible,
        bool? DeletionProtection,
        bool? MultiAz,
        IReadOnlyList<RdsTag>? Tags);

    internal sealed record ModifyDbInstanceBody(
        string? DbInstanceClass,
        int? AllocatedStorage,
        string? MasterUserPassword,
        string? DbParameterGroupName,
        IReadOnlyList<string>? VpcSecurityGroupIds,
        int? BackupRetentionPeriod,
        string? PreferredBackupWindow,
        string? PreferredMaintenanceWindow,
        bool? DeletionProtection,
        bool? PubliclyAccessible,
        bool? ApplyImmediately);

    internal sealed record RestoreToPointInTimeBody(
        string? TargetDbInstanceIdentifier,
        DateTime? RestoreTime,
        bool? UseLatestRestorableTime,
        string? DbInstanceClass,
        string? DbSubnetGroupName,
        IReadOnlyList<string>? VpcSecurityGroupIds,
        string? DbParameterGroupName,
        int? Port,
        bool? PubliclyAccessible,
        bool? DeletionProtection,
        IReadOnlyList<RdsTag>? Tags);

    internal sealed record RestoreFromSnapshotBody(
        string? DbInstanceIdentifier,
        string? DbInstanceClass,
        string? DbSubnetGroupName,
        IReadOnlyList<string>? VpcSecurityGroupIds,
        string? DbParameterGroupName,
        int? Port,
        bool? PubliclyAccessible,
        bool? DeletionProtection,
        IReadOnlyList<RdsTag>? Tags,
        bool? MultiAz = null);

    internal sealed record TagsBody(string? ResourceName, IReadOnlyList<RdsTag>? Tags);

    internal sealed record StopDbInstanceBody(string? DbSnapshotIdentifier);

    internal sealed record CreateDbSnapshotBody(string? DbSnapshotIdentifier, string? DbInstanceIdentifier, IReadOnlyList<RdsTag>? Tags);
}
