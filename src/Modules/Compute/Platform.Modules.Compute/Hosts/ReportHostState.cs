using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.HostAgent.Protocol;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Compute.Instances;
using Platform.Modules.Compute.Metrics;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Database.Contracts;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Storage.Contracts;

namespace Platform.Modules.Compute.Hosts;

/// <summary>
/// A heartbeat: the host's capacity and what its agent observed. Instances move along EC2's state machine
/// from it (pending → running, stopping → stopped, shutting-down → terminated, a guest's own shutdown
/// → stopped, or shutting-down when its instanceInitiatedShutdownBehavior is terminate). The report speaks for an instance only once the agent has applied that instance's latest
/// change, so a report made before a stop or start cannot undo it.
/// </summary>
internal sealed record ReportHostState(string HostId, HostReport Report) : IRequest<long>;

internal sealed class ReportHostStateHandler(ComputeDbContext db, DesiredStateSignals signals, ISender sender, IPublisher publisher, UsageRecorder usage, TimeProvider clock)
    : IRequestHandler<ReportHostState, long>
{
    public async ValueTask<long> Handle(ReportHostState request, CancellationToken cancellationToken)
    {
        var version = await ConcurrencyRetry.RunAsync(db, () => ApplyAsync(request, cancellationToken));
        if (request.Report.Volumes is { } volumes)
        {
            // Block volumes are Storage's: it moves them along EBS's states from what the agent saw.
            await sender.Send(new RecordObservedVolumes(request.HostId, request.Report.AppliedVersion,
                volumes.Select(v => new ObservedVolume(v.VolumeId, v.AttachedInstanceId, v.CapacityBytes)).ToList()), cancellationToken);
        }

        if (request.Report.LoadBalancerNodes is { Count: > 0 } nodes)
        {
            // Load balancers are Network's: it records the targets' health and moves its balancers to active.
            await publisher.Publish(new LoadBalancerNodesReported(request.HostId, JsonSerializer.Serialize(nodes, AgentApi.Json)), cancellationToken);
        }

        return version;
    }

    private async Task<long> ApplyAsync(ReportHostState request, CancellationToken cancellationToken)
    {
        var report = request.Report;
        var now = clock.GetUtcNow().UtcDateTime;
        var host = await db.Hosts.SingleAsync(h => h.Id == request.HostId, cancellationToken);
        host.Cpus = report.Capacity.Cpus;
        host.MemoryMiB = report.Capacity.MemoryMib;
        host.DiskBytes = report.Capacity.DiskBytes;
        host.DiskFreeBytes = report.Capacity.DiskFreeBytes;
        host.RunningDomains = report.Capacity.RunningDomains;
        host.AppliedVersion = Math.Min(report.AppliedVersion, host.DesiredVersion);
        host.LastHeartbeatAt = now;
        host.DegradedReason = report.Degraded is { Length: > 1024 } reason ? reason[..1024] : report.Degraded;
        var tunnelMoved = report.TunnelAddress is not null && report.TunnelAddress != host.TunnelAddress;
        host.TunnelAddress = report.TunnelAddress ?? host.TunnelAddress;

        var observed = report.Instances.ToDictionary(i => i.InstanceId, i => i.Power, StringComparer.Ordinal);
        var consoles = report.Instances.Where(i => i.ConsoleOutput is not null).ToDictionary(i => i.InstanceId, i => i.ConsoleOutput!, StringComparer.Ordinal);
        var faults = report.Faults.ToDictionary(f => f.InstanceId, f => f.Message, StringComparer.Ordinal);
        var instances = await db.Instances
            .Where(i => i.HostId == host.Id && i.State != InstanceStates.Terminated)
            .ToListAsync(cancellationToken);
        var desiredChanged = false;
        foreach (var instance in instances.Where(i => consoles.ContainsKey(i.Id)))
        {
            var output = consoles[instance.Id];
            instance.ConsoleOutput = output.Length > InstanceReport.MaxConsoleBytes ? output[^InstanceReport.MaxConsoleBytes..] : output;
            instance.ConsoleUpdatedAt = now;
        }

        foreach (var instance in instances.Where(i => report.AppliedVersion >= i.ChangedAtVersion))
        {
            var power = observed.TryGetValue(instance.Id, out var p) ? p : (ObservedPower?)null;
            desiredChanged |= Advance(instance, power, faults.GetValueOrDefault(instance.Id), now);
            if (instance.State == InstanceStates.Terminated)
            {
                db.AddNotification(new InstanceTerminated(instance.AccountId, instance.Id, now));
            }
        }

        PassOnDatabaseReports(instances, report.Instances);

        // The guests' usage since the last heartbeat, in the same commit: a retried report is not counted twice.
        await usage.RecordAsync(instances, report.Instances, now, cancellationToken);

        if (desiredChanged)
        {
            host.DesiredVersion++;
            foreach (var instance in instances.Where(i => db.Entry(i).Property(x => x.DesiredPower).IsModified))
            {
                instance.ChangedAtVersion = host.DesiredVersion;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        if (desiredChanged)
        {
            signals.Changed(host.Id);
        }

        if (tunnelMoved)
        {
            // The servers sharing a VPC with this one (through its instances or the NAT gateways it carries) must point
            // their tunnels at the new address.
            var carried = await sender.Send(new DescribeHostNetworkEdge(host.Id, []), cancellationToken);
            var vpcs = instances.Where(i => i.VpcId is not null).Select(i => i.VpcId!)
                .Concat(carried.NatGatewaysHere.Select(n => n.VpcId)).Distinct().ToList();
            await HostVersions.BumpHostsOfVpcsAsync(db, signals, sender, vpcs, cancellationToken);
        }

        return host.DesiredVersion;
    }

    /// <summary>
    /// A DB instance's guest reported its database: the Database module gets the report (through the outbox, in this
    /// commit) when it differs from the last one passed on, figures left aside. Keyed by the DB instance's resource id.
    /// </summary>
    private void PassOnDatabaseReports(List<Instance> instances, IReadOnlyList<InstanceReport> reports)
    {
        var byId = reports.Where(r => r.Database is not null).ToDictionary(r => r.InstanceId, r => r.Database!, StringComparer.Ordinal);
        foreach (var instance in instances.Where(i => i.ManagedBy == ManagedModules.Rds && i.ManagedResourceId is not null && i.State != InstanceStates.Terminated))
        {
            if (!byId.TryGetValue(instance.Id, out var database))
            {
                continue;
            }

            var json = JsonSerializer.Serialize(database, AgentApi.Json);
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(database with { Metrics = null }, AgentApi.Json))));
            if (hash == instance.ManagedReportHash)
            {
                continue;
            }

            instance.ManagedReportHash = hash;
            db.AddNotification(new DatabaseGuestReported(instance.ManagedResourceId!, json));
        }
    }

    /// <summary>Moves one instance along the state machine; true when what the host should do changed too.</summary>
    private static bool Advance(Instance instance, ObservedPower? power, string? fault, DateTime now)
    {
        switch (instance.State)
        {
            case InstanceStates.Pending when power == ObservedPower.Running:
                instance.State = InstanceStates.Running;
                instance.StateReason = null;
                instance.LaunchedAt = now;
                return false;
            case InstanceStates.Pending when fault is not null && instance.LaunchedAt is null:
                // A launch the host cannot carry out ends as EC2's does: terminated, with the reason.
                instance.State = InstanceStates.ShuttingDown;
                instance.StateReason = $"Server.InternalError: {fault}";
                instance.DesiredPower = DesiredPowers.Absent;
                return true;
            case InstanceStates.Pending when fault is not null:
                instance.State = InstanceStates.Stopped;
                instance.StateReason = $"Server.InternalError: {fault}";
                instance.DesiredPower = DesiredPowers.Stopped;
                return true;
            case InstanceStates.Stopping when power is null or ObservedPower.Stopped or ObservedPower.Crashed:
                instance.State = InstanceStates.Stopped;
                instance.StateReason = instance.SpotActionTime is not null && instance.StateReason == SpotInterruptionJob.InterruptedReason
                    ? SpotInterruptionJob.InterruptedReason
                    : "Client.UserInitiatedShutdown: User initiated shutdown";
                return false;
            case InstanceStates.Running when power is ObservedPower.Stopped && instance.InstanceInitiatedShutdownBehavior == ShutdownBehaviors.Terminate:
                // The guest powered itself off and its instanceInitiatedShutdownBehavior is terminate: EC2 terminates it.
                instance.State = InstanceStates.ShuttingDown;
                instance.StateReason = "Client.InstanceInitiatedShutdown: Instance initiated shutdown";
                instance.DesiredPower = DesiredPowers.Absent;
                return true;
            case InstanceStates.Pending when fault is null && power is (ObservedPower.Stopped or ObservedPower.Crashed):
            case InstanceStates.Running when power is ObservedPower.Stopped or ObservedPower.Crashed:
                // The guest powered itself off (or crashed): EC2's default shutdown behaviour is to stop (a crash always stops). A pending one
                // (this report is of a version past its start) went down before a heartbeat saw it running; the agent
                // leaves it off as on EC2.
                instance.State = InstanceStates.Stopped;
                instance.StateReason = power == ObservedPower.Crashed
                    ? "Server.InternalError: The guest crashed"
                    : "Client.InstanceInitiatedShutdown: Instance initiated shutdown";
                instance.DesiredPower = DesiredPowers.Stopped;
                return true;
            case InstanceStates.ShuttingDown when power is null:
                instance.State = InstanceStates.Terminated;
                instance.TerminatedAt = now;
                instance.StateReason ??= "Client.UserInitiatedShutdown: User initiated shutdown";
                return false;
            default:
                return false;
        }
    }
}
