using System.Security.Cryptography;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Persistence;
using Platform.Modules.Shared.Security;
using Platform.Modules.Storage.Blobs;
using Platform.Modules.Storage.Multipart;
using Platform.Modules.Storage.Objects;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Tests;

/// <summary>
/// The Storage module as the API wires it (pooled contexts on a SQLite file in WAL mode, migrations applied, the
/// file-system blob store, the write gate), below the requests' authorization: the catalogs and the sweep are used
/// directly. A context of its own, with interceptors, lets a test act at a chosen moment of another operation.
/// </summary>
public sealed class StorageTestDatabase : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("storage-test-").FullName;

    internal ServiceProvider Services { get; private set; } = null!;

    internal IBlobStore Blobs => Services.GetRequiredService<IBlobStore>();

    internal ObjectBytes Bytes => Services.GetRequiredService<ObjectBytes>();

    private string ConnectionString => $"Data Source={Path.Combine(_directory, "platform.db")}";

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Platform:DataDirectory"] = _directory,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        // The outbox's signal enqueues its dispatch; these tests publish nothing, so no job ever runs.
        services.AddSingleton<IBackgroundJobClient, NoJobs>();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddOptions<PlatformOptions>().BindConfiguration(PlatformOptions.SectionName);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ISecretProtector, AesGcmSecretProtector>();
        services.AddStorageModule(configuration);
        Services = services.BuildServiceProvider();

        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StorageDbContext>();
        await db.Database.OpenConnectionAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        await db.Database.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await Services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A context on the same database outside the pool, with the interceptors given (to act between its commands).</summary>
    internal StorageDbContext Context(params IInterceptor[] interceptors) =>
        new SqliteStorageDbContext((DbContextOptions<SqliteStorageDbContext>)ModuleDatabase
            .UseSqlite(new DbContextOptionsBuilder<SqliteStorageDbContext>(), ConnectionString, StorageDbContext.SchemaName)
            .AddInterceptors(interceptors).Options);

    /// <summary>The part catalog over a given context, with the module's own blob store, gate and commit queue.</summary>
    internal PartCatalog Parts(StorageDbContext db) =>
        new(db, Objects(db), Bytes, Services.GetRequiredService<MetadataWriteGate>());

    internal ObjectCatalog Objects(StorageDbContext db) =>
        new(db, Bytes, Services.GetRequiredService<MetadataWriteGate>(), Services.GetRequiredService<ObjectCommitQueue>(),
            Services.GetRequiredService<IOptions<StorageOptions>>());

    internal async Task<T> InScopeAsync<T>(Func<StorageDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<StorageDbContext>());
    }

    internal Task InScopeAsync(Func<StorageDbContext, Task> work) => InScopeAsync(async db =>
    {
        await work(db);
        return true;
    });

    internal async Task<Bucket> BucketAsync(string name)
    {
        var bucket = new Bucket { Name = name, AccountId = "123456789012", CreatedAt = DateTime.UtcNow };
        await InScopeAsync(async db =>
        {
            db.Buckets.Add(bucket);
            await db.SaveChangesAsync();
        });
        return bucket;
    }

    internal async Task<MultipartUpload> UploadAsync(string bucket, string key)
    {
        var upload = new MultipartUpload
        {
            UploadId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)),
            BucketName = bucket,
            Key = key,
            AccountId = "123456789012",
            InitiatedAt = DateTime.UtcNow,
        };
        await InScopeAsync(async db =>
        {
            db.MultipartUploads.Add(upload);
            await db.SaveChangesAsync();
        });
        return upload;
    }

    /// <summary>Writes a part's bytes as UploadPart does and describes the part; storing it is the caller's move.</summary>
    internal async Task<StoredPart> PartAsync(MultipartUpload upload, int number, byte[] content)
    {
        var written = await Bytes.WriteAsync(new MemoryStream(content), content.Length, encrypt: false, CancellationToken.None);
        return new StoredPart
        {
            UploadId = upload.UploadId,
            PartNumber = number,
            BlobId = written.Segment.BlobId,
            Size = written.Segment.Size,
            ETag = $"\"{written.Md5Hex}\"",
            LastModified = DateTime.UtcNow,
        };
    }

    /// <summary>The object's bytes as GetObject reads them; null when a blob it names is gone.</summary>
    internal async Task<byte[]?> ReadObjectAsync(string bucket, string key)
    {
        var stored = await InScopeAsync(db => db.Objects.AsNoTracking().SingleAsync(o => o.BucketName == bucket && o.Key == key));
        await using var body = Bytes.OpenRange(Segments.Parse(stored.Segments), 0, stored.Size);
        if (body is null)
        {
            return null;
        }

        using var copy = new MemoryStream();
        await body.CopyToAsync(copy);
        return copy.ToArray();
    }

    internal bool BlobExists(string blobId)
    {
        using var stream = Blobs.OpenRead(blobId);
        return stream is not null;
    }
}

internal sealed class NoJobs : IBackgroundJobClient
{
    public string Create(Job job, IState state) => Guid.NewGuid().ToString();

    public bool ChangeState(string jobId, IState state, string expectedState) => true;
}

/// <summary>Runs an action once, just before the n-th command of a context whose text contains a given fragment.</summary>
internal sealed class BeforeCommand(string fragment, int occurrence, Func<Task> action) : DbCommandInterceptor
{
    private int _seen;

    public bool Fired { get; private set; }

    public override async ValueTask<InterceptionResult<System.Data.Common.DbDataReader>> ReaderExecutingAsync(System.Data.Common.DbCommand command,
        CommandEventData eventData, InterceptionResult<System.Data.Common.DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await OnCommandAsync(command);
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(System.Data.Common.DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await OnCommandAsync(command);
        return result;
    }

    private async Task OnCommandAsync(System.Data.Common.DbCommand command)
    {
        if (!Fired && command.CommandText.Contains(fragment, StringComparison.Ordinal) && ++_seen == occurrence)
        {
            Fired = true;
            await action();
        }
    }
}

/// <summary>A clock standing at a fixed moment, so blobs written now count as old for the sweep.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
