using Microsoft.EntityFrameworkCore;
using Platform.Modules.Shared.Persistence.Outbox;

namespace Platform.Modules.Shared.Persistence;

/// <summary>
/// The base of each module's own DbContext. On SQL Server a module's tables live in its own schema;
/// SQLite has no schemas, so there the schema becomes a table-name prefix (<c>iam_users</c>).
/// Each provider has a derived context with its own migrations.
/// </summary>
public abstract class ModuleDbContext(DbContextOptions options) : DbContext(options)
{
    /// <summary>The module's schema name, lower case (<c>iam</c>, <c>compute</c>).</summary>
    public abstract string Schema { get; }

    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    protected bool IsSqlite => Database.ProviderName == "Microsoft.EntityFrameworkCore.Sqlite";

    protected sealed override void OnModelCreating(ModelBuilder modelBuilder)
    {
        if (!IsSqlite)
        {
            modelBuilder.HasDefaultSchema(Schema);
        }

        modelBuilder.ApplyConfiguration(new OutboxMessageConfiguration());
        ConfigureModel(modelBuilder);

        if (IsSqlite)
        {
            foreach (var entity in modelBuilder.Model.GetEntityTypes())
            {
                if (entity.GetTableName() is { } table && entity.BaseType is null)
                {
                    entity.SetTableName($"{Schema}_{table}");
                }
            }
        }
    }

    protected abstract void ConfigureModel(ModelBuilder modelBuilder);

    /// <summary>Every time is UTC; SQLite forgets the kind, so it is put back on the way out.</summary>
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    private sealed class UtcDateTimeConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime, DateTime>(
        value => value.Kind == DateTimeKind.Utc ? value : value.ToUniversalTime(),
        value => DateTime.SpecifyKind(value, DateTimeKind.Utc));

    /// <summary>Queues a notification that must not be lost; it commits with the change it describes.</summary>
    public void AddNotification(Mediator.INotification notification) => OutboxMessages.Add(OutboxMessage.From(notification));
}
