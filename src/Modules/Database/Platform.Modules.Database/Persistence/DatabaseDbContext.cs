using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Database.Persistence;

/// <summary>DB instances, subnet and parameter groups, snapshots and backup operations, in the <c>rds</c> schema.</summary>
internal class DatabaseDbContext(DbContextOptions options) : ModuleDbContext(options)
{
    public const string SchemaName = "rds";

    public override string Schema => SchemaName;

    public DbSet<DbSubnetGroup> SubnetGroups => Set<DbSubnetGroup>();

    public DbSet<DbParameterGroup> ParameterGroups => Set<DbParameterGroup>();

    public DbSet<DbInstance> Instances => Set<DbInstance>();

    public DbSet<DbSnapshot> Snapshots => Set<DbSnapshot>();

    public DbSet<DbBackupOperation> BackupOperations => Set<DbBackupOperation>();

    public DbSet<DbRetainedBackup> RetainedBackups => Set<DbRetainedBackup>();

    public DbSet<DatabaseCertificateAuthority> CertificateAuthorities => Set<DatabaseCertificateAuthority>();

    public DbSet<DbInstanceMetricMinute> InstanceMetrics => Set<DbInstanceMetricMinute>();

    public DbSet<global::Platform.Modules.Database.Events.DbEvent> Events => Set<global::Platform.Modules.Database.Events.DbEvent>();

    /// <summary>Every save writes the RDS events of the state changes it holds, in its own transaction (<see cref="global::Platform.Modules.Database.Events.RdsEventRecorder"/>).</summary>
    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        global::Platform.Modules.Database.Events.RdsEventRecorder.Capture(this, DateTime.UtcNow);
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        global::Platform.Modules.Database.Events.RdsEventRecorder.Capture(this, DateTime.UtcNow);
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        MetricModel.Configure(modelBuilder);
        global::Platform.Modules.Database.Events.RdsEventModel.Configure(modelBuilder);
        modelBuilder.Entity<DbSubnetGroup>(g =>
        {
            g.ToTable("db_subnet_groups");
            g.HasKey(x => new { x.AccountId, x.Name });
            g.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            g.Property(x => x.Name).HasColumnName("name").HasMaxLength(255);
            g.Property(x => x.Description).HasColumnName("description").HasMaxLength(255);
            g.Property(x => x.VpcId).HasColumnName("vpc_id").HasMaxLength(32);
            g.Property(x => x.Subnets).HasColumnName("subnets").HasMaxLength(4000);
            g.Property(x => x.Tags).HasColumnName("tags");
            g.Property(x => x.CreatedAt).HasColumnName("created_at");
        });

        modelBuilder.Entity<DbParameterGroup>(g =>
        {
            g.ToTable("db_parameter_groups");
            g.HasKey(x => new { x.AccountId, x.Name });
            g.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            g.Property(x => x.Name).HasColumnName("name").HasMaxLength(255);
            g.Property(x => x.Family).HasColumnName("family").HasMaxLength(32);
            g.Property(x => x.Description).HasColumnName("description").HasMaxLength(255);
            g.Property(x => x.Parameters).HasColumnName("parameters");
            g.Property(x => x.Tags).HasColumnName("tags");
            g.Property(x => x.CreatedAt).HasColumnName("created_at");
            g.Property(x => x.Version).HasColumnName("version").IsConcurrencyToken();
        });

