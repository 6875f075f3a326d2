using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Storage.Persistence;

internal class StorageDbContext(DbContextOptions options) : ModuleDbContext(options)
{
    public const string SchemaName = "storage";

    /// <summary>SQL Server 2019's UTF-8 binary collation: S3's key order, 1,024 bytes in varchar(1024).</summary>
    public const string Utf8BinaryCollation = "Latin1_General_100_BIN2_UTF8";

    public override string Schema => SchemaName;

    public DbSet<Bucket> Buckets => Set<Bucket>();

    public DbSet<StoredObject> Objects => Set<StoredObject>();

    public DbSet<NoncurrentVersion> Versions => Set<NoncurrentVersion>();

    public DbSet<MultipartUpload> MultipartUploads => Set<MultipartUpload>();

    public DbSet<StoredPart> UploadParts => Set<StoredPart>();

    public DbSet<Volume> Volumes => Set<Volume>();

    public DbSet<Snapshot> Snapshots => Set<Snapshot>();

    public DbSet<VolumeTagRow> VolumeTags => Set<VolumeTagRow>();

    public DbSet<EncryptionByDefault> EncryptionDefaults => Set<EncryptionByDefault>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Bucket>(bucket =>
        {
            bucket.ToTable("buckets");
            bucket.HasKey(b => b.Name);
            bucket.Property(b => b.Name).HasColumnName("name").HasMaxLength(63);
            bucket.Property(b => b.AccountId).HasColumnName("account_id").HasMaxLength(12);
            bucket.Property(b => b.CreatedAt).HasColumnName("created_at");
            bucket.Property(b => b.Policy).HasColumnName("policy");
            bucket.Property(b => b.DefaultEncryption).HasColumnName("default_encryption");
            bucket.Property(b => b.Versioning).HasColumnName("versioning").HasMaxLength(16);
            bucket.Property(b => b.Lifecycle).HasColumnName("lifecycle");
            bucket.Property(b => b.Tagging).HasColumnName("tagging");
            bucket.Property(b => b.Cors).HasColumnName("cors");
            bucket.Property(b => b.PublicAccessBlock).HasColumnName("public_access_block");
            // Buckets from before ownership controls existed had no ACLs: BucketOwnerEnforced, as new buckets are.
            bucket.Property(b => b.ObjectOwnership).HasColumnName("object_ownership").HasMaxLength(32)
                .HasDefaultValue(Platform.Modules.Storage.Buckets.ObjectOwnership.BucketOwnerEnforced);
            bucket.Property(b => b.Acl).HasColumnName("acl");
            bucket.Property(b => b.ObjectLockEnabled).HasColumnName("object_lock_enabled");
            bucket.Property(b => b.ObjectLock).HasColumnName("object_lock");
            bucket.HasIndex(b => b.AccountId);
        });

        modelBuilder.Entity<StoredObject>(obj =>
        {
            obj.ToTable("s3_objects");
            var key = obj.HasKey(o => new { o.BucketName, o.Key });
            obj.Property(o => o.BucketName).HasColumnName("bucket_name").HasMaxLength(63);
            // 1,024 bytes of UTF-8 at most: never more than 1,024 characters.
            var objectKey = obj.Property(o => o.Key).HasColumnName("object_key").HasMaxLength(1024);
            if (!IsSqlite)
            {
                // SQL Server: keys as UTF-8 bytes in binary order, as S3 lists them (SQLite's BINARY collation does the
                // same), and 1,087 key bytes fit a nonclustered index (1,700) where a clustered one (900) would not.
                objectKey.IsUnicode(false).UseCollation(Utf8BinaryCollation);
                obj.Property(o => o.BucketName).IsUnicode(false);
                key.IsClustered(false);
            }
            obj.Property(o => o.Segments).HasColumnName("segments");
            obj.Property(o => o.Size).HasColumnName("size");
            obj.Property(o => o.ETag).HasColumnName("etag").HasMaxLength(64);
            obj.Property(o => o.ContentType).HasColumnName("content_type").HasMaxLength(256);
            obj.Property(o => o.Metadata).HasColumnName("metadata");
            obj.Property(o => o.LastModified).HasColumnName("last_modified");
            obj.Property(o => o.Encrypted).HasColumnName("encrypted");
            obj.Property(o => o.PartsCount).HasColumnName("parts_count");
            obj.Property(o => o.ChecksumAlgorithm).HasColumnName("checksum_algorithm").HasMaxLength(16);
            obj.Property(o => o.Checksum).HasColumnName("checksum").HasMaxLength(64);
            obj.Property(o => o.ChecksumType).HasColumnName("checksum_type").HasMaxLength(16);
            var versionId = obj.Property(o => o.VersionId).HasColumnName("version_id").HasMaxLength(32);
            if (!IsSqlite)
            {
                // Version ids are case-sensitive (base64url): compared as bytes, not in the server's default collation.
                versionId.IsUnicode(false).UseCollation(Utf8BinaryCollation);
            }

            obj.Property(o => o.IsDeleteMarker).HasColumnName("is_delete_marker");
            obj.Property(o => o.Tags).HasColumnName("tags");
            obj.Property(o => o.Acl).HasColumnName("acl");
            obj.Property(o => o.LockMode).HasColumnName("lock_mode").HasMaxLength(16);
            obj.Property(o => o.LockRetainUntil).HasColumnName("lock_retain_until");
            obj.Property(o => o.LegalHold).HasColumnName("legal_hold");
        });

