using System.Text.Json;
using Platform.HostAgent.Agent;

namespace Platform.HostAgent.Tests;

/// <summary>The agent's round times, as operators and bench/soak.sh read them from round-times.json.</summary>
public sealed class RoundTimesTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("platform-rounds-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public void Given_rounds_of_1_to_100_ms_Then_the_file_says_100_rounds_p50_50_p99_99_max_100_and_the_failed_count()
    {
        var times = new RoundTimes(_state);
        foreach (var ms in Enumerable.Range(1, 100).Reverse())
        {
            times.Record(TimeSpan.FromMilliseconds(ms), failedRounds: 3);
        }

        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(_state, RoundTimes.FileName)));
        var root = file.RootElement;
        Assert.Equal(100, root.GetProperty("rounds").GetInt64());
        Assert.Equal(3, root.GetProperty("failed_rounds").GetInt64());
        Assert.Equal(50, root.GetProperty("p50_ms").GetDouble());
        Assert.Equal(99, root.GetProperty("p99_ms").GetDouble());
        Assert.Equal(100, root.GetProperty("max_ms").GetDouble());
        Assert.False(File.Exists(Path.Combine(_state, RoundTimes.FileName + ".tmp")));
    }

    [Fact]
    public void Given_more_rounds_than_it_keeps_Then_the_percentiles_are_of_the_latest_and_the_count_of_all()
    {
        var times = new RoundTimes(null);
        for (var i = 0; i < 8192; i++)
        {
            times.Record(TimeSpan.FromMilliseconds(1000), 0);
        }

        for (var i = 0; i < 8192; i++)
        {
            times.Record(TimeSpan.FromMilliseconds(2), 0);
        }

        var summary = times.Summary(0);
        Assert.Equal(16384, summary.Rounds);
        Assert.Equal(8192, summary.Sampled);
        Assert.Equal(2, summary.MaxMs);
    }
}