        modelBuilder.Entity<DbInstance>(i =>
        {
            i.ToTable("db_instances");
            i.HasKey(x => x.ResourceId);
            i.Property(x => x.ResourceId).HasColumnName("resource_id").HasMaxLength(32);
            i.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            i.Property(x => x.Identifier).HasColumnName("identifier").HasMaxLength(63);
            i.Property(x => x.Engine).HasColumnName("engine").HasMaxLength(32);
            i.Property(x => x.EngineVersion).HasColumnName("engine_version").HasMaxLength(16);
            i.Property(x => x.InstanceClass).HasColumnName("instance_class").HasMaxLength(32);
            i.Property(x => x.AllocatedStorage).HasColumnName("allocated_storage");
            i.Property(x => x.MasterUsername).HasColumnName("master_username").HasMaxLength(63);
            i.Property(x => x.MasterPasswordProtected).HasColumnName("master_password_protected").HasMaxLength(512);
            i.Property(x => x.Port).HasColumnName("port");
            i.Property(x => x.SubnetGroupName).HasColumnName("subnet_group_name").HasMaxLength(255);
            i.Property(x => x.VpcId).HasColumnName("vpc_id").HasMaxLength(32);
            i.Property(x => x.AvailabilityZone).HasColumnName("availability_zone").HasMaxLength(64);
            i.Property(x => x.MultiAz).HasColumnName("multi_az");
            i.Property(x => x.PrimarySide).HasColumnName("primary_side").HasMaxLength(1).HasDefaultValue("a");
            i.Property(x => x.ReplicationTerm).HasColumnName("replication_term");
            i.Property(x => x.ReplicationPasswordProtected).HasColumnName("replication_password_protected").HasMaxLength(512);
            i.Property(x => x.SecondaryAvailabilityZone).HasColumnName("secondary_availability_zone").HasMaxLength(64);
            i.Property(x => x.StandbySynchronous).HasColumnName("standby_synchronous");
            i.Property(x => x.SecurityGroupIds).HasColumnName("security_group_ids").HasMaxLength(1024);
            i.Property(x => x.ParameterGroupName).HasColumnName("parameter_group_name").HasMaxLength(255);
            i.Property(x => x.BackupRetentionPeriod).HasColumnName("backup_retention_period");
            i.Property(x => x.PreferredBackupWindow).HasColumnName("preferred_backup_window").HasMaxLength(11);
            i.Property(x => x.PreferredMaintenanceWindow).HasColumnName("preferred_maintenance_window").HasMaxLength(19);
            i.Property(x => x.PubliclyAccessible).HasColumnName("publicly_accessible");
            i.Property(x => x.DeletionProtection).HasColumnName("deletion_protection");
            i.Property(x => x.Status).HasColumnName("status").HasMaxLength(32);
            i.Property(x => x.Generation).HasColumnName("generation");
            i.Property(x => x.AppliedGeneration).HasColumnName("applied_generation");
            i.Property(x => x.ParameterApplyStatus).HasColumnName("parameter_apply_status").HasMaxLength(32);
            i.Property(x => x.StatusMessage).HasColumnName("status_message").HasMaxLength(1024);
            i.Property(x => x.EarliestRestorableTime).HasColumnName("earliest_restorable_time");
            i.Property(x => x.LatestRestorableTime).HasColumnName("latest_restorable_time");
            i.Property(x => x.RestoredFrom).HasColumnName("restored_from").HasMaxLength(512);
            i.Property(x => x.Tags).HasColumnName("tags");
            i.Property(x => x.CreatedAt).HasColumnName("created_at");
            i.Property(x => x.LastBackupDay).HasColumnName("last_backup_day");
            i.Property(x => x.ServerCertificatePem).HasColumnName("server_certificate_pem").HasMaxLength(8000);
            i.Property(x => x.ServerKeyProtected).HasColumnName("server_key_protected").HasMaxLength(8000);
            i.Property(x => x.BackupAccessKeyId).HasColumnName("backup_access_key_id").HasMaxLength(32);
            i.Property(x => x.BackupSecretProtected).HasColumnName("backup_secret_protected").HasMaxLength(1000);
            i.Property(x => x.BackupCipherProtected).HasColumnName("backup_cipher_protected").HasMaxLength(1000);
            i.Property(x => x.RestoreCipherProtected).HasColumnName("restore_cipher_protected").HasMaxLength(1000);
            i.Property(x => x.RestoreAccessKeyId).HasColumnName("restore_access_key_id").HasMaxLength(32);
            i.Property(x => x.RestoreSecretProtected).HasColumnName("restore_secret_protected").HasMaxLength(1000);
            i.Property(x => x.StoppedAt).HasColumnName("stopped_at");
            i.Property(x => x.PendingInstanceClass).HasColumnName("pending_instance_class").HasMaxLength(32);
            i.Property(x => x.PendingAllocatedStorage).HasColumnName("pending_allocated_storage");
            i.Property(x => x.ResizeApplying).HasColumnName("resize_applying");
            i.Property(x => x.Version).HasColumnName("version").IsConcurrencyToken();
            i.HasIndex(x => new { x.AccountId, x.Identifier }).IsUnique();
        });

