using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Metadata;

/// <summary>Where an instance's role credentials come from: the API, over the agent's authenticated channel.</summary>
public interface IInstanceCredentialSource
{
    Task<InstanceProfileCredentials> GetInstanceCredentialsAsync(string instanceId, CancellationToken cancellationToken);
}

/// <summary>When the agent asks the API for an instance's role credentials again.</summary>
/// <param name="RenewAfter">Credentials older than this are renewed (EC2: about hourly).</param>
/// <param name="RenewBefore">Credentials with less than this left are renewed, whatever their age.</param>
/// <param name="RetryAfter">An error answer (the role's trust refuses EC2, the profile has no role) or a failed request is
/// asked again after this, so a fixed trust policy shows soon and a guest cannot make the agent hammer the API.</param>
public sealed record CredentialRenewal(TimeSpan RenewAfter, TimeSpan RenewBefore, TimeSpan RetryAfter)
{
    public static readonly CredentialRenewal Default = new(TimeSpan.FromHours(1), TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(10));
}

/// <summary>
/// The role credentials of this server's instances, in memory only (never on disk: a restarted agent asks again), each renewed
/// well before it expires. They are fetched when the metadata service is told of the guest (<see cref="PrefetchAsync"/>), so its
/// first request finds them; a request that comes first waits for the fetch; later ones get the cached credentials while a renewal
/// runs, and when the API cannot be reached the old credentials are handed out until they expire. An instance whose association
/// changed (another profile, or none) is never answered with its old profile's credentials.
/// </summary>
public sealed partial class InstanceCredentialCache(IInstanceCredentialSource source, TimeProvider clock, CredentialRenewal renewal, ILogger logger)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The instance's credentials for <paramref name="profile"/>, fetched or renewed when due; null when there are none to give.</summary>
    public async Task<InstanceProfileCredentials?> GetAsync(string instanceId, DesiredInstanceProfile profile, CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(instanceId, _ => new Entry());
        var now = clock.GetUtcNow();
        var current = Usable(entry.Credentials, profile, now);
        if (current is not null && !Due(current, entry, now))
        {
            return current;
        }

        if (current is not null)
        {
            // Renew beside the guest's request: it gets the credentials it has, still valid for a while.
            _ = RenewAsync(instanceId, entry, profile, CancellationToken.None);
            return current;
        }

        await RenewAsync(instanceId, entry, profile, cancellationToken);
        return Usable(entry.Credentials, profile, clock.GetUtcNow());
    }

    /// <summary>
    /// Fetches the instance's credentials for <paramref name="profile"/> ahead of its guest's first request (an instance started, or
    /// given a profile), and renews them when due, so a guest's request is answered from memory and does not wait on the API, nor
    /// fail when the API is away just then. Does nothing when usable credentials are not due, or an attempt was made a moment ago.
    /// </summary>
    /// <returns>The fetch under way, for a caller that wants to wait for it; it never fails (a failure is logged and retried later).</returns>
    public Task PrefetchAsync(string instanceId, DesiredInstanceProfile profile)
    {
        var entry = _entries.GetOrAdd(instanceId, _ => new Entry());
        var now = clock.GetUtcNow();
        var current = Usable(entry.Credentials, profile, now);
        if (current is not null ? !Due(current, entry, now) : entry.LastAttempt is { } attempt && now - attempt < renewal.RetryAfter)
        {
            return Task.CompletedTask;
        }

        return RenewAsync(instanceId, entry, profile, CancellationToken.None);
    }

    /// <summary>Forgets the instances no longer answered here (terminated, moved, stopped).</summary>
    public void Retain(IReadOnlySet<string> instanceIds)
    {
        foreach (var id in _entries.Keys.Where(id => !instanceIds.Contains(id)))
        {
            _entries.TryRemove(id, out _);
        }
    }

    private async Task RenewAsync(string instanceId, Entry entry, DesiredInstanceProfile profile, CancellationToken cancellationToken)
    {
        // One request per instance at a time: the others wait for it (or, holding credentials, do not wait at all).
        if (!await entry.Fetching.WaitAsync(0, CancellationToken.None))
        {
            if (Usable(entry.Credentials, profile, clock.GetUtcNow()) is not null)
            {
                return;
            }

            await entry.Fetching.WaitAsync(cancellationToken);
            entry.Fetching.Release();
            return;
        }

        try
        {
            var now = clock.GetUtcNow();
            if (Usable(entry.Credentials, profile, now) is { } fresh && !Due(fresh, entry, now))
            {
                return;
            }

            entry.LastAttempt = now;
            var credentials = await source.GetInstanceCredentialsAsync(instanceId, cancellationToken);
            entry.Credentials = credentials;
            LogIssued(logger, instanceId, credentials.Code, credentials.RoleName, credentials.Expiration);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, instanceId, e.Message);
        }
        finally
        {
            entry.Fetching.Release();
        }
    }

    /// <summary>The entry's credentials if they are for this association and, with keys, not expired.</summary>
    private static InstanceProfileCredentials? Usable(InstanceProfileCredentials? credentials, DesiredInstanceProfile profile, DateTimeOffset now) =>
        credentials is not null && credentials.AssociationId == profile.AssociationId && (!credentials.HasKeys || credentials.Expiration > now)
            ? credentials
            : null;

    private bool Due(InstanceProfileCredentials credentials, Entry entry, DateTimeOffset now)
    {
        if (entry.LastAttempt is { } attempt && now - attempt < renewal.RetryAfter)
        {
            // Asked a moment ago (and failed, or got an error answer): not again yet.
            return false;
        }

        return !credentials.HasKeys || now - credentials.LastUpdated >= renewal.RenewAfter || credentials.Expiration!.Value - now <= renewal.RenewBefore;
    }

    private sealed class Entry
    {
        private InstanceProfileCredentials? _credentials;

        public SemaphoreSlim Fetching { get; } = new(1, 1);

        /// <summary>Read by guests' requests while a renewal replaces it.</summary>
        public InstanceProfileCredentials? Credentials
        {
            get => Volatile.Read(ref _credentials);
            set => Volatile.Write(ref _credentials, value);
        }

        public DateTimeOffset? LastAttempt { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Role credentials for {InstanceId}: {Code} (role {Role}, until {Expiration})")]
    private static partial void LogIssued(ILogger logger, string instanceId, string code, string? role, DateTimeOffset? expiration);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Role credentials for {InstanceId} could not be fetched: {Reason}")]
    private static partial void LogFailed(ILogger logger, string instanceId, string reason);
}
