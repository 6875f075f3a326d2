using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Platform.HostAgent.Databases;
using Platform.HostAgent.Images;
using Platform.HostAgent.Libvirt;
using Platform.HostAgent.LoadBalancers;
using Platform.HostAgent.Metadata;
using Platform.HostAgent.OpenVSwitch;
using Platform.HostAgent.OpenVSwitch.Ovsdb;
using Platform.HostAgent.Protocol;
using Platform.HostAgent.Reconciliation;
using Platform.HostAgent.Volumes;

namespace Platform.HostAgent.Agent;

/// <summary>
/// One host's agent: enrols once, then keeps the server in the state the API wants. A long-poll loop holds a request
/// open on the API and hands each new desired state over at once; the main loop owns libvirt, applies the latest state
/// (on a change, a domain event, a finished image download, or every heartbeat interval, which also corrects drift) and
/// reports what it observed, which is the heartbeat. Images are fetched beside it (<see cref="ImageFetcher"/>), so a
/// download never holds a round up. When the connection to libvirtd breaks (the daemon restarted, or stopped answering
/// keep-alives) the main loop connects again, as a restarted agent would, and subscribes to domain events anew.
/// Every step beats <see cref="Liveness"/>, which the systemd watchdog follows.
/// </summary>
public sealed partial class HostAgentRuntime(AgentOptions options, AgentApiClient api, ILogger logger, TimeProvider clock, Func<LibvirtConnection>? openLibvirt = null)
{
    /// <summary>A report the API does not take within this is given up; the next round reports again.</summary>
    private static readonly TimeSpan ReportTimeout = TimeSpan.FromSeconds(20);

    /// <summary>How long after a draining target's delay ends the round that takes it out comes (a timer may fire a little early).</summary>
    private static readonly TimeSpan DrainMargin = TimeSpan.FromMilliseconds(100);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private HostDesiredState? _latest;
    private int _connections;

    /// <summary>Drives database guests through their management channels beside the rounds (null on simulated hosts).</summary>
    private DatabaseDriver? _databases;
    private LoadBalancerNodeReconciler? _balancers;

    /// <summary>The main loop's progress, for the systemd watchdog (<see cref="WatchdogPulse"/>).</summary>
    public AgentLiveness Liveness { get; } = new(clock, options.StallTimeout);

    /// <summary>Failed rounds: counted, logged once per change of cause, retried with backoff.</summary>
    public RoundFaults Faults { get; } = new(options.HeartbeatInterval);

    /// <summary>How long rounds take, summarised in the state directory's round-times.json.</summary>
    public RoundTimes RoundTimes { get; } = new(options.StateDirectory);

    /// <summary>Set once the agent has its host credential.</summary>
    public string? HostId { get; private set; }

