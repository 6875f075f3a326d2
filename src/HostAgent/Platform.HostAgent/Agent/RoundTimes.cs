using System.Text.Json;

namespace Platform.HostAgent.Agent;

/// <summary>
/// How long the agent's rounds take (apply and report), for operators and the soak benchmark (bench/soak.sh): the
/// last <see cref="Kept"/> rounds' durations, summarised after each round into <c>round-times.json</c> in the state
/// directory (rounds, failed rounds, p50, p99 and max in milliseconds), written whole by a rename. One writer: the main loop.
/// </summary>
public sealed class RoundTimes(string? stateDirectory)
{
    public const string FileName = "round-times.json";

    private const int Kept = 8192;

    private readonly double[] _milliseconds = new double[Kept];
    private long _rounds;

    /// <summary>Counts one round's duration and rewrites the summary; a summary that cannot be written is skipped.</summary>
    public void Record(TimeSpan elapsed, long failedRounds)
    {
        _milliseconds[_rounds % Kept] = elapsed.TotalMilliseconds;
        _rounds++;
        if (stateDirectory is null)
        {
            return;
        }

        var summary = Summary(failedRounds);
        var path = Path.Combine(stateDirectory, FileName);
        try
        {
            File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(summary, Json));
            File.Move(path + ".tmp", path, overwrite: true);
        }
        catch (IOException)
        {
            // A full disk is one of the faults a round survives; the next round writes it again.
        }
    }

    public RoundTimesSummary Summary(long failedRounds)
    {
        var count = (int)Math.Min(_rounds, Kept);
        var sorted = _milliseconds[..count];
        Array.Sort(sorted);
        double At(double quantile) => count == 0 ? 0 : Math.Round(sorted[Math.Min(count - 1, (int)Math.Ceiling(quantile * count) - 1)], 2);
        return new RoundTimesSummary(_rounds, failedRounds, count, At(0.5), At(0.99), count == 0 ? 0 : Math.Round(sorted[^1], 2));
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}

/// <summary>Rounds since the agent started, how many failed, and the last <paramref name="Sampled"/> rounds' percentiles.</summary>
public sealed record RoundTimesSummary(long Rounds, long FailedRounds, int Sampled, double P50Ms, double P99Ms, double MaxMs);
