namespace Platform.HostAgent.Agent;

/// <summary>
/// The agent's failed rounds: how many in a row, why the last one failed, how long to wait before the next try.
/// A transient fault (Open vSwitch restarting, libvirtd busy, the API away, a full disk) is logged once per change
/// of cause, not once per round, and retried with backoff; the server stays up and says it is degraded.
/// </summary>
public sealed class RoundFaults(TimeSpan maximumBackoff)
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);

    /// <summary>Why the last round failed; null after a round that went through.</summary>
    public string? Cause { get; private set; }

    /// <summary>Failed rounds in a row.</summary>
    public int Consecutive { get; private set; }

    /// <summary>Failed rounds since the agent started.</summary>
    public long Total { get; private set; }

    /// <summary>Counts a failed round; true when its cause differs from the last one's (so it is worth a log line).</summary>
    public bool Failed(string cause)
    {
        Consecutive++;
        Total++;
        var changed = !string.Equals(cause, Cause, StringComparison.Ordinal);
        Cause = cause;
        return changed;
    }

    /// <summary>Counts a round that went through; true when it ends a run of failures.</summary>
    public bool Succeeded()
    {
        var recovered = Cause is not null;
        Cause = null;
        Consecutive = 0;
        return recovered;
    }

    /// <summary>1 s, 2 s, 4 s, ... up to the maximum: a switch that comes back is used within seconds, a long outage is not hammered.</summary>
    public TimeSpan Backoff
    {
        get
        {
            if (Consecutive == 0)
            {
                return maximumBackoff;
            }

            var seconds = FirstBackoff.TotalSeconds * Math.Pow(2, Math.Min(Consecutive - 1, 16));
            return TimeSpan.FromSeconds(Math.Min(seconds, maximumBackoff.TotalSeconds));
        }
    }

    /// <summary>A cause stable across rounds of the same fault: the exception's kind and message, first line only.</summary>
    public static string Describe(Exception e)
    {
        var message = e.Message.Split('\n', 2)[0].Trim();
        return $"{e.GetType().Name}: {message}";
    }
}
