using System.Globalization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Database.Guests;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Storage.Contracts;

namespace Platform.Modules.Database.Instances.Resize;

/// <summary>
/// Applies a DB instance's pending class and storage (ModifyDBInstance's PendingModifiedValues), at once after an
/// <c>apply_immediately</c> call or when its maintenance window begins, every <c>Rds:GuestCron</c> and once after such a call:
/// <list type="number">
/// <item>the instance turns <c>modifying</c> (a window begun);</item>
/// <item>storage: Storage grows the data volume (its server grows the pool volume and tells QEMU; the guest's agent grows
/// its ext4 file system online at its next status), then <c>allocated_storage</c> is the new size;</item>
/// <item>class: the guest is stopped, its instance type changed to the class's (Compute), started again, then
/// <c>db_instance_class</c> is the new class and the generation rises (shared_buffers is sized from the class's memory);</item>
/// <item>done: the guest's next report that applied the generation makes it <c>available</c>.</item>
/// </list>
/// Each step looks at where the instance and its guest are before it acts and saves with one conditional update (the row's
/// version), so a job run twice, on two replicas at once, or an API restarted between two steps picks up where it stopped:
/// asking Compute for a stop or start under way, or Storage for a grow under way or done, changes nothing.
/// </summary>
internal sealed class DbInstanceResizeJob(DatabaseDbContext db, ISender sender, DatabaseGuests guests, TimeProvider clock, ILogger<DbInstanceResizeJob> logger)
{
    public const string RecurringJobId = "rds-resize";

    /// <returns>How many instances finished their resize in this run.</returns>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var ids = await db.Instances.AsNoTracking()
            .Where(i => i.ResizeApplying || i.PendingInstanceClass != null || i.PendingAllocatedStorage != null)
            .Select(i => i.ResourceId).ToListAsync(cancellationToken);
        var finished = 0;
        foreach (var id in ids)
        {
            try
            {
                finished += await StepAsync(id, cancellationToken) ? 1 : 0;
            }
            catch (DbUpdateConcurrencyException)
            {
                // Changed meanwhile (a report, a call, another run): the next run looks again.
                logger.LogInformation("The resize of {ResourceId} met a concurrent change; the next run goes on.", id);
            }
        }

        return finished;
    }

    private async Task<bool> StepAsync(string resourceId, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        var instance = await db.Instances.SingleOrDefaultAsync(i => i.ResourceId == resourceId, cancellationToken);
        if (instance is null)
        {
            return false;
        }

        if (!instance.ResizeApplying)
        {
            if (instance.Status != DbInstanceStatus.Available || !MaintenanceWindow.Contains(instance.PreferredMaintenanceWindow, clock.GetUtcNow().UtcDateTime))
            {
                return false;
            }

            instance.ResizeApplying = true;
            instance.Status = DbInstanceStatus.Modifying;
            await SaveAsync(instance, cancellationToken);
        }

        if (instance.Status != DbInstanceStatus.Modifying)
        {
            // Deleted (or failed) meanwhile: the resize ends with it.
            return false;
        }

        var guest = (await sender.Send(new DescribeManagedInstances(DatabaseGuests.ManagedBy, [instance.ResourceId]), cancellationToken))
            .FirstOrDefault(g => g.State != "terminated");
        if (guest is null)
        {
            return false;
        }

        if (instance.PendingAllocatedStorage is { } storage)
        {
            if (guest.DataVolumeId is null)
            {
                return false;
            }

            var volume = await sender.Send(new GrowManagedVolume(DatabaseGuests.ManagedBy, guest.DataVolumeId, storage), cancellationToken);
            if (!volume.Grown || volume.SizeGiB < storage)
            {
                return false;
            }

            instance.AllocatedStorage = storage;
            instance.PendingAllocatedStorage = null;
            await SaveAsync(instance, cancellationToken);
        }

        if (instance.PendingInstanceClass is { } className)
        {
            var target = InstanceClasses.Find(className)?.GuestInstanceType
                ?? throw new InvalidOperationException($"The pending class {className} of {resourceId} is not in the catalog.");
            if (guest.InstanceType != target)
            {
                switch (guest.State)
                {
                    case "running" or "pending":
                        await sender.Send(new ChangeManagedInstancePower(DatabaseGuests.ManagedBy, resourceId, ManagedInstancePower.Stop), cancellationToken);
                        return false;
                    case "stopped":
                        guest = await sender.Send(new ChangeManagedInstanceType(DatabaseGuests.ManagedBy, resourceId, target), cancellationToken);
                        if (guest?.InstanceType != target)
                        {
                            return false;
                        }

                        break;
                    default:
                        // stopping: the next run finds it stopped.
                        return false;
                }
            }

            if (guest.State is "stopped" or "stopping")
            {
                await sender.Send(new ChangeManagedInstancePower(DatabaseGuests.ManagedBy, resourceId, ManagedInstancePower.Start), cancellationToken);
            }

            instance.InstanceClass = className;
            instance.PendingInstanceClass = null;
            await SaveAsync(instance, cancellationToken);
        }

        // Applied: the guest (running again, its file system grown) is composed anew, and its report of this generation
        // makes the instance available (DbInstanceLifecycle.Apply).
        instance.ResizeApplying = false;
        instance.Generation++;
        await SaveAsync(instance, cancellationToken);
        await guests.SignalAsync(resourceId, cancellationToken);
        logger.LogInformation("The resize of {ResourceId} is applied: {InstanceClass}, {AllocatedStorage} GiB.", resourceId, instance.InstanceClass, instance.AllocatedStorage);
        return true;
    }

    private async Task SaveAsync(DbInstance instance, CancellationToken cancellationToken)
    {
        instance.Version++;
        await db.SaveChangesAsync(cancellationToken);
    }
}

/// <summary>RDS's PreferredMaintenanceWindow (<c>ddd:hh24:mi-ddd:hh24:mi</c>, UTC, may wrap past Sunday), as a span of the week.</summary>
internal static class MaintenanceWindow
{
    private static readonly string[] Days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    public static bool Contains(string window, DateTime utc)
    {
        var parts = window.Split('-');
        if (parts.Length != 2 || MinuteOfWeek(parts[0]) is not { } start || MinuteOfWeek(parts[1]) is not { } end)
        {
            return false;
        }

        var now = ((int)utc.DayOfWeek * 24 * 60) + (utc.Hour * 60) + utc.Minute;
        return start <= end ? now >= start && now < end : now >= start || now < end;
    }

    private static int? MinuteOfWeek(string point)
    {
        var fields = point.Split(':');
        var day = Array.IndexOf(Days, fields[0].ToLowerInvariant());
        return fields.Length == 3 && day >= 0
            && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var hour)
            && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var minute)
            ? (day * 24 * 60) + (hour * 60) + minute
            : null;
    }
}
