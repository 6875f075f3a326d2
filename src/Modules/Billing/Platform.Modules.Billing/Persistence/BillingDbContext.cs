using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Billing.Persistence;

/// <summary>Usage records, instance runs, the price list and invoices, in the <c>billing</c> schema.</summary>
internal class BillingDbContext(DbContextOptions options) : ModuleDbContext(options)
{
    public const string SchemaName = "billing";

    public override string Schema => SchemaName;

    public DbSet<UsageRecord> UsageRecords => Set<UsageRecord>();

    public DbSet<InstanceRun> InstanceRuns => Set<InstanceRun>();

    public DbSet<PriceEntry> Prices => Set<PriceEntry>();

    public DbSet<Invoice> Invoices => Set<Invoice>();

    public DbSet<InvoiceLine> InvoiceLines => Set<InvoiceLine>();

    public DbSet<Reservation> Reservations => Set<Reservation>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<UsageRecord>(u =>
        {
            u.ToTable("usage_records");
            u.HasKey(x => x.Id);
            u.Property(x => x.Id).HasColumnName("id").ValueGeneratedOnAdd();
            u.Property(x => x.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(256);
            u.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            u.Property(x => x.Service).HasColumnName("service").HasMaxLength(64);
            u.Property(x => x.UsageType).HasColumnName("usage_type").HasMaxLength(128);
            u.Property(x => x.ResourceId).HasColumnName("resource_id").HasMaxLength(128);
            u.Property(x => x.UsageStart).HasColumnName("usage_start");
            u.Property(x => x.UsageEnd).HasColumnName("usage_end");
            u.Property(x => x.Quantity).HasColumnName("quantity").HasPrecision(28, 6);
            u.Property(x => x.Unit).HasColumnName("unit").HasMaxLength(32);
            u.Property(x => x.RecordedAt).HasColumnName("recorded_at");
            u.Property(x => x.AvailabilityZone).HasColumnName("availability_zone").HasMaxLength(64);
            u.HasIndex(x => x.IdempotencyKey).IsUnique();
            u.HasIndex(x => new { x.AccountId, x.UsageStart });
            u.HasIndex(x => x.UsageStart);
        });

        modelBuilder.Entity<InstanceRun>(r =>
        {
            r.ToTable("instance_runs");
            r.HasKey(x => new { x.InstanceId, x.StartedAt });
            r.Property(x => x.InstanceId).HasColumnName("instance_id").HasMaxLength(32);
            r.Property(x => x.StartedAt).HasColumnName("started_at");
            r.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            r.Property(x => x.Service).HasColumnName("service").HasMaxLength(64);
            r.Property(x => x.UsageType).HasColumnName("usage_type").HasMaxLength(128);
            r.Property(x => x.EndedAt).HasColumnName("ended_at");
            r.Property(x => x.AvailabilityZone).HasColumnName("availability_zone").HasMaxLength(64);
            r.HasIndex(x => x.EndedAt);
        });

        modelBuilder.Entity<PriceEntry>(p =>
        {
            p.ToTable("prices");
            p.HasKey(x => x.Id);
            p.Property(x => x.Id).HasColumnName("id").ValueGeneratedOnAdd();
            p.Property(x => x.EffectiveFrom).HasColumnName("effective_from");
            p.Property(x => x.Service).HasColumnName("service").HasMaxLength(64);
            p.Property(x => x.UsageType).HasColumnName("usage_type").HasMaxLength(128);
            p.Property(x => x.PricePerUnit).HasColumnName("price_per_unit").HasPrecision(20, 10);
            p.Property(x => x.PriceUnit).HasColumnName("price_unit").HasMaxLength(16);
            p.Property(x => x.CreatedAt).HasColumnName("created_at");
            p.Property(x => x.CreatedBy).HasColumnName("created_by").HasMaxLength(2048);
            p.HasIndex(x => new { x.Service, x.UsageType, x.EffectiveFrom }).IsUnique();
        });

        modelBuilder.Entity<Invoice>(i =>
        {
            i.ToTable("invoices");
            i.HasKey(x => x.Id);
            i.Property(x => x.Id).HasColumnName("invoice_id").HasMaxLength(32);
            i.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            i.Property(x => x.Period).HasColumnName("period");
            i.Property(x => x.Currency).HasColumnName("currency").HasMaxLength(3);
            i.Property(x => x.Total).HasColumnName("total").HasPrecision(20, 2);
            i.Property(x => x.IssuedAt).HasColumnName("issued_at");
            // One invoice per account and month, whichever replica or retry gets there first.
            i.HasIndex(x => new { x.AccountId, x.Period }).IsUnique();
            i.HasMany(x => x.Lines).WithOne().HasForeignKey(l => l.InvoiceId);
        });

        modelBuilder.Entity<InvoiceLine>(l =>
        {
            l.ToTable("invoice_lines");
            l.HasKey(x => new { x.InvoiceId, x.LineNumber });
            l.Property(x => x.InvoiceId).HasColumnName("invoice_id").HasMaxLength(32);
            l.Property(x => x.LineNumber).HasColumnName("line_number");
            l.Property(x => x.Service).HasColumnName("service").HasMaxLength(64);
            l.Property(x => x.UsageType).HasColumnName("usage_type").HasMaxLength(128);
            l.Property(x => x.Quantity).HasColumnName("quantity").HasPrecision(28, 6);
            l.Property(x => x.Unit).HasColumnName("unit").HasMaxLength(32);
            l.Property(x => x.PricePerUnit).HasColumnName("price_per_unit").HasPrecision(20, 10);
            l.Property(x => x.PriceUnit).HasColumnName("price_unit").HasMaxLength(16);
            l.Property(x => x.Amount).HasColumnName("amount").HasPrecision(20, 2);
            l.Property(x => x.ReservationId).HasColumnName("reservation_id").HasMaxLength(64);
        });

        modelBuilder.Entity<Reservation>(r =>
        {
            r.ToTable("reservations");
            r.HasKey(x => x.Id);
            r.Property(x => x.Id).HasColumnName("reserved_instances_id").HasMaxLength(64);
            r.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            r.Property(x => x.OfferingId).HasColumnName("offering_id").HasMaxLength(64);
            r.Property(x => x.InstanceType).HasColumnName("instance_type").HasMaxLength(32);
            r.Property(x => x.AvailabilityZone).HasColumnName("availability_zone").HasMaxLength(64);
            r.Property(x => x.InstanceCount).HasColumnName("instance_count");
            r.Property(x => x.OfferingType).HasColumnName("offering_type").HasMaxLength(32);
            r.Property(x => x.FixedPrice).HasColumnName("fixed_price").HasPrecision(20, 2);
            r.Property(x => x.RecurringHourly).HasColumnName("recurring_hourly").HasPrecision(20, 10);
            r.Property(x => x.Start).HasColumnName("start_time");
            r.Property(x => x.End).HasColumnName("end_time");
            r.Property(x => x.ClientToken).HasColumnName("client_token").HasMaxLength(64);
            r.HasIndex(x => new { x.AccountId, x.Start });
            // A retried purchase with the same token buys once.
            r.HasIndex(x => new { x.AccountId, x.ClientToken }).IsUnique();
        });
    }
}

/// <summary>The SQLite flavour, with its own migrations (Persistence/Migrations/Sqlite).</summary>
internal sealed class SqliteBillingDbContext(DbContextOptions<SqliteBillingDbContext> options) : BillingDbContext(options);

/// <summary>The SQL Server flavour, with its own migrations (Persistence/Migrations/SqlServer).</summary>
internal sealed class SqlServerBillingDbContext(DbContextOptions<SqlServerBillingDbContext> options) : BillingDbContext(options);

internal sealed class SqliteBillingDbContextFactory : IDesignTimeDbContextFactory<SqliteBillingDbContext>
{
    public SqliteBillingDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<SqliteBillingDbContext>)ModuleDatabase.UseSqlite(
            new DbContextOptionsBuilder<SqliteBillingDbContext>(), "Data Source=design-time.db", BillingDbContext.SchemaName).Options);
}

internal sealed class SqlServerBillingDbContextFactory : IDesignTimeDbContextFactory<SqlServerBillingDbContext>
{
    public SqlServerBillingDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<SqlServerBillingDbContext>)ModuleDatabase.UseSqlServer(
            new DbContextOptionsBuilder<SqlServerBillingDbContext>(), "Server=design-time;Database=platform", BillingDbContext.SchemaName).Options);
}