        modelBuilder.Entity<NoncurrentVersion>(version =>
        {
            version.ToTable("s3_object_versions");
            var key = version.HasKey(v => new { v.BucketName, v.Key, v.VersionId });
            version.Property(v => v.BucketName).HasColumnName("bucket_name").HasMaxLength(63);
            var objectKey = version.Property(v => v.Key).HasColumnName("object_key").HasMaxLength(1024);
            version.Property(v => v.VersionId).HasColumnName("version_id").HasMaxLength(32);
            if (!IsSqlite)
            {
                // As s3_objects: S3's key order, and a nonclustered key for 1,024-byte keys.
                objectKey.IsUnicode(false).UseCollation(Utf8BinaryCollation);
                version.Property(v => v.BucketName).IsUnicode(false);
                version.Property(v => v.VersionId).IsUnicode(false).UseCollation(Utf8BinaryCollation);
                key.IsClustered(false);
            }

            version.Property(v => v.Segments).HasColumnName("segments");
            version.Property(v => v.Size).HasColumnName("size");
            version.Property(v => v.ETag).HasColumnName("etag").HasMaxLength(64);
            version.Property(v => v.ContentType).HasColumnName("content_type").HasMaxLength(256);
            version.Property(v => v.Metadata).HasColumnName("metadata");
            version.Property(v => v.LastModified).HasColumnName("last_modified");
            version.Property(v => v.Encrypted).HasColumnName("encrypted");
            version.Property(v => v.PartsCount).HasColumnName("parts_count");
            version.Property(v => v.ChecksumAlgorithm).HasColumnName("checksum_algorithm").HasMaxLength(16);
            version.Property(v => v.Checksum).HasColumnName("checksum").HasMaxLength(64);
            version.Property(v => v.ChecksumType).HasColumnName("checksum_type").HasMaxLength(16);
            version.Property(v => v.IsDeleteMarker).HasColumnName("is_delete_marker");
            version.Property(v => v.Tags).HasColumnName("tags");
            version.Property(v => v.Acl).HasColumnName("acl");
            version.Property(v => v.LockMode).HasColumnName("lock_mode").HasMaxLength(16);
            version.Property(v => v.LockRetainUntil).HasColumnName("lock_retain_until");
            version.Property(v => v.LegalHold).HasColumnName("legal_hold");
            version.Property(v => v.NoncurrentSince).HasColumnName("noncurrent_since");
        });

