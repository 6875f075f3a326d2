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

    public DbSet<MultipartUpload> MultipartUploads => Set<MultipartUpload>();

    public DbSet<StoredPart> UploadParts => Set<StoredPart>();

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
        });

        modelBuilder.Entity<MultipartUpload>(upload =>
        {
            upload.ToTable("multipart_uploads");
            upload.HasKey(u => u.UploadId);
            upload.Property(u => u.UploadId).HasColumnName("upload_id").HasMaxLength(64);
            upload.Property(u => u.BucketName).HasColumnName("bucket_name").HasMaxLength(63);
            upload.Property(u => u.Key).HasColumnName("object_key").HasMaxLength(1024);
            upload.Property(u => u.AccountId).HasColumnName("account_id").HasMaxLength(12);
            upload.Property(u => u.ContentType).HasColumnName("content_type").HasMaxLength(256);
            upload.Property(u => u.Metadata).HasColumnName("metadata");
            upload.Property(u => u.Encrypted).HasColumnName("encrypted");
            upload.Property(u => u.InitiatedAt).HasColumnName("initiated_at");
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
            part.HasIndex(p => p.BlobId);
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
