using System.Globalization;
using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.HostAgent.Protocol;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Database.Backups;
using Platform.Modules.Database.Certificates;
using Platform.Modules.Database.Contracts;
using Platform.Modules.Database.ParameterGroups;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Database.Snapshots;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Database.Instances;

/// <summary>
/// Composes a DB instance's <see cref="DesiredDatabase"/>: the master password decrypted for the guest, the parameter
/// group's values (with <c>shared_buffers</c> sized from the guest's memory when the group leaves it, as RDS sizes it
/// from the class's), a server certificate from the database CA, where a restored instance's data comes from, and the
/// backups asked for and not yet reported, and, while automated backups are on (retention 1–35), the instance's backup
/// repository (<see cref="BackupRepositories"/>); for a restored instance, the source's repository (read-only) and the
/// backup set or time its data comes from (<see cref="DatabaseRestore"/>), while its own backups go to its own prefix.
/// </summary>
/// <param name="sender">Asks Compute for a Multi-AZ pair's guests (their addresses, their servers' reachability); null where
/// only Single-AZ instances are composed (the unit tests).</param>
internal sealed class DesiredDatabaseComposer(DatabaseDbContext db, ISecretProtector secrets, DatabaseCertificates certificates, BackupRepositories repositories,
    ISender? sender = null)
{
    /// <param name="managedResourceId">The managed instance's resource id: the DB instance's, or its Multi-AZ side B's
    /// (<see cref="Guests.MultiAzPair.StandbyResourceId"/>).</param>
    public async Task<DesiredDatabase?> ComposeAsync(string managedResourceId, string dataVolumeId, CancellationToken cancellationToken)
    {
        // Composing saves the credentials and certificate it makes the first time; another composition (the other side's
        // agent, a second replica) or any change of the row meets it at the row's version. The loser's key is deleted and
        // it composes again from the row as it now is, where it finds what the winner saved.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ComposeOnceAsync(managedResourceId, dataVolumeId, cancellationToken);
            }
            catch (CompositionConflictException) when (attempt < MaxAttempts)
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    private const int MaxAttempts = 5;

    private async Task<DesiredDatabase?> ComposeOnceAsync(string managedResourceId, string dataVolumeId, CancellationToken cancellationToken)
    {
        var (resourceId, side) = Guests.MultiAzPair.Parse(managedResourceId);
        var instance = await db.Instances.SingleOrDefaultAsync(i => i.ResourceId == resourceId, cancellationToken);
        if (instance is null || (side == Guests.MultiAzPair.SideB && !instance.MultiAz))
        {
            return null;
        }

        var replication = instance.MultiAz ? await ReplicationAsync(instance, side, cancellationToken) : null;

        DatabaseRestore? restore = null;
        if (instance.RestoredFrom is not null)
        {
            var source = RestoreSource.Parse(instance.RestoredFrom)
                ?? throw new InvalidOperationException($"DB instance {instance.Identifier} is restored from '{instance.RestoredFrom}', which names no source.");
            var repository = await repositories.RestoreFromAsync(instance, source.SourceResourceId, cancellationToken);
            if (source.InSnapshotRepository)
            {
                repository = repository with { Path = DatabaseBackupRepository.SnapshotRepositoryPath(repository.Path) };
            }

            restore = new DatabaseRestore(repository, source.SourceResourceId,
                source.TargetTime is { } time && !source.Latest ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)) : null, source.BackupLabel);
        }

        var parameters = await ParameterGroupLookup.ValuesAsync(db, instance.AccountId, instance.ParameterGroupName, cancellationToken);
        if (!parameters.ContainsKey("shared_buffers") && InstanceClasses.Find(instance.InstanceClass) is { } instanceClass)
        {
            // A quarter of the guest's memory, in PostgreSQL's 8 kB pages.
            parameters["shared_buffers"] = (instanceClass.GuestMemoryMiB * 1024 / 4 / 8).ToString(CultureInfo.InvariantCulture);
        }

        var operations = await db.BackupOperations.AsNoTracking()
            .Where(o => o.ResourceId == resourceId && o.CompletedAt == null)
            .OrderBy(o => o.RequestedAt).ThenBy(o => o.OperationId)
            .Select(o => new { o.OperationId, o.Kind })
            .ToListAsync(cancellationToken);
        var (certificate, key, ca) = await ServerCertificateAsync(instance, cancellationToken);
        // A manual snapshot needs the repository even with automated backups off (retention 0), as RDS takes one then too.
        var backup = instance.BackupRetentionPeriod > 0 || operations.Any(o => o.Kind == nameof(DatabaseOperationKind.SnapshotBackup))
            ? await repositories.ForAsync(instance, cancellationToken)
            : null;
        return new DesiredDatabase(
            instance.Identifier,
            instance.ResourceId,
            instance.Engine,
            instance.EngineVersion,
            instance.MasterUsername,
            secrets.Unprotect(instance.MasterPasswordProtected, NewDbInstance.PasswordContext(instance.ResourceId)),
            instance.Port,
            dataVolumeId,
            new SortedDictionary<string, string>(parameters, StringComparer.Ordinal),
            instance.Generation,
            new DatabaseTls(certificate, key, ca),
            Backup: backup,
            Restore: restore,
            Operations: [.. operations.Select(o => new DatabaseOperation(o.OperationId, Enum.Parse<DatabaseOperationKind>(o.Kind)))],
            Replication: replication);
    }

    /// <summary>
    /// This side's part in the pair, from the DB instance's row and the two guests' addresses alone, so every composition of
    /// both servers agrees: the primary names the standby (<c>s_SIDE</c>) and lets in its address, synchronously once the
    /// standby of this term has streamed, and drops it while the standby's server is lost (so commits do not wait for it);
    /// the standby follows the primary's address. The standby takes no backups (the agent drops them from its side).
    /// </summary>
    private async Task<DatabaseReplication> ReplicationAsync(DbInstance instance, string side, CancellationToken cancellationToken)
    {
        var password = secrets.Unprotect(instance.ReplicationPasswordProtected
            ?? throw new InvalidOperationException($"Multi-AZ DB instance {instance.Identifier} has no replication password."),
            NewDbInstance.ReplicationPasswordContext(instance.ResourceId));
        var other = Guests.MultiAzPair.Other(side);
        var peer = (await (sender ?? throw new InvalidOperationException("Composing a Multi-AZ pair needs Compute.")).Send(new DescribeManagedInstances(Guests.DatabaseGuests.ManagedBy,
                [Guests.MultiAzPair.ResourceIdOf(instance, other)]), cancellationToken))
            .SingleOrDefault(g => g.State is not ("shutting-down" or "terminated"));
        if (side == instance.PrimarySide)
        {
            return peer is { PrivateIpAddress: { } address, HostReachable: true }
                ? new DatabaseReplication(DatabaseReplicationRole.Primary, instance.ReplicationTerm, password, Guests.MultiAzPair.StandbyName(other), address,
                    Synchronous: instance.StandbySynchronous)
                : new DatabaseReplication(DatabaseReplicationRole.Primary, instance.ReplicationTerm, password, Synchronous: false);
        }

        return new DatabaseReplication(DatabaseReplicationRole.Standby, instance.ReplicationTerm, password, Guests.MultiAzPair.StandbyName(side), peer?.PrivateIpAddress);
    }

    /// <summary>
    /// The instance's one server certificate: issued once and kept, so the desired state stays the same from one
    /// composition to the next. Two replicas issuing at once meet at the row's version; the loser takes the winner's.
    /// </summary>
    private async Task<(string Certificate, string Key, string Ca)> ServerCertificateAsync(DbInstance instance, CancellationToken cancellationToken)
    {
        var ca = (await certificates.CaAsync(cancellationToken)).CertificatePem;
        var context = $"rds-server-key:{instance.ResourceId}";
        if (instance.ServerCertificatePem is { } stored && instance.ServerKeyProtected is { } protectedKey)
        {
            return (stored, secrets.Unprotect(protectedKey, context), ca);
        }

        var (certificate, key, _) = await certificates.IssueServerCertificateAsync([$"{instance.Identifier}.{instance.AccountId}.rds.internal"], cancellationToken);
        instance.ServerCertificatePem = certificate;
        instance.ServerKeyProtected = secrets.Protect(key, context);
        instance.Version++;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return (certificate, key, ca);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            var winner = await db.Instances.AsNoTracking().SingleAsync(i => i.ResourceId == instance.ResourceId, cancellationToken);
            return winner.ServerCertificatePem is { } theirs && winner.ServerKeyProtected is { } theirKey
                ? (theirs, secrets.Unprotect(theirKey, context), ca)
                : throw new CompositionConflictException($"DB instance {instance.Identifier} changed while its certificate was issued; compose it again.");
        }
    }
}

internal sealed class DescribeManagedDatabaseHandler(DesiredDatabaseComposer composer, DatabaseDbContext db) : IRequestHandler<DescribeManagedDatabase, ManagedDatabase?>
{
    public async ValueTask<ManagedDatabase?> Handle(DescribeManagedDatabase request, CancellationToken cancellationToken)
    {
        var desired = await composer.ComposeAsync(request.ResourceId, request.DataVolumeId, cancellationToken);
        if (desired is null)
        {
            return null;
        }

        var account = await db.Instances.AsNoTracking().Where(i => i.ResourceId == desired.ResourceId).Select(i => i.AccountId).SingleAsync(cancellationToken);
        return new ManagedDatabase(request.ResourceId, account, desired.Generation, JsonSerializer.Serialize(desired, AgentApi.Json));
    }
}

/// <summary>The DB instance's row changed while a composition saved what it made; the composition is to start again.</summary>
internal sealed class CompositionConflictException(string message) : InvalidOperationException(message);
