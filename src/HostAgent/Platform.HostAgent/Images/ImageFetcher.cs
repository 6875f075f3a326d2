using System.Net;
using Microsoft.Extensions.Logging;
using Platform.HostAgent.Agent;
using Platform.HostAgent.Libvirt;
using Platform.HostAgent.Protocol;

namespace Platform.HostAgent.Images;

public enum ImageFetchState
{
    Fetching,
    Ready,
    Failed,
}

/// <param name="Reason">Why the image cannot be had (<see cref="ImageFetchState.Failed"/>), or the last failure being retried.</param>
public sealed record ImageStatus(ImageFetchState State, string? Reason = null);

public sealed class ImageFetcherOptions
{
    /// <summary>Downloads at once; more wait their turn (each is network and disk bound).</summary>
    public int Concurrency { get; init; } = 2;

    /// <summary>Tries of a download that fails on the way (API unreachable, connection cut) before its instances fail.</summary>
    public int Attempts { get; init; } = 6;

    /// <summary>The wait before the second try; it doubles with each further one, up to a minute.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Fetches images off the reconcile loop, so a download (minutes for a large image, forever for one the API cannot
/// serve) never holds up heartbeats, the watchdog or other instances' changes. Each round the loop says which images
/// its desired state needs and learns which are ready; a download that ends wakes it. A failure that fetching again
/// cannot mend (the API has no such image, its bytes do not match their SHA-256, a disk that is not a standalone
/// qcow2) fails at once; others are retried with a growing delay, <see cref="ImageFetcherOptions.Attempts"/> times.
/// A failed image stays failed while the state still needs it (its instances fail); once nothing needs it, it is
/// forgotten, so a later launch tries again.
/// </summary>
public sealed partial class ImageFetcher(IGuestImages images, ILogger logger, TimeProvider clock, Action changed, ImageFetcherOptions? options = null)
    : IDisposable
{
    private readonly ImageFetcherOptions _options = options ?? new ImageFetcherOptions();
    private readonly SemaphoreSlim _slots = new((options ?? new ImageFetcherOptions()).Concurrency);
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Touched by the reconcile loop only; each entry's status is written by its download.</summary>
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The status of each image <paramref name="needed"/>, starting downloads of those not here; others are forgotten (and their downloads stopped).</summary>
    public IReadOnlyDictionary<string, ImageStatus> Track(IEnumerable<GuestImage> needed)
    {
        var wanted = needed.DistinctBy(i => i.ImageId).ToDictionary(i => i.ImageId, StringComparer.Ordinal);
        foreach (var (id, entry) in _entries.ToList())
        {
            // Forgotten when no longer needed, and a ready image whose volumes went is fetched again.
            if (!wanted.TryGetValue(id, out var image) || (entry.Status.State == ImageFetchState.Ready && !images.IsPresent(image)))
            {
                entry.Cancel();
                _entries.Remove(id);
            }
        }

        var statuses = new Dictionary<string, ImageStatus>(StringComparer.Ordinal);
        foreach (var (id, image) in wanted)
        {
            if (!_entries.TryGetValue(id, out var entry))
            {
                _entries[id] = entry = images.IsPresent(image) ? Entry.Present() : Start(image);
            }

            statuses[id] = entry.Status;
        }

        return statuses;
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var entry in _entries.Values)
        {
            entry.Cancel();
        }

        _entries.Clear();
    }

    private Entry Start(GuestImage image)
    {
        var entry = new Entry(CancellationTokenSource.CreateLinkedTokenSource(_stop.Token));
        _ = Task.Run(() => FetchAsync(image, entry), CancellationToken.None);
        return entry;
    }

    private async Task FetchAsync(GuestImage image, Entry entry)
    {
        try
        {
            await FetchAsync(image, entry, entry.Token);
        }
        finally
        {
            entry.Finished();
        }
    }

    private async Task FetchAsync(GuestImage image, Entry entry, CancellationToken cancellationToken)
    {
        var delay = _options.FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _slots.WaitAsync(cancellationToken);
                try
                {
                    LogFetching(logger, image.ImageId, attempt);
                    await images.EnsureAsync(image, cancellationToken);
                }
                finally
                {
                    _slots.Release();
                }

                entry.Status = new ImageStatus(ImageFetchState.Ready);
                LogFetched(logger, image.ImageId);
                changed();
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (IsPermanent(e) || (IsTransient(e) && attempt >= _options.Attempts))
            {
                var reason = IsPermanent(e) ? e.Message : $"{e.Message} (after {attempt} tries)";
                entry.Status = new ImageStatus(ImageFetchState.Failed, reason);
                LogFailed(logger, image.ImageId, reason);
                changed();
                return;
            }
            catch (Exception e) when (IsTransient(e))
            {
                entry.Status = new ImageStatus(ImageFetchState.Fetching, e.Message);
                LogRetrying(logger, image.ImageId, e.Message, delay);
                try
                {
                    await Task.Delay(delay, clock, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMinutes(1).Ticks));
            }
        }
    }

    /// <summary>Failures a second download cannot mend: the API answered that it will not serve the image, or the image is refused.</summary>
    private static bool IsPermanent(Exception e) => e is ImageRejectedException or InvalidDataException
        || (e is AgentApiException api && (int)api.Status is >= 400 and < 500 && api.Status is not (HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests));

    private static bool IsTransient(Exception e) => e is HttpRequestException or AgentApiException or IOException or LibvirtException or TaskCanceledException
        or InvalidOperationException;

    private sealed class Entry
    {
        private readonly Lock _lock = new();
        private CancellationTokenSource? _cancellation;
        private volatile ImageStatus _status = new(ImageFetchState.Fetching);

        public Entry(CancellationTokenSource? cancellation)
        {
            _cancellation = cancellation;
            Token = cancellation?.Token ?? CancellationToken.None;
        }

        public static Entry Present() => new(null) { Status = new ImageStatus(ImageFetchState.Ready) };

        public ImageStatus Status
        {
            get => _status;
            set => _status = value;
        }

        public CancellationToken Token { get; }

        public void Cancel()
        {
            lock (_lock)
            {
                _cancellation?.Cancel();
            }
        }

        /// <summary>The download is over: its cancellation (linked to the fetcher's) is let go.</summary>
        public void Finished()
        {
            lock (_lock)
            {
                _cancellation?.Dispose();
                _cancellation = null;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetching image {ImageId} (try {Attempt})")]
    private static partial void LogFetching(ILogger logger, string imageId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Image {ImageId} is here and checked")]
    private static partial void LogFetched(ILogger logger, string imageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Image {ImageId} could not be fetched ({Reason}); trying again in {Delay}")]
    private static partial void LogRetrying(ILogger logger, string imageId, string reason, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Image {ImageId} cannot be used; its instances fail: {Reason}")]
    private static partial void LogFailed(ILogger logger, string imageId, string reason);
}
