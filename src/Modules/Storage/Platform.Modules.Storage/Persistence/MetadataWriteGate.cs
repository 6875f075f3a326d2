using Microsoft.Extensions.Configuration;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Storage.Persistence;

/// <summary>
/// Lets one metadata write at a time into an embedded SQLite file. SQLite has one writer anyway; writers that
/// collide get SQLITE_BUSY, which Microsoft.Data.Sqlite answers by sleeping 150 ms, so queueing them here in the
/// process is far faster under concurrent PUTs. A performance measure only: correctness never depends on it, and
/// on SQL Server (several replicas) it does nothing.
/// </summary>
internal sealed class MetadataWriteGate(IConfiguration configuration)
{
    private readonly SemaphoreSlim? _sqlite =
        (configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>() ?? new DatabaseOptions()).Provider == DatabaseProvider.Sqlite
            ? new SemaphoreSlim(1, 1)
            : null;

    /// <summary>True on SQLite, where one writer at a time is the rule (and object versions commit in groups).</summary>
    public bool IsSerialized => _sqlite is not null;

    public async ValueTask<Releaser> EnterAsync(CancellationToken cancellationToken)
    {
        if (_sqlite is not null)
        {
            await _sqlite.WaitAsync(cancellationToken);
        }

        return new Releaser(_sqlite);
    }

    internal readonly struct Releaser(SemaphoreSlim? semaphore) : IDisposable
    {
        public void Dispose() => semaphore?.Release();
    }
}