        modelBuilder.Entity<MultipartUpload>(upload =>
        {
            upload.ToTable("multipart_uploads");
            upload.HasKey(u => u.UploadId);
            upload.Property(u => u.UploadId).HasColumnName("upload_id").HasMaxLength(64);
            upload.Property(u => u.BucketName).HasColumnName("bucket_name").HasMaxLength(63);
            var uploadKey = upload.Property(u => u.Key).HasColumnName("object_key").HasMaxLength(1024);
            if (!IsSqlite)
            {
                // Listed by key in S3's order (UTF-8 bytes), as objects are.
                uploadKey.IsUnicode(false).UseCollation(Utf8BinaryCollation);
            }

            upload.Property(u => u.AccountId).HasColumnName("account_id").HasMaxLength(12);
            upload.Property(u => u.ContentType).HasColumnName("content_type").HasMaxLength(256);
            upload.Property(u => u.Metadata).HasColumnName("metadata");
            upload.Property(u => u.Encrypted).HasColumnName("encrypted");
            upload.Property(u => u.InitiatedAt).HasColumnName("initiated_at");
            upload.Property(u => u.ChecksumAlgorithm).HasColumnName("checksum_algorithm").HasMaxLength(16);
            upload.Property(u => u.ChecksumType).HasColumnName("checksum_type").HasMaxLength(16);
            upload.Property(u => u.Tags).HasColumnName("tags");
            upload.Property(u => u.Acl).HasColumnName("acl");
            upload.HasIndex(u => u.BucketName);
        });

        modelBuilder.Entity<StoredPart>(part =>
        {
            part.ToTable("upload_parts");
            part.HasKey(p => new { p.UploadId, p.PartNumber });
            part.Property(p => p.UploadId).HasColumnName("upload_id").HasMaxLength(64);
            part.Property(p => p.PartNumber).HasColumnName("part_number");
            part.Property(p => p.BlobId).HasColumnName("blob_id").HasMaxLength(32);
            part.Property(p => p.Size).HasColumnName("size");
            part.Property(p => p.ETag).HasColumnName("etag").HasMaxLength(64);
            part.Property(p => p.WrappedKey).HasColumnName("wrapped_key").HasMaxLength(256);
            part.Property(p => p.LastModified).HasColumnName("last_modified");
            part.Property(p => p.ChecksumAlgorithm).HasColumnName("checksum_algorithm").HasMaxLength(16);
            part.Property(p => p.Checksum).HasColumnName("checksum").HasMaxLength(64);
            part.HasIndex(p => p.BlobId);
        });

        modelBuilder.Entity<Volume>(volume =>
        {
            volume.ToTable("volumes");
            volume.HasKey(v => v.Id);
            volume.Property(v => v.Id).HasColumnName("volume_id").HasMaxLength(21);
            volume.Property(v => v.AccountId).HasColumnName("account_id").HasMaxLength(12);
            volume.Property(v => v.AvailabilityZone).HasColumnName("availability_zone").HasMaxLength(64);
            volume.Property(v => v.SizeGiB).HasColumnName("size_gib");
            volume.Property(v => v.VolumeType).HasColumnName("volume_type").HasMaxLength(16);
            volume.Property(v => v.SnapshotId).HasColumnName("snapshot_id").HasMaxLength(22);
            volume.Property(v => v.State).HasColumnName("state").HasMaxLength(16);
            volume.Property(v => v.HostId).HasColumnName("host_id").HasMaxLength(32);
            volume.Property(v => v.Materialized).HasColumnName("materialized");
            volume.Property(v => v.InstanceId).HasColumnName("instance_id").HasMaxLength(19);
            volume.Property(v => v.Device).HasColumnName("device").HasMaxLength(16);
            volume.Property(v => v.AttachmentState).HasColumnName("attachment_state").HasMaxLength(16);
            volume.Property(v => v.AttachedAt).HasColumnName("attached_at");
            volume.Property(v => v.ChangedAtVersion).HasColumnName("changed_at_version");
            volume.Property(v => v.ClientToken).HasColumnName("client_token").HasMaxLength(64);
            volume.Property(v => v.ParametersHash).HasColumnName("parameters_hash").HasMaxLength(64);
            volume.Property(v => v.CreatedAt).HasColumnName("created_at");
            volume.Property(v => v.Encrypted).HasColumnName("encrypted");
            volume.Property(v => v.WrappedKey).HasColumnName("wrapped_key").HasMaxLength(256);
            volume.Property(v => v.Revision).HasColumnName("revision").IsConcurrencyToken();
            volume.Property(v => v.ManagedBy).HasColumnName("managed_by").HasMaxLength(16);
            volume.Property(v => v.ModificationState).HasColumnName("modification_state").HasMaxLength(16);
            volume.Property(v => v.OriginalSizeGiB).HasColumnName("original_size_gib");
            volume.Property(v => v.ModificationStartedAt).HasColumnName("modification_started_at");
            volume.Property(v => v.ModificationEndedAt).HasColumnName("modification_ended_at");
            volume.HasIndex(v => v.AccountId);
            volume.HasIndex(v => v.HostId);
            volume.HasIndex(v => new { v.AccountId, v.ClientToken }).IsUnique().HasFilter("client_token IS NOT NULL");
            // One volume per device name of an instance, also when two attachments race.
            volume.HasIndex(v => new { v.InstanceId, v.Device }).IsUnique().HasFilter("instance_id IS NOT NULL");
        });

