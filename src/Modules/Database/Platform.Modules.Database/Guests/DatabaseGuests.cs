using Mediator;
using Platform.Modules.Iam.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Database.SubnetGroups;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Database.Guests;

/// <summary>
/// Each DB instance's database server is a managed instance of Compute (<see cref="LaunchManagedInstance"/>): the database
/// image, the class's guest size, an interface in the first subnet of its subnet group with its security groups, and a data
/// volume of its allocated storage. A create launches it at once; the guest job (<see cref="RunAsync"/>) launches the ones a
/// failure or a crash left without a guest and terminates the guests of DB instances that are gone. Both are idempotent
/// (Compute keeps one instance per resource id), so the job may run twice, or on two replicas at once.
/// </summary>
internal sealed partial class DatabaseGuests(DatabaseDbContext db, ISender sender, IOptions<RdsOptions> options, ILogger<DatabaseGuests> logger)
{
    public const string ManagedBy = "rds";

    public const string RecurringJobId = "rds-guests";

    /// <summary>The owner of publicly accessible instances' public addresses in Network (not the tenant's: it neither lists nor pays them).</summary>
    public const string PublicAddressOwner = "amazon-rds";

    /// <summary>Launches the DB instance's guest; a failure is logged and left to the guest job. Answers whether it launched.</summary>
    public async Task<bool> TryLaunchAsync(DbInstance instance, CancellationToken cancellationToken)
    {
        try
        {
            await LaunchAsync(instance, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogLaunchFailed(e, instance.Identifier, instance.ResourceId, e.Message);
            return false;
        }
    }

    /// <summary>The guest job: guests missing for DB instances being created, and guests left of deleted ones.</summary>
    /// <returns>How many guests it launched and terminated.</returns>
    public async Task<(int Launched, int Terminated)> RunAsync(CancellationToken cancellationToken)
    {
        var launched = 0;
        var creating = await db.Instances.AsNoTracking()
            .Where(i => i.Status == DbInstanceStatus.Creating)
            .ToListAsync(cancellationToken);
        var guests = creating.Count == 0 ? [] : await sender.Send(new DescribeManagedInstances(ManagedBy, [.. creating.SelectMany(Sides)]), cancellationToken);
        var complete = guests.Where(g => g.DataVolumeId is not null).Select(g => g.ResourceId).ToHashSet(StringComparer.Ordinal);
        foreach (var instance in creating.Where(i => !Sides(i).All(complete.Contains)))
        {
            launched += await TryLaunchAsync(instance, cancellationToken) ? 1 : 0;
        }

        // Publicly accessible instances whose guest a failure left without its public address.
        var publicly = await db.Instances.AsNoTracking().Where(i => i.PubliclyAccessible && i.Status != DbInstanceStatus.Deleting).ToListAsync(cancellationToken);
        if (publicly.Count > 0)
        {
            var theirs = (await sender.Send(new DescribeManagedInstances(ManagedBy, [.. publicly.Select(i => i.ResourceId)]), cancellationToken))
                .Where(g => g.State is not ("shutting-down" or "terminated")).ToList();
            var assigned = await sender.Send(new DescribeInstancePublicAddresses([.. theirs.Select(g => g.InstanceId)]), cancellationToken);
            foreach (var guest in theirs.Where(g => !assigned.ContainsKey(g.InstanceId)))
            {
                var instance = publicly.Single(i => i.ResourceId == guest.ResourceId);
                try
                {
                    await sender.Send(new AssignServicePublicAddress(instance.AccountId, guest.InstanceId, PublicAddressOwner), cancellationToken);
                }
                catch (ApiException e)
                {
                    LogPublicAddressFailed(instance.Identifier, instance.ResourceId, e.Message);
                }
            }
        }

        // A Multi-AZ instance's standby (side B) is as live as its instance.
        var live = (await db.Instances.AsNoTracking().Select(i => new { i.ResourceId, i.MultiAz }).ToListAsync(cancellationToken))
            .SelectMany(i => i.MultiAz ? new[] { i.ResourceId, MultiAzPair.StandbyResourceId(i.ResourceId) } : [i.ResourceId])
            .ToHashSet(StringComparer.Ordinal);
        var terminated = 0;
        foreach (var orphan in (await sender.Send(new DescribeManagedInstances(ManagedBy), cancellationToken))
                     .Where(g => !live.Contains(g.ResourceId) && g.State is not ("shutting-down" or "terminated")))
        {
            await sender.Send(new TerminateManagedInstance(ManagedBy, orphan.ResourceId), cancellationToken);
            terminated++;
        }

        return (launched, terminated);
    }

    /// <summary>
    /// The DB instance is gone: so is its guest, and with it its data volume, and its backup credential (its snapshots stay
    /// in the bucket, read by the platform, not by a credential of the gone instance). The guest job finishes it if this fails.
    /// </summary>
    public async Task TerminateAsync(string resourceId, CancellationToken cancellationToken)
    {
        await sender.Send(new TerminateManagedInstance(ManagedBy, resourceId), cancellationToken);
        await sender.Send(new TerminateManagedInstance(ManagedBy, MultiAzPair.StandbyResourceId(resourceId)), cancellationToken);
        await sender.Send(new DeleteServiceUser(Backups.BackupRepositories.UserName(resourceId)), cancellationToken);
        await sender.Send(new DeleteServiceUser(Backups.BackupRepositories.RestoreUserName(resourceId)), cancellationToken);
    }

    /// <summary>Powers the guest off (a stop that waited for its snapshot); asking again for a stop under way changes nothing.</summary>
    public async Task StopAsync(string resourceId, CancellationToken cancellationToken) =>
        await sender.Send(new ChangeManagedInstancePower(ManagedBy, resourceId, ManagedInstancePower.Stop), cancellationToken);

    /// <summary>What the guest must run changed (a generation, a backup asked for): its server's agent is to compose it again.
    /// A Multi-AZ instance's two guests are both signalled: each one's composition names the other (a guest that does not exist changes nothing).</summary>
    public async Task SignalAsync(string resourceId, CancellationToken cancellationToken)
    {
        await sender.Send(new RaiseManagedInstanceDesiredState(ManagedBy, resourceId), cancellationToken);
        await sender.Send(new RaiseManagedInstanceDesiredState(ManagedBy, MultiAzPair.StandbyResourceId(resourceId)), cancellationToken);
    }

    /// <summary>
    /// The endpoint addresses of the given DB instances' guests (their interfaces' private addresses), by resource id: a
    /// Multi-AZ instance's is its current primary's, which moves with a failover.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> AddressesAsync(IReadOnlyList<DbInstance> instances, CancellationToken cancellationToken)
    {
        var shown = instances.Where(i => i.Status is not (DbInstanceStatus.Creating or DbInstanceStatus.Deleting))
            .ToDictionary(MultiAzPair.PrimaryOf, i => i.ResourceId, StringComparer.Ordinal);
        if (shown.Count == 0)
        {
            return new Dictionary<string, string>();
        }

        var guests = await sender.Send(new DescribeManagedInstances(ManagedBy, [.. shown.Keys]), cancellationToken);
        return guests.Where(g => g.PrivateIpAddress is not null && g.State is not ("shutting-down" or "terminated"))
            .ToDictionary(g => shown[g.ResourceId], g => g.PrivateIpAddress!, StringComparer.Ordinal);
    }

    /// <summary>The public addresses of the given DB instances' guests (publicly accessible ones), by resource id.</summary>
    public async Task<IReadOnlyDictionary<string, string>> PublicAddressesAsync(IReadOnlyList<DbInstance> instances, CancellationToken cancellationToken)
    {
        var shown = instances.Where(i => i.PubliclyAccessible && i.Status is not (DbInstanceStatus.Creating or DbInstanceStatus.Deleting)).Select(i => i.ResourceId).ToList();
        if (shown.Count == 0)
        {
            return new Dictionary<string, string>();
        }

        var guests = (await sender.Send(new DescribeManagedInstances(ManagedBy, shown), cancellationToken))
            .Where(g => g.State is not ("shutting-down" or "terminated")).ToList();
        var addresses = await sender.Send(new DescribeInstancePublicAddresses([.. guests.Select(g => g.InstanceId)]), cancellationToken);
        return guests.Where(g => addresses.ContainsKey(g.InstanceId)).ToDictionary(g => g.ResourceId, g => addresses[g.InstanceId], StringComparer.Ordinal);
    }

    /// <summary>
    /// Gives the instance's guest its public address (<paramref name="publiclyAccessible"/>) or takes it back. Without an
    /// internet gateway in the VPC: InvalidVPCNetworkStateFault, as RDS answers. A guest not launched yet changes nothing
    /// (its launch, or the guest job, assigns it).
    /// </summary>
    public async Task SetPubliclyAccessibleAsync(DbInstance instance, bool publiclyAccessible, CancellationToken cancellationToken)
    {
        if ((await sender.Send(new DescribeManagedInstances(ManagedBy, [instance.ResourceId]), cancellationToken)).SingleOrDefault() is not { } guest)
        {
            return;
        }

        if (!publiclyAccessible)
        {
            await sender.Send(new ReleaseServicePublicAddress(instance.AccountId, guest.InstanceId, PublicAddressOwner), cancellationToken);
            return;
        }

        try
        {
            await sender.Send(new AssignServicePublicAddress(instance.AccountId, guest.InstanceId, PublicAddressOwner), cancellationToken);
        }
        catch (ApiException e) when (e.Code == "Gateway.NotAttached")
        {
            throw RdsErrors.InvalidSecurityGroup($"Cannot make the DB instance publicly accessible: its VPC {instance.VpcId} has no internet gateway attached.");
        }
    }

    /// <summary>The managed resource ids of the instance's guests: side A, and side B for a Multi-AZ instance.</summary>
    private static IEnumerable<string> Sides(DbInstance instance) =>
        instance.MultiAz ? [instance.ResourceId, MultiAzPair.StandbyResourceId(instance.ResourceId)] : [instance.ResourceId];

    /// <summary>
    /// Launches a new Multi-AZ instance's two guests at its create: a server short of room for either is RDS's
    /// InsufficientDBInstanceCapacity, and what was launched goes again (the caller removes the instance's row).
    /// </summary>
    public async Task LaunchPairAsync(DbInstance instance, CancellationToken cancellationToken)
    {
        try
        {
            await LaunchAsync(instance, cancellationToken);
        }
        catch (ApiException e) when (e.Code == "InsufficientInstanceCapacity")
        {
            await sender.Send(new TerminateManagedInstance(ManagedBy, instance.ResourceId), CancellationToken.None);
            await sender.Send(new TerminateManagedInstance(ManagedBy, MultiAzPair.StandbyResourceId(instance.ResourceId)), CancellationToken.None);
            throw RdsErrors.InsufficientCapacity(
                $"Cannot create a Multi-AZ DB instance of class {instance.InstanceClass}: no two servers in two zones of DB subnet group {instance.SubnetGroupName} have room for it. {e.Message}");
        }
    }

    private async Task LaunchAsync(DbInstance instance, CancellationToken cancellationToken)
    {
        var instanceClass = InstanceClasses.Find(instance.InstanceClass)
            ?? throw new InvalidOperationException($"DB instance {instance.Identifier} has the unknown class {instance.InstanceClass}.");
        var subnetGroup = await db.SubnetGroups.AsNoTracking()
            .SingleAsync(g => g.AccountId == instance.AccountId && g.Name == instance.SubnetGroupName, cancellationToken);
        // The group's subnets in order, the next one's zone when a zone has no server with room (single-AZ: one guest).
        var subnets = SubnetList.Parse(subnetGroup.Subnets);
        ManagedInstance? guest = null;
        foreach (var (subnetId, _) in subnets)
        {
            try
            {
                guest = await sender.Send(new LaunchManagedInstance(instance.AccountId, ManagedBy, instance.ResourceId, instanceClass.GuestInstanceType, options.Value.ImageName,
                    subnetId, [.. instance.SecurityGroupIds.Split(',', StringSplitOptions.RemoveEmptyEntries)], instance.AllocatedStorage), cancellationToken);
                break;
            }
            catch (ApiException e) when (e.Code == "InsufficientInstanceCapacity" && subnetId != subnets[^1].SubnetId)
            {
                // Another zone of the group may have room.
            }
        }

        await db.Instances.Where(i => i.ResourceId == instance.ResourceId && i.AvailabilityZone == null)
            .ExecuteUpdateAsync(set => set.SetProperty(i => i.AvailabilityZone, guest!.AvailabilityZone), cancellationToken);
        if (instance.MultiAz)
        {
            await LaunchStandbyAsync(instance, instanceClass, subnets, guest!, cancellationToken);
        }

        if (instance.PubliclyAccessible)
        {
            await sender.Send(new AssignServicePublicAddress(instance.AccountId, guest!.InstanceId, PublicAddressOwner), cancellationToken);
        }
    }

    /// <summary>
    /// Side B of a Multi-AZ instance: in a subnet of the group in another zone than side A's, on another server (side A's
    /// is avoided); the group's next such zone when one has no other server with room, and InsufficientInstanceCapacity when
    /// none has. Only while the instance is created: side A is its primary then.
    /// </summary>
    private async Task LaunchStandbyAsync(DbInstance instance, InstanceClass instanceClass, IReadOnlyList<(string SubnetId, string Zone)> subnets,
        ManagedInstance primary, CancellationToken cancellationToken)
    {
        var avoid = primary.HostId is { } hostId ? new[] { hostId } : [];
        var others = subnets.Where(s => s.Zone != primary.AvailabilityZone).ToList();
        if (others.Count == 0)
        {
            throw new ApiException(500, "InsufficientInstanceCapacity", $"DB subnet group {instance.SubnetGroupName} has no subnet outside {primary.AvailabilityZone}.");
        }

        ManagedInstance? standby = null;
        foreach (var (subnetId, _) in others)
        {
            try
            {
                standby = await sender.Send(new LaunchManagedInstance(instance.AccountId, ManagedBy, MultiAzPair.StandbyResourceId(instance.ResourceId),
                    instanceClass.GuestInstanceType, options.Value.ImageName, subnetId, [.. instance.SecurityGroupIds.Split(',', StringSplitOptions.RemoveEmptyEntries)],
                    instance.AllocatedStorage, avoid), cancellationToken);
                break;
            }
            catch (ApiException e) when (e.Code == "InsufficientInstanceCapacity" && subnetId != others[^1].SubnetId)
            {
                // Another zone of the group may have a server with room.
            }
        }

        await db.Instances.Where(i => i.ResourceId == instance.ResourceId && i.SecondaryAvailabilityZone == null)
            .ExecuteUpdateAsync(set => set.SetProperty(i => i.SecondaryAvailabilityZone, standby!.AvailabilityZone), cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The guest of publicly accessible DB instance {Identifier} ({ResourceId}) has no public address yet: {Reason}; the guest job tries again")]
    private partial void LogPublicAddressFailed(string identifier, string resourceId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The guest of DB instance {Identifier} ({ResourceId}) could not be launched yet: {Reason}; the guest job tries again")]
    private partial void LogLaunchFailed(Exception exception, string identifier, string resourceId, string reason);
}
