using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Database.Snapshots;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Database.Events;

/// <summary>One RDS event: what happened to a DB instance or snapshot of an account, with RDS's message and categories.</summary>
internal sealed class DbEvent
{
    public long Id { get; init; }

    public required string AccountId { get; init; }

    /// <summary><c>db-instance</c> or <c>db-snapshot</c>.</summary>
    public required string SourceType { get; init; }

    public required string SourceIdentifier { get; init; }

    public required string Message { get; init; }

    /// <summary>RDS's categories, comma-separated (<c>creation</c>, <c>backup</c>, <c>availability</c>, …).</summary>
    public required string Categories { get; init; }

    public required DateTime Date { get; init; }
}

/// <summary>
/// Records RDS's events for the state changes the module makes, from the changes a save is about to write: the events go
/// in with the change, in one transaction, so a change retried (a job run twice, a report applied again) records nothing
/// twice, and one rolled back records nothing. Changes made by bulk updates (a failover's compare-and-swap, a snapshot's
/// deletion job) do not pass here and record no event.
/// </summary>
internal static class RdsEventRecorder
{
    public const string InstanceSource = "db-instance";
    public const string SnapshotSource = "db-snapshot";

    public static void Capture(DatabaseDbContext db, DateTime now)
    {
        var events = new List<DbEvent>();
        foreach (var entry in db.ChangeTracker.Entries<DbInstance>())
        {
            var instance = entry.Entity;
            if (entry.State == EntityState.Deleted)
            {
                events.Add(New(instance.AccountId, InstanceSource, instance.Identifier, "DB instance deleted", "deletion", now));
                continue;
            }

            if (entry.State != EntityState.Modified || Changed(entry.Property(i => i.Status)) is not { } before)
            {
                continue;
            }

            var (message, category) = (before, instance.Status) switch
            {
                (DbInstanceStatus.Creating, DbInstanceStatus.Available or DbInstanceStatus.BackingUp) => ("DB instance created", "creation"),
                (_, DbInstanceStatus.BackingUp) => ("Backing up DB instance", "backup"),
                (DbInstanceStatus.BackingUp, DbInstanceStatus.Available) => ("Finished DB Instance backup", "backup"),
                (DbInstanceStatus.Rebooting, DbInstanceStatus.Available) => ("DB instance restarted", "availability"),
                (_, DbInstanceStatus.Stopped) => ("DB instance stopped", "notification"),
                (DbInstanceStatus.Starting, DbInstanceStatus.Available) => ("DB instance started", "notification"),
                (_, DbInstanceStatus.Failed) => ("DB instance failed", "failure"),
                (_, DbInstanceStatus.StorageFull) => ("The free storage capacity for DB instance is exhausted", "low storage"),
                _ => (null, null),
            };
            if (message is not null)
            {
                events.Add(New(instance.AccountId, InstanceSource, instance.Identifier, message, category!, now));
            }
        }

        foreach (var entry in db.ChangeTracker.Entries<DbSnapshot>())
        {
            var snapshot = entry.Entity;
            if (entry.State == EntityState.Added)
            {
                events.Add(New(snapshot.AccountId, SnapshotSource, snapshot.Identifier, "Creating manual snapshot", "creation", now));
            }
            else if (entry.State == EntityState.Modified && Changed(entry.Property(s => s.Status)) is not null)
            {
                if (snapshot.Status == DbSnapshotStatus.Available)
                {
                    events.Add(New(snapshot.AccountId, SnapshotSource, snapshot.Identifier, "Manual snapshot created", "creation", now));
                }
                else if (snapshot.Status == DbSnapshotStatus.Failed)
                {
                    events.Add(New(snapshot.AccountId, SnapshotSource, snapshot.Identifier, "Manual snapshot failed", "failure", now));
                }
            }
        }

        db.Events.AddRange(events);
    }

    private static string? Changed(PropertyEntry<DbInstance, string> property) =>
        property.IsModified && property.OriginalValue != property.CurrentValue ? property.OriginalValue : null;

    private static string? Changed(PropertyEntry<DbSnapshot, string> property) =>
        property.IsModified && property.OriginalValue != property.CurrentValue ? property.OriginalValue : null;

    private static DbEvent New(string account, string type, string identifier, string message, string category, DateTime now) => new()
    {
        AccountId = account,
        SourceType = type,
        SourceIdentifier = identifier,
        Message = message,
        Categories = category,
        Date = now,
    };
}

internal static class RdsEventModel
{
    public static void Configure(ModelBuilder modelBuilder) => modelBuilder.Entity<DbEvent>(e =>
    {
        e.ToTable("db_events");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").ValueGeneratedOnAdd();
        e.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
        e.Property(x => x.SourceType).HasColumnName("source_type").HasMaxLength(32);
        e.Property(x => x.SourceIdentifier).HasColumnName("source_identifier").HasMaxLength(255);
        e.Property(x => x.Message).HasColumnName("message").HasMaxLength(512);
        e.Property(x => x.Categories).HasColumnName("categories").HasMaxLength(128);
        e.Property(x => x.Date).HasColumnName("date");
        e.HasIndex(x => new { x.AccountId, x.Date });
        e.HasIndex(x => x.Date);
    });
}

