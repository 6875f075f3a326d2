using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Storage.Persistence;

namespace Platform.Modules.Storage.Objects;

/// <summary>
/// Group commit for new object versions on embedded SQLite: the versions waiting at one moment commit in one
/// transaction (one WAL fsync) instead of one each, which is what makes many small durable PUTs per second
/// possible on one writer. Each caller still returns only after its own version is durable. A batch that fails
/// is retried one version at a time, so one bad row fails only its own request.
/// </summary>
internal sealed class ObjectCommitQueue
{
    private const int MaxBatch = 256;
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IServiceScopeFactory _scopes;
    private readonly MetadataWriteGate _gate;

    public ObjectCommitQueue(IServiceScopeFactory scopes, MetadataWriteGate gate)
    {
        _scopes = scopes;
        _gate = gate;
        _ = Task.Run(CommitLoopAsync);
    }

    /// <summary>Commits the version; returns the segments (JSON) of the versions it freed.</summary>
    public Task<IReadOnlyList<string>> CommitAsync(StoredObject version)
    {
        var pending = new Pending(version, new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_pending.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The commit queue is closed.");
        }

        return pending.Done.Task;
    }

    private async Task CommitLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            using var writing = await _gate.EnterAsync(CancellationToken.None);
            try
            {
                var replaced = await CommitAsync(batch);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(replaced[i]);
                }
            }
            catch (Exception) when (batch.Count > 1)
            {
                foreach (var one in batch)
                {
                    try
                    {
                        one.Done.TrySetResult((await CommitAsync([one]))[0]);
                    }
                    catch (Exception e)
                    {
                        one.Done.TrySetException(e);
                    }
                }
            }
            catch (Exception e)
            {
                batch[0].Done.TrySetException(e);
            }
        }
    }

    private async Task<List<IReadOnlyList<string>>> CommitAsync(List<Pending> batch)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StorageDbContext>();
        var replaced = new List<IReadOnlyList<string>>(batch.Count);
        // The current rows of the whole batch in one query per bucket (usually one), not one query per version.
        foreach (var bucket in batch.GroupBy(p => p.Version.BucketName, StringComparer.Ordinal))
        {
            var name = bucket.Key;
            var keys = bucket.Select(p => p.Version.Key).Distinct(StringComparer.Ordinal).ToList();
            await db.Objects.Where(o => o.BucketName == name && keys.Contains(o.Key)).LoadAsync();
        }

        foreach (var (version, _) in batch)
        {
            var current = db.Objects.Local.FirstOrDefault(o => o.BucketName == version.BucketName && o.Key == version.Key);
            if (current is null)
            {
                db.Objects.Add(Copy(version));
                replaced.Add([]);
            }
            else
            {
                replaced.Add(await ObjectCatalog.SupersedeAsync(db, current, version, CancellationToken.None));
            }
        }

        await db.SaveChangesAsync();
        return replaced;
    }

    private static StoredObject Copy(StoredObject version)
    {
        var copy = new StoredObject { BucketName = version.BucketName, Key = version.Key, Segments = version.Segments, ETag = version.ETag };
        ObjectCatalog.Overwrite(copy, version);
        return copy;
    }

    private sealed record Pending(StoredObject Version, TaskCompletionSource<IReadOnlyList<string>> Done);
}