        modelBuilder.Entity<Snapshot>(snapshot =>
        {
            snapshot.ToTable("snapshots");
            snapshot.HasKey(s => s.Id);
            snapshot.Property(s => s.Id).HasColumnName("snapshot_id").HasMaxLength(22);
            snapshot.Property(s => s.AccountId).HasColumnName("account_id").HasMaxLength(12);
            snapshot.Property(s => s.VolumeId).HasColumnName("volume_id").HasMaxLength(21);
            snapshot.Property(s => s.VolumeSizeGiB).HasColumnName("volume_size_gib");
            snapshot.Property(s => s.Description).HasColumnName("description").HasMaxLength(255);
            snapshot.Property(s => s.State).HasColumnName("state").HasMaxLength(16);
            snapshot.Property(s => s.HostId).HasColumnName("host_id").HasMaxLength(32);
            snapshot.Property(s => s.BlobId).HasColumnName("blob_id").HasMaxLength(32);
            snapshot.Property(s => s.SizeBytes).HasColumnName("size_bytes");
            snapshot.Property(s => s.StartedAt).HasColumnName("started_at");
            snapshot.Property(s => s.CompletedAt).HasColumnName("completed_at");
            snapshot.Property(s => s.Encrypted).HasColumnName("encrypted");
            snapshot.Property(s => s.WrappedKey).HasColumnName("wrapped_key").HasMaxLength(256);
            snapshot.HasIndex(s => s.AccountId);
            snapshot.HasIndex(s => s.VolumeId);
            snapshot.HasIndex(s => s.BlobId);
        });

        modelBuilder.Entity<VolumeTagRow>(tag =>
        {
            tag.ToTable("volume_tags");
            tag.HasKey(t => new { t.ResourceId, t.Key });
            tag.Property(t => t.ResourceId).HasColumnName("resource_id").HasMaxLength(22);
            tag.Property(t => t.AccountId).HasColumnName("account_id").HasMaxLength(12);
            tag.Property(t => t.ResourceType).HasColumnName("resource_type").HasMaxLength(16);
            tag.Property(t => t.Key).HasColumnName("key").HasMaxLength(128);
            tag.Property(t => t.Value).HasColumnName("value").HasMaxLength(256);
            tag.HasIndex(t => t.AccountId);
        });

        modelBuilder.Entity<EncryptionByDefault>(setting =>
        {
            setting.ToTable("ebs_encryption_defaults");
            setting.HasKey(e => e.AccountId);
            setting.Property(e => e.AccountId).HasColumnName("account_id").HasMaxLength(12);
            setting.Property(e => e.Enabled).HasColumnName("enabled");
        });
    }
}

/// <summary>The SQLite flavour, with its own migrations (Persistence/Migrations/Sqlite).</summary>
internal sealed class SqliteStorageDbContext(DbContextOptions<SqliteStorageDbContext> options) : StorageDbContext(options);

/// <summary>The SQL Server flavour, with its own migrations (Persistence/Migrations/SqlServer).</summary>
internal sealed class SqlServerStorageDbContext(DbContextOptions<SqlServerStorageDbContext> options) : StorageDbContext(options);

internal sealed class SqliteStorageDbContextFactory : IDesignTimeDbContextFactory<SqliteStorageDbContext>
{
    public SqliteStorageDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<SqliteStorageDbContext>)ModuleDatabase.UseSqlite(
            new DbContextOptionsBuilder<SqliteStorageDbContext>(), "Data Source=design-time.db", StorageDbContext.SchemaName).Options);
}

internal sealed class SqlServerStorageDbContextFactory : IDesignTimeDbContextFactory<SqlServerStorageDbContext>
{
    public SqlServerStorageDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<SqlServerStorageDbContext>)ModuleDatabase.UseSqlServer(
            new DbContextOptionsBuilder<SqlServerStorageDbContext>(), "Server=design-time;Database=platform", StorageDbContext.SchemaName).Options);
}