    /// <summary>How many connections to libvirt the agent has made: 1, and one more after each reconnection.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        StateLayout.Prepare(options.StateDirectory);
        var events = Channel.CreateUnbounded<DomainLifecycleEvent>();
        var consoles = new ConsoleTails(options.Simulated ? null : StateLayout.Consoles(options.StateDirectory));
        // The metadata service outlives libvirt sessions: it keeps answering while the agent reconnects.
        await using var metadata = options.NetworkingEnabled && options.MetadataService
            ? new MetadataEndpoint(options.Bridge, MetadataTokens.Load(Path.Combine(options.StateDirectory, "imds-token.key"), clock), logger,
                options.ManagementRelay ? ManagementRelay.For(new Uri(options.ApiUrl), logger) : null,
                new InstanceCredentialCache(api, clock, new CredentialRenewal(options.CredentialRenewAfter, options.CredentialRenewBefore,
                    CredentialRenewal.Default.RetryAfter), logger))
            : null;
        // Like the metadata service, the database channels outlive libvirt sessions: guests run on while the agent reconnects.
        await using var databases = !options.DatabaseChannelsEnabled ? null
            : new DatabaseDriver(new DatabaseDriverOptions { ChannelDirectory = StateLayout.Channels(options.StateDirectory) }, logger);
        _databases = databases;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task? poll = null;
        var forward = ForwardEventsAsync(events.Reader, stop.Token);
        HostCredential? credential = null;
        try
        {
            for (var attempt = 1; !cancellationToken.IsCancellationRequested; attempt++)
            {
                Liveness.Beat("connecting to libvirt");
                LibvirtConnection libvirt;
                try
                {
                    libvirt = openLibvirt is null ? LibvirtConnection.Open(options.LibvirtUri) : openLibvirt();
                }
                catch (LibvirtException e)
                {
                    LogLibvirtUnreachable(logger, options.LibvirtUri, e.Message);
                    await DelayAsync(TimeSpan.FromSeconds(Math.Min(10, attempt)), cancellationToken);
                    continue;
                }

                attempt = 0;
                // A connection handed in belongs to the caller (tests keep a simulated host's domains across agent restarts).
                using var owned = openLibvirt is null ? libvirt : null;
                if (Interlocked.Increment(ref _connections) > 1)
                {
                    LogReconnected(logger, options.LibvirtUri);
                }

                IGuestImages? images = null;
                try
                {
                    images = OpenImages(libvirt);
                    if (credential is null)
                    {
                        credential = await EnrolAsync(HostReconciler.Capacity(libvirt, images), cancellationToken);
                        api.UseCredential(credential);
                        HostId = credential.HostId;
                        LogStarted(logger, credential.HostId, credential.AvailabilityZone, options.LibvirtUri);
                        poll = PollAsync(stop.Token);
                    }

                    await RunSessionAsync(libvirt, images, credential, events.Writer, consoles, metadata, cancellationToken);
                }
                catch (LibvirtException e) when (!libvirt.IsAlive)
                {
                    // The daemon went while the session was being set up; the next connection starts it again.
                    NoteRoundFailed(e);
                }
                finally
                {
                    (images as IDisposable)?.Dispose();
                }

                if (!cancellationToken.IsCancellationRequested)
                {
                    LogLibvirtLost(logger, options.LibvirtUri);
                    await DelayAsync(TimeSpan.FromSeconds(1), cancellationToken);
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(poll ?? Task.CompletedTask, forward).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private IGuestImages OpenImages(LibvirtConnection libvirt) => options.Simulated
        ? new SimulatedGuestImages(api, options.StateDirectory)
        : new PoolGuestImages(libvirt, options.StoragePool, options.StoragePoolPath ?? Path.Combine(options.StateDirectory, "pool"), options.StateDirectory, api);

    /// <summary>Rounds on one libvirt connection, until it breaks (or the agent stops).</summary>
    private async Task RunSessionAsync(LibvirtConnection libvirt, IGuestImages images, HostCredential credential,
        ChannelWriter<DomainLifecycleEvent> events, ConsoleTails consoles, MetadataEndpoint? metadata, CancellationToken cancellationToken)
    {
        using var reconciler = new HostReconciler(libvirt, new ReconcilerOptions
        {
            Owner = credential.HostId,
            DomainType = options.ResolvedDomainType,
            ConsoleDirectory = options.Simulated ? null : StateLayout.Consoles(options.StateDirectory),
            ChannelDirectory = options.Simulated ? null : StateLayout.Channels(options.StateDirectory),
            StopDeadline = options.StopDeadline,
            Bridge = options.NetworkingEnabled ? options.Bridge : null,
        }, images, clock);
        var volumes = new VolumeReconciler(libvirt, new VolumeReconcilerOptions
        {
            Pool = options.StoragePool,
            PoolPath = options.Simulated ? "/simulated/pool" : options.StoragePoolPath ?? Path.Combine(options.StateDirectory, "pool"),
            StateDirectory = options.StateDirectory,
            Simulated = options.Simulated,
        }, new ProgressSnapshotTransfer(api, () => Liveness.Beat("moving snapshot bytes")));
        await using var switchDatabase = options.NetworkingEnabled ? new OpenVSwitchDatabase(options.OvsdbSocket) : null;
        // Load balancer nodes need the switch; their HAProxy processes outlive the session (and the agent) and are adopted again.
        _balancers = switchDatabase is null ? null
            : new LoadBalancerNodeReconciler(switchDatabase, options.Bridge, Path.Combine(options.StateDirectory, "load-balancers"), logger, options.SwitchNamespace);
        var balancers = _balancers;
        var network = switchDatabase is null ? null : new GuestNetwork(new IntegrationBridge(switchDatabase, options.OvsRunDirectory), options.Bridge,
            options.TunnelAddress ?? GuestNetwork.DefaultTunnelAddress(new Uri(options.ApiUrl)), options.Uplink, metadata, switchDatabase,
            balancers is null ? null : balancers.HoldsPublicAddress);
        // A paired node's keepalived changing role wakes the loop at once: the switch answers for the public address where the MASTER is.
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watcher = balancers?.WatchAsync(() => _wake.Writer.TryWrite(true), watching.Token) ?? Task.CompletedTask;
        using var fetcher = new ImageFetcher(images, logger, clock, () => _wake.Writer.TryWrite(true),
            new ImageFetcherOptions { Attempts = options.ImageFetchAttempts });
        using var subscription = TrySubscribe(libvirt, events);
        // A closed connection ends the wait between rounds at once.
        _ = libvirt.Closed.ContinueWith(_ => _wake.Writer.TryWrite(true), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        try
        {
            long applied = -1;
            while (!cancellationToken.IsCancellationRequested && libvirt.IsAlive)
            {
                var started = clock.GetTimestamp();
                try
                {
                    applied = await RoundAsync(reconciler, volumes, fetcher, network, consoles, credential.HostId, applied, cancellationToken);
                }
                catch (Exception e) when (IsRoundFault(e, cancellationToken))
                {
                    // The report itself did not go (the API away, libvirt gone mid-look): the next round tries again.
                    NoteRoundFailed(e);
                }

                RoundTimes.Record(clock.GetElapsedTime(started), Faults.Total);

                if (!libvirt.IsAlive)
                {
                    return;
                }

                var interval = reconciler.StopsPending ? TimeSpan.FromSeconds(1) : options.HeartbeatInterval;
                // A balancer's draining target leaves its node's configuration when its delay ends: the round comes then.
                if (_balancers?.NextDrainEnd is { } drainEnd && drainEnd - DateTime.UtcNow + DrainMargin is var untilDrained && untilDrained < interval)
                {
                    interval = untilDrained > TimeSpan.Zero ? untilDrained : DrainMargin;
                }

                if (Faults.Consecutive > 0 && Faults.Backoff < interval)
                {
                    interval = Faults.Backoff;
                }

                Liveness.Beat("waiting for a change");
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(interval);
                try
                {
                    await _wake.Reader.WaitToReadAsync(timeout.Token);
                    _wake.Reader.TryRead(out _);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The heartbeat interval passed without a change.
                }
            }
        }
        finally
        {
            await watching.CancelAsync();
            await watcher;
        }
    }

    /// <returns>The desired-state version applied whole (the one before when the round had no state).</returns>
    private async Task<long> RoundAsync(HostReconciler reconciler, VolumeReconciler volumes, ImageFetcher fetcher, GuestNetwork? network,
        ConsoleTails consoles, string hostId, long applied, CancellationToken cancellationToken)
    {
        Liveness.Beat("reconciling");
        var desired = Volatile.Read(ref _latest);
        HostReport? report = null;
        string? degraded = null;
        if (desired is not null)
        {
            try
            {
                report = await ApplyAsync(desired, reconciler, volumes, fetcher, network, cancellationToken);
                applied = desired.Version;
                if (Faults.Succeeded())
                {
                    LogRoundsRecovered(logger);
                }
            }
            catch (Exception e) when (IsRoundFault(e, cancellationToken))
            {
                // Nothing is undone: guests keep running as they are, and the server says why it is behind.
                degraded = NoteRoundFailed(e);
            }
        }

        report ??= new HostReport(hostId, applied, reconciler.Capacity(), reconciler.Observe(), []);
        report = reconciler.WithUsage(report with { Volumes = volumes.Observe(), TunnelAddress = network?.TunnelAddress, Degraded = degraded });
        if (_balancers is not null)
        {
            report = report with { LoadBalancerNodes = await _balancers.ObserveAsync(cancellationToken) };
        }

        if (_databases is not null)
        {
            report = _databases.Attach(report);
        }

        Liveness.Beat("reporting");
        using var reportTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        reportTimeout.CancelAfter(ReportTimeout);
        try
        {
            await api.ReportAsync(consoles.Attach(report), reportTimeout.Token);
        }
        catch
        {
            consoles.Forget();
            throw;
        }

        return applied;
    }

    /// <summary>One desired state applied: the switch, the guests, the switch again for new ports, the volumes.</summary>
    private async Task<HostReport> ApplyAsync(HostDesiredState desired, HostReconciler reconciler, VolumeReconciler volumes, ImageFetcher fetcher,
        GuestNetwork? network, CancellationToken cancellationToken)
    {
        // Instances whose image is not here yet wait for it (the download goes on beside this loop); the rest are applied now.
        var waiting = fetcher.Track(desired.Instances.Select(i => i.Image))
            .Where(s => s.Value.State != ImageFetchState.Ready)
            .ToDictionary(s => s.Key, s => s.Value.State == ImageFetchState.Failed ? s.Value.Reason ?? "unknown" : null, StringComparer.Ordinal);
        if (network is not null)
        {
            // The bridge first: guests started by the apply find it and plug their NICs in.
            await network.ApplyAsync(desired, cancellationToken);
        }

        // Encrypted volumes' secrets before the guests: a guest started with an encrypted disk needs its secret in libvirt.
        foreach (var fault in volumes.EnsureSecrets(desired.Volumes ?? []))
        {
            LogVolumeFault(logger, fault.VolumeId, fault.Message);
        }

        Liveness.Beat("converging instances");
        var report = reconciler.Apply(desired, waiting);
        // Database guests are driven beside the rounds: this only hands their loops the desired state.
        _databases?.Track(desired);
        if (_balancers is not null)
        {
            // Before the switch's second pass: the nodes' ports exist by then and get their VLAN and flows.
            Liveness.Beat("converging load balancer nodes");
            foreach (var (nodeId, message) in await _balancers.ApplyAsync(desired.LoadBalancerNodes ?? [], cancellationToken))
            {
                LogLoadBalancerNodeFault(logger, nodeId, message);
            }
        }

        if (network is not null)
        {
            Liveness.Beat("applying the network");
            // Again now that new guests' ports exist, so their flows are there before they boot.
            var result = await network.ApplyAsync(desired, cancellationToken);
            if (result.PendingInterfaces.Count > 0)
            {
                LogPendingPorts(logger, result.PendingInterfaces.Count);
            }

            if (result.UplinkProblem is { } problem)
            {
                LogNoUplink(logger, problem);
            }
        }

        // Volumes after instances: a volume is plugged into a domain that exists by now.
        Liveness.Beat("converging volumes");
        foreach (var fault in await volumes.ApplyAsync(desired.Volumes ?? [], cancellationToken))
        {
            LogVolumeFault(logger, fault.VolumeId, fault.Message);
        }

        foreach (var fault in report.Faults)
        {
            LogFault(logger, fault.InstanceId, fault.Message);
        }

        return report;
    }

    /// <summary>
    /// A round's fault that can clear by itself: anything but the agent being stopped. Faults that cannot clear
    /// (no or an invalid join token, an unusable state directory) happen before the rounds and end the agent.
    /// </summary>
    private static bool IsRoundFault(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && e is not (OutOfMemoryException or StackOverflowException);

    /// <returns>The cause, for the heartbeat.</returns>
    private string NoteRoundFailed(Exception e)
    {
        var cause = RoundFaults.Describe(e);
        if (Faults.Failed(cause))
        {
            LogRoundFailed(logger, cause, Faults.Total);
        }

        return cause;
    }

    private async Task<HostCredential> EnrolAsync(HostCapacity capacity, CancellationToken cancellationToken)
    {
        if (HostCredential.Load(options.StateDirectory) is { } saved)
        {
            return saved;
        }

        var token = options.JoinToken;
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new InvalidOperationException(
                $"This host has not enrolled and has no join token: set Agent__JoinToken (from POST /api/v1/ec2/hosts/join-tokens) or put {HostCredential.FileName} in {options.StateDirectory}.");
        }

        // Saved before the first request: asking again after a crash, with the same token and secret, answers the same host.
        var secret = HostCredential.EnrolmentSecret(options.StateDirectory);
        var name = options.HostName ?? Environment.MachineName;
        for (var attempt = 1; ; attempt++)
        {
            Liveness.Beat("enrolling");
            try
            {
                var enrolled = await api.EnrolAsync(new EnrolRequest(token, name, capacity, secret), cancellationToken);
                var credential = new HostCredential(enrolled.HostId, secret, enrolled.AvailabilityZone, options.ApiUrl);
                credential.Save(options.StateDirectory);
                return credential;
            }
            catch (HttpRequestException e)
            {
                // The API may not be up yet; the token stays valid, so keep asking.
                LogApiUnreachable(logger, e.Message);
                await DelayAsync(TimeSpan.FromSeconds(Math.Min(30, attempt * 2)), cancellationToken);
            }
        }
    }

    /// <summary>Waits, beating the liveness every few seconds: waiting to try again is the loop doing its work.</summary>
    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        var until = clock.GetUtcNow() + delay;
        for (var left = delay; left > TimeSpan.Zero; left = until - clock.GetUtcNow())
        {
            await Task.Delay(left < TimeSpan.FromSeconds(5) ? left : TimeSpan.FromSeconds(5), clock, cancellationToken);
            Liveness.Beat(Liveness.Activity);
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        long after = -1;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (await api.WaitForDesiredStateAsync(after, options.LongPollWait, cancellationToken) is { } state)
                {
                    Volatile.Write(ref _latest, state);
                    after = state.Version;
                    _wake.Writer.TryWrite(true);
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is HttpRequestException or AgentApiException or TaskCanceledException)
            {
                LogApiUnreachable(logger, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), clock, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task ForwardEventsAsync(ChannelReader<DomainLifecycleEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var _ in events.ReadAllAsync(cancellationToken))
            {
                // A guest stopped or crashed on its own: report it now, not at the next heartbeat.
                _wake.Writer.TryWrite(true);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private DomainEventSubscription? TrySubscribe(LibvirtConnection libvirt, ChannelWriter<DomainLifecycleEvent> writer)
    {
        try
        {
            return libvirt.SubscribeLifecycleEvents(writer);
        }
        catch (LibvirtException e)
        {
            LogNoEvents(logger, e.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Load balancer node {NodeId}: {Message}")]
    private static partial void LogLoadBalancerNodeFault(ILogger logger, string nodeId, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Host {HostId} in {Zone} serving {LibvirtUri}")]
    private static partial void LogStarted(ILogger logger, string hostId, string zone, string libvirtUri);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} guest ports not on the bridge yet; their flows follow next round")]
    private static partial void LogPendingPorts(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No public networking on this server this round (VPCs unaffected): {Problem}")]
    private static partial void LogNoUplink(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "API unreachable: {Reason}")]
    private static partial void LogApiUnreachable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "libvirt at {LibvirtUri} unreachable: {Reason}")]
    private static partial void LogLibvirtUnreachable(ILogger logger, string libvirtUri, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The connection to libvirt at {LibvirtUri} broke; connecting again")]
    private static partial void LogLibvirtLost(ILogger logger, string libvirtUri);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to libvirt at {LibvirtUri} again; domain events subscribed anew")]
    private static partial void LogReconnected(ILogger logger, string libvirtUri);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Instance {InstanceId} could not be converged: {Reason}")]
    private static partial void LogFault(ILogger logger, string instanceId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Volume {VolumeId} could not be converged: {Reason}")]
    private static partial void LogVolumeFault(ILogger logger, string volumeId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconcile round failed ({Total} failed rounds so far); retrying with backoff, logged again when the cause changes: {Reason}")]
    private static partial void LogRoundFailed(ILogger logger, string reason, long total);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconcile rounds go through again")]
    private static partial void LogRoundsRecovered(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No domain events from libvirt ({Reason}); state changes are seen at the next heartbeat")]
    private static partial void LogNoEvents(ILogger logger, string reason);
}
