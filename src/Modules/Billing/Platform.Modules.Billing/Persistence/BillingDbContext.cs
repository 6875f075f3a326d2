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

    public DbSet<InvoiceAdjustment> InvoiceAdjustments => Set<InvoiceAdjustment>();

    public DbSet<Reservation> Reservations => Set<Reservation>();

    public DbSet<CostReport> CostReports => Set<CostReport>();

    public DbSet<CostReportDelivery> CostReportDeliveries => Set<CostReportDelivery>();

    public DbSet<Budget> Budgets => Set<Budget>();

    public DbSet<BudgetNotification> BudgetNotifications => Set<BudgetNotification>();

    public DbSet<BudgetAlert> BudgetAlerts => Set<BudgetAlert>();

    public DbSet<SpotPrice> SpotPrices => Set<SpotPrice>();

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
            l.Property(x => x.AdjustmentId).HasColumnName("adjustment_id").HasMaxLength(32);
            l.Property(x => x.Description).HasColumnName("description").HasMaxLength(256);
        });

        modelBuilder.Entity<InvoiceAdjustment>(a =>
        {
            a.ToTable("invoice_adjustments");
            a.HasKey(x => x.Id);
            a.Property(x => x.Id).HasColumnName("adjustment_id").HasMaxLength(32);
            a.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            a.Property(x => x.Period).HasColumnName("period");
            a.Property(x => x.Kind).HasColumnName("kind").HasMaxLength(16);
            a.Property(x => x.Amount).HasColumnName("amount").HasPrecision(20, 2);
            a.Property(x => x.Service).HasColumnName("service").HasMaxLength(64);
            a.Property(x => x.Reason).HasColumnName("reason").HasMaxLength(256);
            a.Property(x => x.CreatedAt).HasColumnName("created_at");
            a.Property(x => x.CreatedBy).HasColumnName("created_by").HasMaxLength(2048);
            a.Property(x => x.ClientToken).HasColumnName("client_token").HasMaxLength(64);
            a.Property(x => x.InvoiceId).HasColumnName("invoice_id").HasMaxLength(32);
            a.HasIndex(x => new { x.AccountId, x.Period });
            // A retried request with its token records the adjustment once.
            a.HasIndex(x => x.ClientToken).IsUnique();
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

        modelBuilder.Entity<CostReport>(r =>
        {
            r.ToTable("cost_reports");
            r.HasKey(x => new { x.AccountId, x.Name });
            r.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            r.Property(x => x.Name).HasColumnName("report_name").HasMaxLength(256);
            r.Property(x => x.TimeUnit).HasColumnName("time_unit").HasMaxLength(16);
            r.Property(x => x.Bucket).HasColumnName("s3_bucket").HasMaxLength(63);
            r.Property(x => x.Prefix).HasColumnName("s3_prefix").HasMaxLength(256);
            r.Property(x => x.CreatedAt).HasColumnName("created_at");
            r.Property(x => x.LastDelivery).HasColumnName("last_delivery");
            r.Property(x => x.LastStatus).HasColumnName("last_status").HasMaxLength(32);
        });

        modelBuilder.Entity<CostReportDelivery>(d =>
        {
            d.ToTable("cost_report_deliveries");
            // One file per report and closed month, whichever run or replica writes it first.
            d.HasKey(x => new { x.AccountId, x.ReportName, x.Period });
            d.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            d.Property(x => x.ReportName).HasColumnName("report_name").HasMaxLength(256);
            d.Property(x => x.Period).HasColumnName("period");
            d.Property(x => x.Key).HasColumnName("object_key").HasMaxLength(1024);
            d.Property(x => x.ETag).HasColumnName("etag").HasMaxLength(64);
            d.Property(x => x.DeliveredAt).HasColumnName("delivered_at");
        });

        modelBuilder.Entity<Budget>(b =>
        {
            b.ToTable("budgets");
            b.HasKey(x => x.Id);
            b.Property(x => x.Id).HasColumnName("budget_id").HasMaxLength(36);
            b.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            b.Property(x => x.Name).HasColumnName("budget_name").HasMaxLength(100);
            b.Property(x => x.Amount).HasColumnName("amount").HasPrecision(20, 2);
            b.Property(x => x.CreatedAt).HasColumnName("created_at");
            b.Property(x => x.SpendPeriod).HasColumnName("spend_period");
            b.Property(x => x.ActualSpend).HasColumnName("actual_spend").HasPrecision(28, 6);
            b.Property(x => x.ForecastedSpend).HasColumnName("forecasted_spend").HasPrecision(28, 6);
            b.Property(x => x.EvaluatedAt).HasColumnName("evaluated_at");
            // A name once per account, whichever of two concurrent creates gets there first.
            b.HasIndex(x => new { x.AccountId, x.Name }).IsUnique();
            b.HasMany(x => x.Notifications).WithOne().HasForeignKey(n => n.BudgetId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<BudgetNotification>(n =>
        {
            n.ToTable("budget_notifications");
            n.HasKey(x => new { x.BudgetId, x.Number });
            n.Property(x => x.BudgetId).HasColumnName("budget_id").HasMaxLength(36);
            n.Property(x => x.Number).HasColumnName("notification_number");
            n.Property(x => x.NotificationType).HasColumnName("notification_type").HasMaxLength(16);
            n.Property(x => x.ComparisonOperator).HasColumnName("comparison_operator").HasMaxLength(16);
            n.Property(x => x.Threshold).HasColumnName("threshold").HasPrecision(20, 6);
            n.Property(x => x.ThresholdType).HasColumnName("threshold_type").HasMaxLength(16);
        });

        modelBuilder.Entity<SpotPrice>(p =>
        {
            p.ToTable("spot_prices");
            // One price per type, zone and minute, whichever replica records it first.
            p.HasKey(x => new { x.InstanceType, x.AvailabilityZone, x.EffectiveFrom });
            p.Property(x => x.InstanceType).HasColumnName("instance_type").HasMaxLength(32);
            p.Property(x => x.AvailabilityZone).HasColumnName("availability_zone").HasMaxLength(64);
            p.Property(x => x.EffectiveFrom).HasColumnName("effective_from");
            p.Property(x => x.PricePerHour).HasColumnName("price_per_hour").HasPrecision(20, 10);
            p.HasIndex(x => x.EffectiveFrom);
        });

        modelBuilder.Entity<BudgetAlert>(a =>
        {
            a.ToTable("budget_alerts");
            // Once per notification and month: a second run or replica finds it there.
            a.HasKey(x => new { x.BudgetId, x.NotificationNumber, x.Period });
            a.Property(x => x.BudgetId).HasColumnName("budget_id").HasMaxLength(36);
            a.Property(x => x.NotificationNumber).HasColumnName("notification_number");
            a.Property(x => x.Period).HasColumnName("period");
            a.Property(x => x.TriggeredAt).HasColumnName("triggered_at");
            a.Property(x => x.Spend).HasColumnName("spend").HasPrecision(28, 6);
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
