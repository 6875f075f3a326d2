using Platform.Modules.Shared.Caching;

namespace Platform.Modules.Shared.Tests.Caching;

public sealed class BoundedCacheTests
{
    [Fact]
    public async Task Given_a_flood_of_distinct_keys_from_many_threads_Then_the_cache_never_ends_above_its_capacity()
    {
        var cache = new BoundedCache<string, int>(1_000, TimeSpan.FromMinutes(5), TimeProvider.System);
        await Parallel.ForAsync(0, 200_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, (i, _) =>
        {
            cache.Set(Guid.NewGuid().ToString("N"), i);
            return ValueTask.CompletedTask;
        });

        Assert.InRange(cache.Count, 1, cache.Capacity);
    }

    [Fact]
    public void Given_a_full_cache_Then_expired_entries_go_first_and_then_the_oldest()
    {
        var clock = new StepClock();
        var cache = new BoundedCache<string, int>(10, TimeSpan.FromSeconds(5), clock);
        cache.Set("old", 0);
        clock.Advance(TimeSpan.FromSeconds(6));
        for (var i = 1; i <= 9; i++)
        {
            cache.Set($"live-{i}", i);
            clock.Advance(TimeSpan.FromMilliseconds(10));
        }

        // The eleventh entry trims to nine tenths: the expired one first, then the oldest live one.
        cache.Set("live-10", 10);
        cache.Set("live-11", 11);
        Assert.False(cache.TryGet("old", out _));
        Assert.True(cache.TryGet("live-11", out var newest) && newest == 11);
        Assert.False(cache.TryGet("live-1", out _));
        Assert.True(cache.TryGet("live-2", out _));
        Assert.Equal(10, cache.Count);

        // Over capacity with only live entries: the oldest go.
        for (var i = 12; i <= 30; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(10));
            cache.Set($"live-{i}", i);
        }

        Assert.InRange(cache.Count, 1, 10);
        Assert.False(cache.TryGet("live-12", out _));
        Assert.True(cache.TryGet("live-30", out _));
    }

    [Fact]
    public void Given_an_entry_past_its_lifetime_Then_it_is_not_returned_and_replacing_it_counts_once()
    {
        var clock = new StepClock();
        var cache = new BoundedCache<string, string>(4, TimeSpan.FromSeconds(1), clock);
        cache.Set("k", "v1");
        Assert.True(cache.TryGet("k", out var value) && value == "v1");
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(cache.TryGet("k", out _));
        cache.Set("k", "v2");
        Assert.Equal(1, cache.Count);
        cache.Remove("k");
        Assert.Equal(0, cache.Count);
    }

    private sealed class StepClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 12, 5, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
