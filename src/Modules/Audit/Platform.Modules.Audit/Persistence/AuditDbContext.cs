using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Audit.Persistence;

/// <summary>Audited calls, trails and delivery marks, in the <c>audit</c> schema.</summary>
internal class AuditDbContext(DbContextOptions options) : ModuleDbContext(options)
{
    public const string SchemaName = "audit";

    public override string Schema => SchemaName;

    public DbSet<AuditEvent> Events => Set<AuditEvent>();

    public DbSet<Trail> Trails => Set<Trail>();

    public DbSet<LogDelivery> Deliveries => Set<LogDelivery>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<AuditEvent>(e =>
        {
            e.ToTable("events");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasColumnName("event_id").HasMaxLength(36);
            e.Property(x => x.RequestId).HasColumnName("request_id").HasMaxLength(32);
            e.Property(x => x.EventTime).HasColumnName("event_time");
            e.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            e.Property(x => x.PrincipalArn).HasColumnName("principal_arn").HasMaxLength(2048);
            e.Property(x => x.UserName).HasColumnName("user_name").HasMaxLength(64);
            e.Property(x => x.AccessKeyId).HasColumnName("access_key_id").HasMaxLength(128);
            e.Property(x => x.SourceIpAddress).HasColumnName("source_ip_address").HasMaxLength(64);
            e.Property(x => x.UserAgent).HasColumnName("user_agent").HasMaxLength(AuditEvent.MaxUserAgent);
            e.Property(x => x.EventSource).HasColumnName("event_source").HasMaxLength(64);
            e.Property(x => x.EventName).HasColumnName("event_name").HasMaxLength(AuditEvent.MaxOperation);
            e.Property(x => x.Operation).HasColumnName("operation").HasMaxLength(AuditEvent.MaxOperation);
            e.Property(x => x.ReadOnly).HasColumnName("read_only");
            e.Property(x => x.Resources).HasColumnName("resources");
            e.Property(x => x.Outcome).HasColumnName("outcome");
            e.Property(x => x.StatusCode).HasColumnName("status_code");
            e.Property(x => x.ErrorCode).HasColumnName("error_code").HasMaxLength(128);
            e.Property(x => x.ErrorMessage).HasColumnName("error_message").HasMaxLength(AuditEvent.MaxErrorMessage);
            e.HasIndex(x => x.RequestId).IsUnique();
            e.HasIndex(x => new { x.AccountId, x.EventTime });
            e.HasIndex(x => x.EventTime);
        });

        modelBuilder.Entity<Trail>(t =>
        {
            t.ToTable("trails");
            t.HasKey(x => x.AccountId);
            t.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            t.Property(x => x.BucketName).HasColumnName("bucket_name").HasMaxLength(63);
            t.Property(x => x.CreatedAt).HasColumnName("created_at");
            t.Property(x => x.UpdatedAt).HasColumnName("updated_at");
        });

        modelBuilder.Entity<LogDelivery>(d =>
        {
            d.ToTable("deliveries");
            d.HasKey(x => new { x.AccountId, x.Day });
            d.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            d.Property(x => x.Day).HasColumnName("day");
            d.Property(x => x.BucketName).HasColumnName("bucket_name").HasMaxLength(63);
            d.Property(x => x.ObjectKey).HasColumnName("object_key").HasMaxLength(1024);
            d.Property(x => x.EventCount).HasColumnName("event_count");
            d.Property(x => x.DeliveredAt).HasColumnName("delivered_at");
        });
    }
}

/// <summary>The SQLite flavour, with its own migrations (Persistence/Migrations/Sqlite).</summary>
internal sealed class SqliteAuditDbContext(DbContextOptions<SqliteAuditDbContext> options) : AuditDbContext(options);

/// <summary>The SQL Server flavour, with its own migrations (Persistence/Migrations/SqlServer).</summary>
internal sealed class SqlServerAuditDbContext(DbContextOptions<SqlServerAuditDbContext> options) : AuditDbContext(options);

internal sealed class SqliteAuditDbContextFactory : IDesignTimeDbContextFactory<SqliteAuditDbContext>
{
    public SqliteAuditDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<SqliteAuditDbContext>)ModuleDatabase.UseSqlite(
            new DbContextOptionsBuilder<SqliteAuditDbContext>(), "Data Source=design-time.db", AuditDbContext.SchemaName).Options);
}

internal sealed class SqlServerAuditDbContextFactory : IDesignTimeDbContextFactory<SqlServerAuditDbContext>
{
    public SqlServerAuditDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<SqlServerAuditDbContext>)ModuleDatabase.UseSqlServer(
            new DbContextOptionsBuilder<SqlServerAuditDbContext>(), "Server=design-time;Database=platform", AuditDbContext.SchemaName).Options);
}