        modelBuilder.Entity<DbSnapshot>(s =>
        {
            s.ToTable("db_snapshots");
            s.HasKey(x => new { x.AccountId, x.Identifier });
            s.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            s.Property(x => x.Identifier).HasColumnName("identifier").HasMaxLength(255);
            s.Property(x => x.SourceInstanceIdentifier).HasColumnName("source_instance_identifier").HasMaxLength(63);
            s.Property(x => x.SourceResourceId).HasColumnName("source_resource_id").HasMaxLength(32);
            s.Property(x => x.SnapshotType).HasColumnName("snapshot_type").HasMaxLength(16);
            s.Property(x => x.Status).HasColumnName("status").HasMaxLength(32);
            s.Property(x => x.OperationId).HasColumnName("operation_id").HasMaxLength(64);
            s.Property(x => x.BackupLabel).HasColumnName("backup_label").HasMaxLength(64);
            s.Property(x => x.Engine).HasColumnName("engine").HasMaxLength(32);
            s.Property(x => x.EngineVersion).HasColumnName("engine_version").HasMaxLength(16);
            s.Property(x => x.AllocatedStorage).HasColumnName("allocated_storage");
            s.Property(x => x.MasterUsername).HasColumnName("master_username").HasMaxLength(63);
            s.Property(x => x.MasterPasswordProtected).HasColumnName("master_password_protected").HasMaxLength(512);
            s.Property(x => x.Port).HasColumnName("port");
            s.Property(x => x.VpcId).HasColumnName("vpc_id").HasMaxLength(32);
            s.Property(x => x.Tags).HasColumnName("tags");
            s.Property(x => x.CreatedAt).HasColumnName("created_at");
            s.Property(x => x.SnapshotCreateTime).HasColumnName("snapshot_create_time");
            s.Property(x => x.BackupCipherProtected).HasColumnName("backup_cipher_protected").HasMaxLength(1000);
            s.HasIndex(x => x.OperationId).IsUnique();
        });

        modelBuilder.Entity<DbBackupOperation>(o =>
        {
            o.ToTable("backup_operations");
            o.HasKey(x => x.OperationId);
            o.Property(x => x.OperationId).HasColumnName("operation_id").HasMaxLength(64);
            o.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            o.Property(x => x.ResourceId).HasColumnName("resource_id").HasMaxLength(32);
            o.Property(x => x.Kind).HasColumnName("kind").HasMaxLength(32);
            o.Property(x => x.ScheduledDay).HasColumnName("scheduled_day");
            o.Property(x => x.SnapshotIdentifier).HasColumnName("snapshot_identifier").HasMaxLength(255);
            o.Property(x => x.RequestedAt).HasColumnName("requested_at");
            o.Property(x => x.CompletedAt).HasColumnName("completed_at");
            o.Property(x => x.Succeeded).HasColumnName("succeeded");
            o.Property(x => x.BackupLabel).HasColumnName("backup_label").HasMaxLength(64);
            o.Property(x => x.Error).HasColumnName("error").HasMaxLength(1024);

            // The once-a-day lease: a second run or replica inserting the same day's backup fails on this index.
            o.HasIndex(x => new { x.ResourceId, x.ScheduledDay }).IsUnique();
            o.HasIndex(x => new { x.ResourceId, x.CompletedAt });
        });

