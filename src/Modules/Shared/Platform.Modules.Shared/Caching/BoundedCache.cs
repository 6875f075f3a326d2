using System.Collections.Concurrent;

namespace Platform.Modules.Shared.Caching;

/// <summary>
/// A cache that holds at most <c>capacity</c> entries, each for at most <c>lifetime</c>: whatever keys callers
/// choose to ask for (a flood of made-up access key ids), its memory stays bounded. When an insertion finds it over
/// capacity, expired entries go first, then the oldest, down to nine tenths of the capacity, so a sustained flood
/// pays for one trim per tenth of the capacity rather than one per insertion.
/// </summary>
public sealed class BoundedCache<TKey, TValue>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Entry> _entries;
    private readonly Lock _trimming = new();
    private readonly TimeProvider _clock;
    private int _count;

    public BoundedCache(int capacity, TimeSpan lifetime, TimeProvider clock, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        Capacity = capacity;
        Lifetime = lifetime;
        _clock = clock;
        _entries = new ConcurrentDictionary<TKey, Entry>(comparer);
    }

    public int Capacity { get; }

    public TimeSpan Lifetime { get; }

    /// <summary>Entries held now, expired ones not yet dropped included.</summary>
    public int Count => Volatile.Read(ref _count);

    public bool TryGet(TKey key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry) && !Expired(entry, _clock.GetUtcNow()))
        {
            value = entry.Value;
            return true;
        }

        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value)
    {
        var now = _clock.GetUtcNow();
        var added = false;
        _entries.AddOrUpdate(key, _ => { added = true; return new Entry(value, now); }, (_, _) => { added = false; return new Entry(value, now); });
        if (added && Interlocked.Increment(ref _count) > Capacity)
        {
            Trim(now);
        }
    }

    public void Remove(TKey key)
    {
        if (_entries.TryRemove(key, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private bool Expired(Entry entry, DateTimeOffset now) => now - entry.StoredAt > Lifetime;

    private void Trim(DateTimeOffset now)
    {
        lock (_trimming)
        {
            if (Count <= Capacity)
            {
                return;
            }

            foreach (var (key, entry) in _entries)
            {
                if (Expired(entry, now))
                {
                    Remove(key);
                }
            }

            var excess = Count - (Capacity - (Capacity / 10));
            if (excess > 0)
            {
                // ToArray is the dictionary's own snapshot; LINQ over it directly fails when another thread adds meanwhile.
                foreach (var key in _entries.ToArray().OrderBy(e => e.Value.StoredAt).Take(excess).Select(e => e.Key).ToList())
                {
                    Remove(key);
                }
            }
        }
    }

    private sealed record Entry(TValue Value, DateTimeOffset StoredAt);
}