/// <summary>An event as DescribeEvents answers it.</summary>
internal sealed record RdsEventResponse(string SourceIdentifier, string SourceType, string Message, IReadOnlyList<string> EventCategories, DateTime Date, string SourceArn, long Sequence);

internal sealed record DescribeEventsResponse(IReadOnlyList<RdsEventResponse> Events);

/// <summary>
/// DescribeEvents: the account's events of the last hour by default, or of <c>Duration</c> minutes, or between
/// <c>StartTime</c> and <c>EndTime</c>; by source type (and identifier) and categories; oldest first. Kept 14 days.
/// </summary>
internal sealed record DescribeEvents(
    string Region,
    string? SourceIdentifier,
    string? SourceType,
    DateTime? StartTime,
    DateTime? EndTime,
    int? Duration,
    IReadOnlyList<string>? EventCategories) : IRequest<DescribeEventsResponse>, IRequiresPermission, Shared.Messaging.IValidatable
{
    public static readonly string[] SourceTypes =
        ["db-instance", "db-parameter-group", "db-security-group", "db-snapshot", "db-cluster", "db-cluster-snapshot", "custom-engine-version", "db-proxy", "blue-green-deployment"];

    public static readonly string[] Categories =
        ["availability", "backup", "configuration change", "creation", "deletion", "failover", "failure", "low storage", "maintenance", "notification", "recovery", "restoration"];

    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("rds:DescribeEvents", $"arn:aws:rds:{Region}:{caller.AccountId}:*");

    public void Validate()
    {
        if (SourceType is not null && Array.IndexOf(SourceTypes, SourceType) < 0)
        {
            throw RdsErrors.InvalidParameterValue($"Invalid source type: {SourceType}. Valid values are {string.Join(", ", SourceTypes)}.");
        }

        if (SourceIdentifier is not null && SourceType is null)
        {
            throw RdsErrors.InvalidParameterCombination("Cannot specify a SourceIdentifier without a SourceType.");
        }

        if (Duration is < 0)
        {
            throw RdsErrors.InvalidParameterValue("Duration must not be negative.");
        }

        if (StartTime is { } start && EndTime is { } end && end < start)
        {
            throw RdsErrors.InvalidParameterCombination("The EndTime must be after the StartTime.");
        }

        foreach (var category in EventCategories ?? [])
        {
            if (Array.IndexOf(Categories, category) < 0)
            {
                throw RdsErrors.InvalidParameterValue($"Invalid event category: {category}.");
            }
        }
    }
}

internal sealed class DescribeEventsHandler(DatabaseDbContext db, ICallerContext caller, TimeProvider clock) : IRequestHandler<DescribeEvents, DescribeEventsResponse>
{
    public async ValueTask<DescribeEventsResponse> Handle(DescribeEvents request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var now = clock.GetUtcNow().UtcDateTime;
        var (start, end) = (request.StartTime, request.EndTime, request.Duration) switch
        {
            ({ } s, { } e, _) => (s, e),
            ({ } s, null, var d) => (s, d is { } minutes ? s.AddMinutes(minutes) : now),
            (null, { } e, var d) => (e.AddMinutes(-(d ?? 60)), e),
            (null, null, var d) => (now.AddMinutes(-(d ?? 60)), now),
        };
        var query = db.Events.AsNoTracking().Where(e => e.AccountId == account && e.Date >= start && e.Date <= end);
        if (request.SourceType is { } type)
        {
            query = query.Where(e => e.SourceType == type);
        }

        if (request.SourceIdentifier is { } id)
        {
            var identifier = id.ToLowerInvariant();
            query = query.Where(e => e.SourceIdentifier == identifier);
        }

        var found = await query.OrderBy(e => e.Id).Take(10_000).ToListAsync(cancellationToken);
        var categories = request.EventCategories ?? [];
        return new DescribeEventsResponse([.. found
            .Where(e => categories.Count == 0 || e.Categories.Split(',').Any(categories.Contains))
            .Select(e => new RdsEventResponse(e.SourceIdentifier, e.SourceType, e.Message, e.Categories.Split(','), DateTime.SpecifyKind(e.Date, DateTimeKind.Utc),
                e.SourceType == RdsEventRecorder.InstanceSource ? RdsArns.Instance(request.Region, account, e.SourceIdentifier) : RdsArns.Snapshot(request.Region, account, e.SourceIdentifier),
                e.Id))]);
    }
}

/// <summary>Removes events older than RDS keeps them (14 days): a delete by date, so running it twice or on two replicas at once is harmless.</summary>
internal sealed class RdsEventRetentionJob(DatabaseDbContext db, TimeProvider clock)
{
    public const string RecurringJobId = "rds-events-prune";

    public static readonly TimeSpan Retention = TimeSpan.FromDays(14);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - Retention;
        return await db.Events.Where(e => e.Date < cutoff).ExecuteDeleteAsync(cancellationToken);
    }
}
