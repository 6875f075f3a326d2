using System.Collections.Concurrent;

namespace Platform.Modules.Compute.Hosts;

/// <summary>
/// Wakes a host's pending desired-state long poll the moment a change for it commits on this replica.
/// Other replicas' changes are seen by the poll's periodic re-read of the host's version.
/// </summary>
internal sealed class DesiredStateSignals
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiting = new(StringComparer.Ordinal);

    /// <summary>A task that completes at the host's next change; take it before reading the version, so no change slips between.</summary>
    public Task NextChange(string hostId) =>
        _waiting.GetOrAdd(hostId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Changed(string hostId)
    {
        if (_waiting.TryRemove(hostId, out var waiting))
        {
            waiting.TrySetResult();
        }
    }
}