        modelBuilder.Entity<DbRetainedBackup>(r =>
        {
            r.ToTable("retained_automated_backups");
            r.HasKey(x => x.ResourceId);
            r.Property(x => x.ResourceId).HasColumnName("resource_id").HasMaxLength(32);
            r.Property(x => x.AccountId).HasColumnName("account_id").HasMaxLength(12);
            r.Property(x => x.InstanceIdentifier).HasColumnName("instance_identifier").HasMaxLength(63);
            r.Property(x => x.Engine).HasColumnName("engine").HasMaxLength(32);
            r.Property(x => x.EngineVersion).HasColumnName("engine_version").HasMaxLength(16);
            r.Property(x => x.InstanceClass).HasColumnName("instance_class").HasMaxLength(32);
            r.Property(x => x.AllocatedStorage).HasColumnName("allocated_storage");
            r.Property(x => x.MasterUsername).HasColumnName("master_username").HasMaxLength(63);
            r.Property(x => x.MasterPasswordProtected).HasColumnName("master_password_protected").HasMaxLength(512);
            r.Property(x => x.Port).HasColumnName("port");
            r.Property(x => x.VpcId).HasColumnName("vpc_id").HasMaxLength(32);
            r.Property(x => x.SubnetGroupName).HasColumnName("subnet_group_name").HasMaxLength(255);
            r.Property(x => x.SecurityGroupIds).HasColumnName("security_group_ids").HasMaxLength(1024);
            r.Property(x => x.ParameterGroupName).HasColumnName("parameter_group_name").HasMaxLength(255);
            r.Property(x => x.AvailabilityZone).HasColumnName("availability_zone").HasMaxLength(64);
            r.Property(x => x.BackupRetentionPeriod).HasColumnName("backup_retention_period");
            r.Property(x => x.PreferredBackupWindow).HasColumnName("preferred_backup_window").HasMaxLength(11);
            r.Property(x => x.PreferredMaintenanceWindow).HasColumnName("preferred_maintenance_window").HasMaxLength(19);
            r.Property(x => x.EarliestRestorableTime).HasColumnName("earliest_restorable_time");
            r.Property(x => x.LatestRestorableTime).HasColumnName("latest_restorable_time");
            r.Property(x => x.InstanceCreateTime).HasColumnName("instance_create_time");
            r.Property(x => x.BackupCipherProtected).HasColumnName("backup_cipher_protected").HasMaxLength(1000);
            r.Property(x => x.RetainedAt).HasColumnName("retained_at");
            r.HasIndex(x => x.AccountId);
        });

        modelBuilder.Entity<DatabaseCertificateAuthority>(c =>
        {
            c.ToTable("certificate_authorities");
            c.HasKey(x => x.Identifier);
            c.Property(x => x.Identifier).HasColumnName("identifier").HasMaxLength(64);
            c.Property(x => x.CertificatePem).HasColumnName("certificate_pem").HasMaxLength(8000);
            c.Property(x => x.PrivateKeyProtected).HasColumnName("private_key_protected").HasMaxLength(8000);
            c.Property(x => x.CreatedAt).HasColumnName("created_at");
        });
    }
}

/// <summary>The SQLite flavour, with its own migrations (Persistence/Migrations/Sqlite).</summary>
internal sealed class SqliteDatabaseDbContext(DbContextOptions<SqliteDatabaseDbContext> options) : DatabaseDbContext(options);

/// <summary>The SQL Server flavour, with its own migrations (Persistence/Migrations/SqlServer).</summary>
internal sealed class SqlServerDatabaseDbContext(DbContextOptions<SqlServerDatabaseDbContext> options) : DatabaseDbContext(options);

internal sealed class SqliteDatabaseDbContextFactory : IDesignTimeDbContextFactory<SqliteDatabaseDbContext>
{
    public SqliteDatabaseDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<SqliteDatabaseDbContext>)ModuleDatabase.UseSqlite(
            new DbContextOptionsBuilder<SqliteDatabaseDbContext>(), "Data Source=design-time.db", DatabaseDbContext.SchemaName).Options);
}

internal sealed class SqlServerDatabaseDbContextFactory : IDesignTimeDbContextFactory<SqlServerDatabaseDbContext>
{
    public SqlServerDatabaseDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<SqlServerDatabaseDbContext>)ModuleDatabase.UseSqlServer(
            new DbContextOptionsBuilder<SqlServerDatabaseDbContext>(), "Server=design-time;Database=platform", DatabaseDbContext.SchemaName).Options);
}
