using System.Globalization;
using System.Text.Json;
using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Modules.Compute.Alarms;
using Platform.Modules.Compute.AutoScaling.InstanceRefreshes;
using Platform.Modules.Compute.AutoScaling.LaunchTemplates;
using Platform.Modules.Compute.AutoScaling.LifecycleHooks;
using Platform.Modules.Compute.Instances;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;

namespace Platform.Modules.Compute.AutoScaling.Groups;

/// <summary>What one pass over the groups did.</summary>
internal sealed record ScalingGroupPass(int GroupsConverged, int Launched, int Terminated, int GroupsSkipped);

/// <summary>
/// Brings every Auto Scaling group to its desired capacity, every 15 seconds on every API replica. Each group is taken
/// under a lease (one conditional update of its row: <c>lease_expires_at</c> past or empty), so two runners never act
/// on one group at once; a runner that dies leaves a lease that expires. A launch is recorded before it is made (the
/// group's instance row, keyed by the EC2 client token the launch then uses), so a crash between the two is resumed
/// with the same token and gives the same instance, never a second one nor one forgotten. Launches never take the group
/// past its desired capacity, which never exceeds its maximum, but for the headroom an instance refresh's maximum healthy
/// percentage allows while it replaces (as AWS, even above the maximum size).
/// </summary>
internal sealed partial class ScalingGroupJob(IServiceScopeFactory scopes, ComputeDbContext db, TimeProvider clock, ILogger<ScalingGroupJob> logger)
{
    public const string RecurringJobId = "autoscaling-groups";

    public static readonly TimeSpan LeaseLength = TimeSpan.FromMinutes(2);

    public const string GroupNameTag = "aws:autoscaling:groupName";

    [AutomaticRetry(Attempts = 0)]
    public async Task<ScalingGroupPass> RunAsync(CancellationToken cancellationToken)
    {
        var holder = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
        var ids = await db.ScalingGroups.AsNoTracking().OrderBy(g => g.Id).Select(g => g.Id).ToListAsync(cancellationToken);
        int converged = 0, launched = 0, terminated = 0, skipped = 0;
        foreach (var id in ids)
        {
            if (!await TryLeaseAsync(id, holder, cancellationToken))
            {
                skipped++;
                continue;
            }

            try
            {
                var (up, down) = await ConvergeAsync(id, cancellationToken);
                converged++;
                launched += up;
                terminated += down;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogGroupFailed(logger, id, e);
            }
            finally
            {
                await db.ScalingGroups.Where(g => g.Id == id && g.LeaseHolder == holder)
                    .ExecuteUpdateAsync(s => s.SetProperty(g => g.LeaseHolder, (string?)null).SetProperty(g => g.LeaseExpiresAt, (DateTime?)null), CancellationToken.None);
            }
        }

        return new ScalingGroupPass(converged, launched, terminated, skipped);
    }

    private async Task<bool> TryLeaseAsync(string id, string holder, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + LeaseLength;
        return await db.ScalingGroups.Where(g => g.Id == id && (g.LeaseExpiresAt == null || g.LeaseExpiresAt < now))
            .ExecuteUpdateAsync(s => s.SetProperty(g => g.LeaseHolder, holder).SetProperty(g => g.LeaseExpiresAt, until), cancellationToken) == 1;
    }

    /// <summary>One group, in a scope of its own that acts as the group's account (as AWS's service-linked role for Auto Scaling).</summary>
    private async Task<(int Launched, int Terminated)> ConvergeAsync(string groupId, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var services = scope.ServiceProvider;
        var groupDb = services.GetRequiredService<ComputeDbContext>();
        var group = await groupDb.ScalingGroups.SingleAsync(g => g.Id == groupId, cancellationToken);
        services.GetRequiredService<CallerContext>().Authenticate(new CallerIdentity(group.AccountId, Arns.AccountRoot(group.AccountId),
            group.AccountId, null, "autoscaling.amazonaws.com"), new Dictionary<string, string>());
        var converger = new GroupConverger(groupDb, services.GetRequiredService<ISender>(), clock, group);
        return await converger.RunAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auto Scaling group {GroupId} could not be converged; the next pass tries again")]
    private static partial void LogGroupFailed(ILogger logger, string groupId, Exception exception);
}

/// <summary>One pass over one leased group: observe its instances, resume recorded launches, then launch or terminate toward the desired capacity.</summary>
internal sealed class GroupConverger(ComputeDbContext db, ISender sender, TimeProvider clock, ScalingGroup group)
{
    /// <summary>The rows this pass loaded: tracked again after EC2's terminate, which clears the shared context's tracker.</summary>
    private List<ScalingGroupInstance> _loaded = [];

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private static string Time(DateTime t) => t.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>AWS's causes begin with why the desired capacity changed, two spaces before what was done about it.</summary>
    private string Prefix() => group.CapacityChangeCause is { } cause ? cause + "  " : "";

    public async Task<(int Launched, int Terminated)> RunAsync(CancellationToken cancellationToken)
    {
        var members = await db.ScalingGroupInstances.Where(i => i.GroupId == group.Id && i.LifecycleState != LifecycleStates.Terminated)
            .ToListAsync(cancellationToken);
        _loaded = [.. members];

        // Instances waiting at launch hooks: on toward service once every action has its result, terminated if one was abandoned.
        foreach (var waiting in members.Where(m => m.LifecycleState == LifecycleStates.PendingWait).ToList())
        {
            await FinishLaunchWaitAsync(waiting, cancellationToken);
        }

        await ObserveAsync(members, cancellationToken);
        var suspended = ScalingGroupLookup.Json<SuspendedProcess>(group.SuspendedProcesses).Select(p => p.ProcessName).ToHashSet(StringComparer.Ordinal);
        if (group.Status != ScalingGroupLookup.DeleteInProgress)
        {
            await ScheduledActions.ScheduledActionRunner.ApplyDueAsync(db, group, Now, suspended.Contains(ScalingProcesses.ScheduledActions), cancellationToken);
        }

        var launched = 0;
        var terminated = 0;

        // Launches recorded but not known to have happened (a crash, a failed call): again, with the same client token.
        foreach (var intent in members.Where(m => m.InstanceId is null && m.LifecycleState == LifecycleStates.Pending).ToList())
        {
            launched += await LaunchAsync(intent, cancellationToken) ? 1 : 0;
        }

        // Instances draining out of the target groups before termination: terminated once no target group holds them.
        foreach (var draining in members.Where(m => m.LifecycleState == LifecycleStates.TerminatingWait).ToList())
        {
            await FinishDrainingAsync(draining, cancellationToken);
        }

        var failedElb = group.HealthCheckType == "ELB" && !suspended.Contains(ScalingProcesses.HealthCheck)
            ? await ObserveTargetHealthAsync(members, cancellationToken)
            : [];
        if (!suspended.Contains(ScalingProcesses.ReplaceUnhealthy))
        {
            foreach (var sick in members.Where(m => m.HealthStatus == "Unhealthy" && (m.LifecycleState == LifecycleStates.InService || LifecycleStates.IsPending(m.LifecycleState))).ToList())
            {
                await TerminateAsync(sick, failedElb.Contains(sick.ClientToken)
                    ? "an instance was taken out of service in response to an ELB system health check failure"
                    : "an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped", cancellationToken);
                terminated++;
            }
        }

        if (group.Status != ScalingGroupLookup.DeleteInProgress && !suspended.Contains(ScalingProcesses.AlarmNotification))
        {
            await new Policies.TargetTracking(db, Now).ApplyAsync(group, members, cancellationToken);
        }

        // A refresh with a maximum healthy percentage above 100 launches replacements before it terminates: capacity above the desired
        // (and above the group's maximum size when the desired is at it). Launches while a refresh runs are of the configuration it brings
        // instances to: its desired one, or the one before it while it rolls back.
        var extra = 0;
        LaunchConfig? launchFrom = null;
        if (group.Status != ScalingGroupLookup.DeleteInProgress && !suspended.Contains(ScalingProcesses.InstanceRefresh))
        {
            (var taken, extra, launchFrom) = await RefreshAsync(members, cancellationToken);
            terminated += taken;
        }

        var live = members.Where(m => m.LifecycleState == LifecycleStates.InService || LifecycleStates.IsPending(m.LifecycleState)).ToList();
        if (group.Status == ScalingGroupLookup.DeleteInProgress)
        {
            foreach (var member in live)
            {
                await TerminateAsync(member, "an instance was taken out of service in response to a user request to delete the group", cancellationToken);
                terminated++;
            }

            await ForgetIfEmptyAsync(cancellationToken);
            return (launched, terminated);
        }

        var capacity = group.DesiredCapacity + extra;
        if (live.Count < capacity && !suspended.Contains(ScalingProcesses.Launch))
        {
            var from = live.Count;
            var intents = await RecordLaunchesAsync(live, capacity - live.Count, from, launchFrom, cancellationToken);
            foreach (var intent in intents)
            {
                launched += await LaunchAsync(intent, cancellationToken) ? 1 : 0;
            }
        }
        else if (live.Count > capacity && !suspended.Contains(ScalingProcesses.Terminate))
        {
            var victims = TerminationOrder.Choose(live, live.Count - capacity, ScalingGroupLookup.Json<string>(group.TerminationPolicies));
            var size = live.Count;
            foreach (var victim in victims)
            {
                await TerminateAsync(victim,
                    $"an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from {size} to {size - 1}.  At {Time(Now)} instance {victim.InstanceId} was selected for termination",
                    cancellationToken, capacityChanged: true);
                size--;
                terminated++;
            }
        }

        await RegisterTargetsAsync(members, suspended, cancellationToken);
        await RecordMetricsAsync(cancellationToken);
        return (launched, terminated);
    }

    /// <summary>
    /// The group's enabled AWS/AutoScaling metrics for this minute, as the pass leaves the group: once a minute, by the first pass
    /// in it (the lease makes that one runner; the datapoint's key makes a second attempt in the minute a no-op).
    /// </summary>
    private async Task RecordMetricsAsync(CancellationToken cancellationToken)
    {
        var enabled = ScalingGroupLookup.Json<string>(group.EnabledMetrics);
        if (enabled.Count == 0)
        {
            return;
        }

        var now = Now;
        var minute = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);
        var recorded = await db.ScalingGroupMetrics.AsNoTracking()
            .Where(m => m.AccountId == group.AccountId && m.GroupName == group.Name && m.PeriodStart == minute)
            .Select(m => m.MetricName).ToListAsync(cancellationToken);
        var members = await db.ScalingGroupInstances.AsNoTracking()
            .Where(i => i.GroupId == group.Id && i.LifecycleState != LifecycleStates.Terminated).ToListAsync(cancellationToken);
        var added = enabled.Where(m => !recorded.Contains(m)).Select(m => new ScalingGroupMetricMinute
        {
            AccountId = group.AccountId,
            GroupName = group.Name,
            MetricName = m,
            PeriodStart = minute,
            Value = Metrics.AutoScalingMetricCatalog.Value(m, group, members),
        }).ToList();
        if (added.Count == 0)
        {
            return;
        }

        db.ScalingGroupMetrics.AddRange(added);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Recorded meanwhile by a runner whose lease had run out: this minute has its datapoints.
            foreach (var row in added)
            {
                db.Entry(row).State = EntityState.Detached;
            }
        }
    }

    /// <summary>Each member's instance as EC2 sees it: running is InService; stopped or gone is unhealthy (an EC2 health check); terminated ends it.</summary>
    private async Task ObserveAsync(List<ScalingGroupInstance> members, CancellationToken cancellationToken)
    {
        var ids = members.Where(m => m.InstanceId is not null).Select(m => m.InstanceId!).ToList();
        var states = await db.Instances.AsNoTracking().Where(i => ids.Contains(i.Id)).ToDictionaryAsync(i => i.Id, i => i.State, StringComparer.Ordinal, cancellationToken);
        foreach (var member in members.Where(m => m.InstanceId is not null))
        {
            var state = states.GetValueOrDefault(member.InstanceId!, InstanceStates.Terminated);
            switch (state)
            {
                case InstanceStates.Running when member.LifecycleState is LifecycleStates.Pending or LifecycleStates.PendingProceed:
                    member.LifecycleState = LifecycleStates.InService;
                    member.LaunchedAt ??= Now;
                    break;
                case InstanceStates.Terminated when member.LifecycleState == LifecycleStates.TerminatingWait:
                    // Terminated by hand while it drained: nothing is left to wait for.
                    member.LifecycleState = LifecycleStates.Terminated;
                    await FinishActivityAsync(member, cancellationToken);
                    break;
                case InstanceStates.Terminated:
                    member.HealthStatus = member.LifecycleState == LifecycleStates.Terminating ? member.HealthStatus : "Unhealthy";
                    member.LifecycleState = member.LifecycleState == LifecycleStates.Terminating ? LifecycleStates.Terminated : member.LifecycleState;
                    break;
                case InstanceStates.Stopping or InstanceStates.Stopped or InstanceStates.ShuttingDown
                    when member.LifecycleState is not (LifecycleStates.Terminating or LifecycleStates.TerminatingWait):
                    member.HealthStatus = "Unhealthy";
                    break;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        members.RemoveAll(m => m.LifecycleState == LifecycleStates.Terminated);
    }

    /// <summary>Records the launches first, one activity each, spread so that the subnets' zones stay balanced.</summary>
    private async Task<List<ScalingGroupInstance>> RecordLaunchesAsync(List<ScalingGroupInstance> live, int count, int from, LaunchConfig? launchFrom,
        CancellationToken cancellationToken)
    {
        var config = launchFrom ?? await ResolveAsync(group.LaunchTemplateId, group.LaunchTemplateVersion, cancellationToken);
        var subnets = ScalingGroupLookup.Json<string>(group.Subnets).ToList();
        var zones = ScalingGroupLookup.Json<string>(group.AvailabilityZones).ToList();
        var perZone = zones.Distinct(StringComparer.Ordinal).ToDictionary(z => z, z => live.Count(m => m.AvailabilityZone == z), StringComparer.Ordinal);
        var intents = new List<ScalingGroupInstance>();
        var now = Now;
        for (var n = 0; n < count; n++)
        {
            // The zone with the fewest instances; its first subnet. Ties go to the order of vpc_zone_identifier.
            var zone = perZone.OrderBy(z => z.Value).ThenBy(z => zones.IndexOf(z.Key)).First().Key;
            perZone[zone]++;
            var token = Guid.NewGuid().ToString();
            var intent = new ScalingGroupInstance
            {
                ClientToken = token,
                GroupId = group.Id,
                AccountId = group.AccountId,
                AvailabilityZone = zone,
                SubnetId = subnets[zones.IndexOf(zone)],
                LifecycleState = LifecycleStates.Pending,
                ProtectedFromScaleIn = group.NewInstancesProtectedFromScaleIn,
                LaunchTemplateId = config.TemplateId,
                LaunchTemplateVersion = config.Version,
                CreatedAt = now,
            };
            intents.Add(intent);
            db.ScalingGroupInstances.Add(intent);
            db.ScalingActivities.Add(new ScalingActivity
            {
                Id = token,
                GroupId = group.Id,
                AccountId = group.AccountId,
                Description = "Launching a new EC2 instance",
                Cause = $"{Prefix()}At {Time(now)} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from {from + n} to {from + n + 1}.",
                StatusCode = "PreInService",
                Progress = 30,
                StartTime = now,
            });
        }

        // The group's row changes too: a runner whose lease had run out and was taken by another fails here rather than launch twice.
        group.LeaseExpiresAt = now + ScalingGroupJob.LeaseLength;
        await db.SaveChangesAsync(cancellationToken);
        return intents;
    }

    private async Task<bool> LaunchAsync(ScalingGroupInstance intent, CancellationToken cancellationToken)
    {
        var activity = await db.ScalingActivities.SingleOrDefaultAsync(a => a.Id == intent.ClientToken, cancellationToken);
        try
        {
            var template = await db.LaunchTemplates.AsNoTracking().SingleAsync(t => t.Id == (intent.LaunchTemplateId ?? group.LaunchTemplateId), cancellationToken);
            var version = await db.LaunchTemplateVersions.AsNoTracking()
                .SingleAsync(v => v.TemplateId == template.Id && v.VersionNumber == intent.LaunchTemplateVersion, cancellationToken);
            var data = LaunchTemplateData.From(version);
            var groupTags = ScalingGroupLookup.Json<GroupTag>(group.Tags).Where(t => t.PropagateAtLaunch == true).Select(t => new TagSpecification(t.Key, t.Value));
            var response = await sender.Send(new RunInstances(data.InstanceType ?? "t3.micro", data.ImageId, data.KeyName, data.SecurityGroups, intent.ClientToken, null,
                (data.Tags ?? []).Concat(groupTags).DistinctBy(t => t.Key, StringComparer.Ordinal).ToList(), intent.SubnetId, data.UserData, null,
                [new TagSpecification(ScalingGroupJob.GroupNameTag, group.Name)]), cancellationToken);
            intent.InstanceId = response.InstanceId;
            // The wait at launch hooks is saved with the instance id, in one commit: a pass resuming after a crash never skips it.
            var waits = new LifecycleWaits(db, group, Now);
            var hooks = await waits.HooksAsync(LifecycleHookLookup.Launching, cancellationToken);
            if (hooks.Count > 0)
            {
                intent.LifecycleState = LifecycleStates.PendingWait;
                await waits.OpenAsync(intent, LifecycleHookLookup.Launching, hooks, cancellationToken);
            }

            if (activity is not null)
            {
                activity.Description = $"Launching a new EC2 instance: {response.InstanceId}";
                activity.StatusCode = hooks.Count > 0 ? MidLifecycleAction : "Successful";
                activity.Progress = hooks.Count > 0 ? 40 : 100;
                activity.EndTime = hooks.Count > 0 ? null : Now;
            }

            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (ApiException e)
        {
            // The launch was refused (no capacity, an image gone): the record goes, so the next pass tries afresh.
            intent.LifecycleState = LifecycleStates.Terminated;
            if (activity is not null)
            {
                activity.Description = "Launching a new EC2 instance.  Status Reason: " + e.Message;
                activity.StatusCode = "Failed";
                activity.StatusMessage = e.Message;
                activity.Progress = 100;
                activity.EndTime = Now;
            }

            await db.SaveChangesAsync(cancellationToken);
            return false;
        }
    }

    /// <summary>
    /// Takes a member out of service. With target groups it is first deregistered from them and waits in
    /// <c>Terminating:Wait</c> for their deregistration delay (connection draining, as AWS does); the instance is terminated
    /// by the pass that finds it drained. The state is saved before the deregistration, so a crash between the two is
    /// resumed by the next pass (deregistering is idempotent).
    /// </summary>
    private async Task TerminateAsync(ScalingGroupInstance member, string cause, CancellationToken cancellationToken, bool capacityChanged = false)
    {
        var now = Now;
        var drains = member.InstanceId is not null && ScalingGroupLookup.Json<string>(group.TargetGroupArns).Count > 0;
        // Recorded before anything is done: a pass that dies after this is finished by the next one (FinishDrainingAsync).
        member.LifecycleState = member.InstanceId is null ? LifecycleStates.Terminated : LifecycleStates.TerminatingWait;
        db.ScalingActivities.Add(new ScalingActivity
        {
            Id = Guid.NewGuid().ToString(),
            GroupId = group.Id,
            AccountId = group.AccountId,
            Description = TerminationDescription(member),
            Cause = $"{(capacityChanged ? Prefix() : "")}At {Time(now)} {cause}.",
            StatusCode = drains ? WaitingForDraining : "InProgress",
            Progress = 50,
            StartTime = now,
        });
        await db.SaveChangesAsync(cancellationToken);
        if (member.InstanceId is null)
        {
            await FinishActivityAsync(member, cancellationToken);
            return;
        }

        await FinishDrainingAsync(member, cancellationToken);
    }

    /// <summary>EC2's terminate, on this scope's context: it clears the context's tracker, so the pass's rows (all saved first) are tracked again after.</summary>
    private async Task TerminateInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        await db.SaveChangesAsync(cancellationToken);
        await sender.Send(new TerminateInstance(instanceId, ByAutoScaling: true), cancellationToken);
        if (db.Entry(group).State == EntityState.Detached)
        {
            db.Attach(group);
        }

        foreach (var row in _loaded.Where(r => db.Entry(r).State == EntityState.Detached))
        {
            db.Attach(row);
        }
    }

    /// <summary>Auto Scaling's status code while an instance drains out of its load balancers.</summary>
    private const string WaitingForDraining = "WaitingForELBConnectionDraining";

    private static string TerminationDescription(ScalingGroupInstance member) => $"Terminating EC2 instance: {member.InstanceId}";

    /// <summary>
    /// A member in <c>Terminating:Wait</c>: deregistered from every target group that still has it in service, and
    /// terminated once none holds it any more (each has drained it for its deregistration delay, or is gone).
    /// </summary>
    private async Task FinishDrainingAsync(ScalingGroupInstance member, CancellationToken cancellationToken)
    {
        var instanceId = member.InstanceId!;
        var drained = true;
        foreach (var arn in ScalingGroupLookup.Json<string>(group.TargetGroupArns))
        {
            var mine = (await TargetHealthAsync(arn, cancellationToken)).Where(h => h.InstanceId == instanceId).ToList();
            if (mine.Count == 0)
            {
                continue;
            }

            if (mine.Any(h => h.State != "draining"))
            {
                // Not yet deregistered (the pass that decided crashed first, or the target was registered again by hand).
                try
                {
                    await sender.Send(new DeregisterGroupTargets(group.AccountId, arn, [instanceId]), cancellationToken);
                }
                catch (ApiException)
                {
                    // The target group went meanwhile: nothing to drain from.
                }
            }

            // A target group without a deregistration delay lets it go at once.
            drained &= !await HoldsAsync(arn, instanceId, cancellationToken);
        }

        if (!drained || !await TerminationHooksDoneAsync(member, cancellationToken))
        {
            return;
        }

        await TerminateInstanceAsync(instanceId, cancellationToken);
        member.LifecycleState = LifecycleStates.Terminating;
        await FinishActivityAsync(member, cancellationToken);
    }

    /// <summary>A launch template and a version number: what an instance was launched from, or is to be.</summary>
    internal readonly record struct LaunchConfig(string TemplateId, long Version);

    private LaunchConfig Config(ScalingGroupInstance m) => new(m.LaunchTemplateId ?? group.LaunchTemplateId, m.LaunchTemplateVersion);

    /// <summary>A launch template and version as a group or a refresh names it (<c>$Latest</c>, <c>$Default</c> or a number), resolved now.</summary>
    private async Task<LaunchConfig> ResolveAsync(string templateId, string? version, CancellationToken cancellationToken)
    {
        var template = await db.LaunchTemplates.AsNoTracking().SingleAsync(t => t.Id == templateId, cancellationToken);
        return new LaunchConfig(template.Id, LaunchTemplateLookup.Resolve(template, version) ?? template.DefaultVersion);
    }

    /// <summary>
    /// The group's active instance refresh, one step per pass. The instances to replace are those not launched from the configuration the
    /// refresh brings them to (its desired configuration, else the group's launch template and version) and, unless SkipMatching, every one
    /// launched before the refresh began. Instances protected from scale in are replaced (ScaleInProtectedInstances Refresh), left alone
    /// (Ignore) or, AWS's default, waited for: once everything else is done the refresh waits up to an hour for their protection to go, then
    /// fails. Without a maximum healthy percentage instances are taken out of service while the healthy, warmed-up instances stay at the
    /// minimum healthy percentage of the desired capacity (at least one at a time) and this pass's capacity step launches their replacements;
    /// with one (100-200 %) the pass first allows that much capacity above the desired (even above the group's maximum size), so the
    /// replacements come up before the old instances go. Replacing stops at each checkpoint percentage until the replacements are in service
    /// and warm, then waits the checkpoint delay (StatusReason says so). Done (Successful) when none is left (or the last checkpoint below
    /// 100 % is waited out) and every instance is healthy and warm; a desired configuration then becomes the group's. Launches refused
    /// <see cref="InstanceRefreshStatus.FailedLaunchesToFail"/> times since it began fail it, or with AutoRollback start its rollback.
    /// A rollback (RollbackInProgress) is the same walk back to the configuration the group had when the refresh began, replacing only the
    /// instances not on it, without checkpoints; it ends RollbackSuccessful, or RollbackFailed on refused launches. All of it is the refresh's
    /// row and the group's instances, read each pass under the group's lease, so a rerun, another replica or a restarted API goes on from
    /// there; the row's status is a concurrency token, so a pass never writes over a cancel or rollback the API made meanwhile.
    /// </summary>
    /// <returns>Instances terminated, the capacity the refresh allows above the desired in this pass, and what launches are made of.</returns>
    private async Task<(int Terminated, int Extra, LaunchConfig? LaunchFrom)> RefreshAsync(List<ScalingGroupInstance> members, CancellationToken cancellationToken)
    {
        var refresh = await db.InstanceRefreshes.SingleOrDefaultAsync(r => r.ActiveGroupId == group.Id, cancellationToken);
        if (refresh is null)
        {
            return (0, 0, null);
        }

        var now = Now;
        if (refresh.Status == InstanceRefreshStatus.Cancelling)
        {
            refresh.Status = InstanceRefreshStatus.Cancelled;
            refresh.StatusReason = "The instance refresh was cancelled by a user request.";
            refresh.EndTime = now;
            refresh.ActiveGroupId = null;
            refresh.CheckpointReachedAt = null;
            await db.SaveChangesAsync(cancellationToken);
            return (0, 0, null);
        }

        var rollingBack = refresh.Status == InstanceRefreshStatus.RollbackInProgress;
        if (!rollingBack && InstanceRefreshStatus.Alarms(refresh) is [_, ..] watched)
        {
            // AlarmSpecification: an alarm of the tenant's in ALARM while the refresh replaces or bakes ends it (a rollback with AutoRollback).
            var firing = await db.MetricAlarms.AsNoTracking()
                .Where(a => a.AccountId == refresh.AccountId && watched.Contains(a.Name) && a.StateValue == AlarmStates.Alarm)
                .OrderBy(a => a.Name).Select(a => a.Name).ToListAsync(cancellationToken);
            if (firing.Count > 0)
            {
                await FailAsync(refresh, $"the alarm{(firing.Count == 1 ? "" : "s")} {string.Join(", ", firing)} of the alarm specification went into ALARM state.",
                    cancellationToken);
                return (0, 0, null);
            }
        }

        var target = rollingBack
            ? await ResolveAsync(refresh.PreviousLaunchTemplateId ?? group.LaunchTemplateId, refresh.PreviousLaunchTemplateVersion, cancellationToken)
            : refresh.DesiredLaunchTemplateId is { } desiredId
                ? await ResolveAsync(desiredId, refresh.DesiredLaunchTemplateVersion, cancellationToken)
                : await ResolveAsync(group.LaunchTemplateId, group.LaunchTemplateVersion, cancellationToken);

        // Launches of this configuration the platform refused since the refresh (or its rollback) began: it cannot be reached.
        var since = rollingBack ? refresh.RollbackStartTime ?? refresh.StartTime : refresh.StartTime;
        var failures = await db.ScalingActivities.AsNoTracking()
            .Where(a => a.GroupId == group.Id && a.StatusCode == "Failed" && a.StartTime >= since && a.Description.StartsWith("Launching"))
            .OrderByDescending(a => a.StartTime).Select(a => a.StatusMessage).ToListAsync(cancellationToken);
        if (failures.Count >= InstanceRefreshStatus.FailedLaunchesToFail)
        {
            await FailAsync(refresh, $"{failures.Count} instances failed to launch: {failures[0]}", cancellationToken);
            return (0, 0, null);
        }

        var warmup = TimeSpan.FromSeconds(refresh.InstanceWarmup ?? group.DefaultInstanceWarmup ?? group.HealthCheckGracePeriod);
        var live = members.Where(m => m.LifecycleState == LifecycleStates.InService || LifecycleStates.IsPending(m.LifecycleState)).ToList();
        bool Ready(ScalingGroupInstance m) => m.LifecycleState == LifecycleStates.InService && m.HealthStatus == "Healthy"
            && (m.LaunchedAt ?? m.CreatedAt) + warmup <= now;
        bool Differs(ScalingGroupInstance m) => Config(m) != target || (!rollingBack && !refresh.SkipMatching && m.CreatedAt < refresh.StartTime);
        var protectedMode = refresh.ScaleInProtectedInstances ?? "Wait";
        var outdated = live.Where(m => (protectedMode == "Refresh" || !m.ProtectedFromScaleIn) && Differs(m)).OrderBy(m => m.CreatedAt).ToList();
        var protectedLeft = protectedMode == "Wait" ? live.Count(m => m.ProtectedFromScaleIn && Differs(m)) : 0;
        if (refresh.Status == InstanceRefreshStatus.Pending)
        {
            refresh.Status = InstanceRefreshStatus.InProgress;
            refresh.InitialInstancesToUpdate = outdated.Count;
        }
        else if (rollingBack && refresh.InitialInstancesToUpdate == 0)
        {
            // The rollback's base, counted by its first pass (the API only marks it).
            refresh.InitialInstancesToUpdate = outdated.Count;
        }

        IReadOnlyList<int> checkpoints = rollingBack ? [] : InstanceRefreshStatus.Checkpoints(refresh);
        var desired = group.DesiredCapacity;
        // Every instance in service and warm, and none still on its way out (a replaced one is gone before the refresh ends).
        var allWarm = live.Count == desired && live.All(Ready)
            && members.All(m => m.LifecycleState is not (LifecycleStates.Terminating or LifecycleStates.TerminatingWait));
        int Percent(int left) => refresh.InitialInstancesToUpdate == 0 ? 100
            : (int)(100L * Math.Max(refresh.InitialInstancesToUpdate - left, 0) / refresh.InitialInstancesToUpdate);
        if (refresh.CheckpointReachedAt is { } reached && !rollingBack)
        {
            var delay = refresh.CheckpointDelay ?? InstanceRefreshStatus.DefaultCheckpointDelay;
            if (now < reached.AddSeconds(delay))
            {
                refresh.StatusReason = $"Waiting at checkpoint {checkpoints[refresh.CheckpointsPassed]}% for the checkpoint delay of {delay} seconds to elapse "
                    + $"(until {Time(reached.AddSeconds(delay))}).";
                await db.SaveChangesAsync(cancellationToken);
                return (0, 0, target);
            }

            refresh.CheckpointReachedAt = null;
            refresh.CheckpointsPassed++;
            refresh.StatusReason = null;
        }

        // Where replacing stops in this stretch: the next checkpoint, or all of them.
        var stopAt = refresh.CheckpointsPassed < checkpoints.Count ? checkpoints[refresh.CheckpointsPassed] : 100;
        var passedLast = checkpoints.Count > 0 && refresh.CheckpointsPassed >= checkpoints.Count && checkpoints[^1] < 100;
        var replaced = Math.Max(refresh.InitialInstancesToUpdate - outdated.Count, 0);
        var allowed = passedLast ? 0 : Math.Max((int)Math.Ceiling(refresh.InitialInstancesToUpdate * stopAt / 100.0) - replaced, 0);

        var headroom = refresh.MaxHealthyPercentage is { } max ? Math.Max((int)Math.Floor(desired * max / 100.0) - desired, 0) : 0;
        var ready = live.Count(Ready);
        var keep = Math.Min((int)Math.Ceiling(desired * refresh.MinHealthyPercentage / 100.0), Math.Max(desired + Math.Min(headroom, Math.Min(outdated.Count, allowed)) - 1, 0));
        var batch = outdated.Where(Ready).Take(Math.Min(Math.Max(ready - keep, 0), allowed)).ToList();
        var taken = 0;
        foreach (var victim in batch)
        {
            await TerminateAsync(victim,
                $"an instance was taken out of service in response to an instance refresh{(rollingBack ? " rollback" : "")}.  At {Time(now)} instance {victim.InstanceId} was selected for termination",
                cancellationToken);
            taken++;
        }

        // EC2's terminate clears the context's tracker (everything was saved first): the refresh is tracked again for what follows.
        if (db.Entry(refresh).State == EntityState.Detached)
        {
            db.Attach(refresh);
        }

        var left = outdated.Count - taken;
        var extra = Math.Min(headroom, Math.Min(left, allowed - taken));
        refresh.InstancesToUpdate = left + protectedLeft;
        refresh.PercentageComplete = Percent(left);
        if (protectedLeft == 0)
        {
            refresh.ProtectedWaitSince = null;
        }

        if (taken == 0 && allWarm && left == 0 && protectedLeft > 0 && !passedLast)
        {
            // ScaleInProtectedInstances Wait: everything else is done; an hour for the protection to go.
            var waitSince = refresh.ProtectedWaitSince ??= now;
            if (now - waitSince >= InstanceRefreshStatus.ProtectedWait)
            {
                await FailAsync(refresh, $"{protectedLeft} instances protected from scale in were not refreshed: their protection was not removed within an hour.",
                    cancellationToken);
                return (taken, 0, null);
            }

            refresh.StatusReason = $"Waiting for {protectedLeft} instances protected from scale in: remove their protection before {Time(waitSince + InstanceRefreshStatus.ProtectedWait)}, "
                + "or the instance refresh fails.";
        }
        else if (taken == 0 && allWarm && (left == 0 || passedLast) && !rollingBack && refresh.BakeTime is { } bake and > 0
            && now < (refresh.BakingSince ??= now).AddSeconds(bake))
        {
            // BakeTime: every instance is replaced; the refresh waits, watching its alarms, before it succeeds.
            refresh.Status = InstanceRefreshStatus.Baking;
            refresh.PercentageComplete = left == 0 ? 100 : refresh.PercentageComplete;
            refresh.StatusReason = $"Waiting for the bake time of {bake} seconds to elapse (until {Time(refresh.BakingSince.GetValueOrDefault(now).AddSeconds(bake))}).";
        }
        else if (taken == 0 && allWarm && (left == 0 || passedLast))
        {
            refresh.Status = rollingBack ? InstanceRefreshStatus.RollbackSuccessful : InstanceRefreshStatus.Successful;
            refresh.PercentageComplete = left == 0 ? 100 : refresh.PercentageComplete;
            refresh.StatusReason = null;
            refresh.EndTime = now;
            refresh.ActiveGroupId = null;
            if (!rollingBack && refresh.DesiredLaunchTemplateId is { } templateId)
            {
                // The desired configuration is the group's from now on (the group's row is this pass's, under its lease).
                group.LaunchTemplateId = templateId;
                group.LaunchTemplateVersion = refresh.DesiredLaunchTemplateVersion ?? "$Default";
            }
        }
        else if (taken == 0 && allWarm && allowed == 0 && stopAt < 100)
        {
            var delay = refresh.CheckpointDelay ?? InstanceRefreshStatus.DefaultCheckpointDelay;
            refresh.CheckpointReachedAt = now;
            refresh.StatusReason = $"Waiting at checkpoint {stopAt}% for the checkpoint delay of {delay} seconds to elapse (until {Time(now.AddSeconds(delay))}).";
        }

        await db.SaveChangesAsync(cancellationToken);
        return (taken, extra, target);
    }

    /// <summary>
    /// A refresh that cannot go on: with AutoRollback (and not already rolling back) it starts its rollback, otherwise it ends Failed, or
    /// RollbackFailed when it was the rollback that failed. The group keeps the configuration it had, so its own launches go on from that.
    /// </summary>
    private async Task FailAsync(InstanceRefresh refresh, string reason, CancellationToken cancellationToken)
    {
        var now = Now;
        reason = reason.Length > 900 ? reason[..900] : reason;
        if (db.Entry(refresh).State == EntityState.Detached)
        {
            db.Attach(refresh);
        }

        refresh.CheckpointReachedAt = null;
        refresh.ProtectedWaitSince = null;
        refresh.BakingSince = null;
        if (refresh.Status != InstanceRefreshStatus.RollbackInProgress && refresh.AutoRollback)
        {
            refresh.Status = InstanceRefreshStatus.RollbackInProgress;
            refresh.StatusReason = "The instance refresh failed: " + reason;
            refresh.RollbackReason = "Rollback initiated because the instance refresh failed: " + reason;
            refresh.RollbackStartTime = now;
            refresh.PercentageCompleteOnRollback = refresh.PercentageComplete;
            refresh.InstancesToUpdateOnRollback = refresh.InstancesToUpdate;
            refresh.InitialInstancesToUpdate = 0;
            refresh.PercentageComplete = 0;
        }
        else
        {
            refresh.Status = refresh.Status == InstanceRefreshStatus.RollbackInProgress ? InstanceRefreshStatus.RollbackFailed : InstanceRefreshStatus.Failed;
            refresh.StatusReason = (refresh.Status == InstanceRefreshStatus.RollbackFailed ? "The rollback failed: " : "The instance refresh failed: ") + reason;
            refresh.EndTime = now;
            refresh.ActiveGroupId = null;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Auto Scaling's status code while an instance waits at a lifecycle hook.</summary>
    private const string MidLifecycleAction = "MidLifecycleAction";

    /// <summary>
    /// A launch whose hooks all have their result: CONTINUE goes on to service (Pending:Proceed, InService once running), ABANDON
    /// terminates the instance, which no longer counts, so the group launches another in its place.
    /// </summary>
    private async Task FinishLaunchWaitAsync(ScalingGroupInstance member, CancellationToken cancellationToken)
    {
        var waits = new LifecycleWaits(db, group, Now);
        var outcome = await waits.OutcomeAsync(member, LifecycleHookLookup.Launching, cancellationToken);
        if (outcome is null)
        {
            return;
        }

        var activity = await db.ScalingActivities.SingleOrDefaultAsync(a => a.Id == member.ClientToken, cancellationToken);
        if (activity is not null)
        {
            activity.Progress = 100;
            activity.EndTime = Now;
            activity.StatusCode = outcome == LifecycleHookLookup.Continue ? "Successful" : "Cancelled";
            if (outcome == LifecycleHookLookup.Abandon)
            {
                var token = await waits.AbandonedTokenAsync(member, LifecycleHookLookup.Launching, cancellationToken);
                activity.StatusMessage =
                    $"Instance failed to complete user's Lifecycle Action: Lifecycle Action with token {token} was abandoned: Lifecycle Action Completed with ABANDON Result";
            }
        }

        member.LifecycleState = outcome == LifecycleHookLookup.Continue ? LifecycleStates.PendingProceed : LifecycleStates.Terminating;
        await db.SaveChangesAsync(cancellationToken);
        if (outcome == LifecycleHookLookup.Abandon)
        {
            try
            {
                await TerminateInstanceAsync(member.InstanceId!, cancellationToken);
            }
            catch (ApiException)
            {
                // Terminated by hand meanwhile: the next pass sees it gone.
            }
        }
    }

    /// <summary>
    /// A drained instance waits at the group's termination hooks (opened once, the activity showing MidLifecycleAction) until each
    /// action has its result; either result lets it terminate. A forced group deletion does not wait, as AWS's ForceDelete.
    /// </summary>
    private async Task<bool> TerminationHooksDoneAsync(ScalingGroupInstance member, CancellationToken cancellationToken)
    {
        if (group.Status == ScalingGroupLookup.DeleteInProgress)
        {
            return true;
        }

        var waits = new LifecycleWaits(db, group, Now);
        if (!await db.LifecycleActions.AnyAsync(a => a.MemberToken == member.ClientToken && a.Transition == LifecycleHookLookup.Terminating, cancellationToken))
        {
            var hooks = await waits.HooksAsync(LifecycleHookLookup.Terminating, cancellationToken);
            if (hooks.Count == 0)
            {
                return true;
            }

            await waits.OpenAsync(member, LifecycleHookLookup.Terminating, hooks, cancellationToken);
            var description = TerminationDescription(member);
            var activity = await db.ScalingActivities.Where(a => a.GroupId == group.Id && a.Description == description && a.EndTime == null)
                .OrderByDescending(a => a.StartTime).FirstOrDefaultAsync(cancellationToken);
            if (activity is not null)
            {
                activity.StatusCode = MidLifecycleAction;
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        return await waits.OutcomeAsync(member, LifecycleHookLookup.Terminating, cancellationToken) is not null;
    }

    /// <summary>True while the target group lists the instance in any state (a deregistration just made shows it draining).</summary>
    private async Task<bool> HoldsAsync(string arn, string instanceId, CancellationToken cancellationToken) =>
        (await TargetHealthAsync(arn, cancellationToken)).Any(h => h.InstanceId == instanceId);

    private async Task FinishActivityAsync(ScalingGroupInstance member, CancellationToken cancellationToken)
    {
        var description = TerminationDescription(member);
        var activity = await db.ScalingActivities.Where(a => a.GroupId == group.Id && a.Description == description && a.EndTime == null)
            .OrderByDescending(a => a.StartTime).FirstOrDefaultAsync(cancellationToken);
        if (activity is not null)
        {
            activity.StatusCode = "Successful";
            activity.Progress = 100;
            activity.EndTime = Now;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The target group's targets and their health; none when the target group is gone (nothing to drain from or register in).</summary>
    private async Task<IReadOnlyList<GroupTargetHealth>> TargetHealthAsync(string arn, CancellationToken cancellationToken)
    {
        try
        {
            return await sender.Send(new DescribeGroupTargetHealth(group.AccountId, arn), cancellationToken);
        }
        catch (ApiException)
        {
            return [];
        }
    }

    /// <summary>
    /// Health check type ELB: an instance in service past the grace period that a target group of the group reports
    /// unhealthy is unhealthy (and replaced). Returns the client tokens of the members found so.
    /// </summary>
    private async Task<HashSet<string>> ObserveTargetHealthAsync(List<ScalingGroupInstance> members, CancellationToken cancellationToken)
    {
        var failed = new HashSet<string>(StringComparer.Ordinal);
        var graceEnd = Now - TimeSpan.FromSeconds(group.HealthCheckGracePeriod);
        var checkable = members.Where(m => m.LifecycleState == LifecycleStates.InService && m.HealthStatus == "Healthy" && m.InstanceId is not null
            && m.LaunchedAt is { } launched && launched <= graceEnd).ToList();
        if (checkable.Count == 0)
        {
            return failed;
        }

        foreach (var arn in ScalingGroupLookup.Json<string>(group.TargetGroupArns))
        {
            var unhealthy = (await TargetHealthAsync(arn, cancellationToken)).Where(h => h.State == "unhealthy").Select(h => h.InstanceId).ToHashSet(StringComparer.Ordinal);
            foreach (var member in checkable.Where(m => unhealthy.Contains(m.InstanceId!)))
            {
                member.HealthStatus = "Unhealthy";
                failed.Add(member.ClientToken);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        return failed;
    }

    /// <summary>
    /// Registration is a set: every instance in service is registered in every target group of the group, and only those
    /// missing are sent (no change reaches the balancers' servers on a pass with nothing to add). A crash between a launch
    /// and its registration is healed by the next pass. An instance the target group refuses (terminated meanwhile) does
    /// not keep the others out.
    /// </summary>
    private async Task RegisterTargetsAsync(List<ScalingGroupInstance> members, HashSet<string> suspended, CancellationToken cancellationToken)
    {
        var arns = ScalingGroupLookup.Json<string>(group.TargetGroupArns);
        var inService = members.Where(m => m.LifecycleState == LifecycleStates.InService && m.InstanceId is not null).Select(m => m.InstanceId!).ToList();
        if (arns.Count == 0 || inService.Count == 0 || suspended.Contains(ScalingProcesses.AddToLoadBalancer))
        {
            return;
        }

        var added = new List<(string Arn, List<string> InstanceIds)>();
        foreach (var arn in arns)
        {
            var registered = (await TargetHealthAsync(arn, cancellationToken)).Where(h => h.State != "draining").Select(h => h.InstanceId).ToHashSet(StringComparer.Ordinal);
            var missing = inService.Where(i => !registered.Contains(i)).ToList();
            if (missing.Count == 0)
            {
                continue;
            }

            added.Add((arn, missing));
            try
            {
                await sender.Send(new RegisterGroupTargets(group.AccountId, arn, missing), cancellationToken);
            }
            catch (ApiException) when (missing.Count > 1)
            {
                foreach (var instanceId in missing)
                {
                    try
                    {
                        await sender.Send(new RegisterGroupTargets(group.AccountId, arn, [instanceId]), cancellationToken);
                    }
                    catch (ApiException)
                    {
                        // Refused (the instance is gone): the pass that replaces it goes on.
                    }
                }
            }
            catch (ApiException)
            {
                // The one instance was refused, or the target group is gone: the next pass tries again.
            }
        }

        // A target group detached while this pass registered there: the detach deregistered before these registrations or
        // this sees it now and takes them back, so a detached target group never keeps the group's instances.
        var now = await db.ScalingGroups.AsNoTracking().Where(g => g.Id == group.Id).Select(g => g.TargetGroupArns).SingleOrDefaultAsync(cancellationToken) ?? "[]";
        var still = ScalingGroupLookup.Json<string>(now).ToHashSet(StringComparer.Ordinal);
        foreach (var (arn, instanceIds) in added.Where(a => !still.Contains(a.Arn)))
        {
            try
            {
                await sender.Send(new DeregisterGroupTargets(group.AccountId, arn, instanceIds), cancellationToken);
            }
            catch (ApiException)
            {
                // The target group is gone too.
            }
        }
    }

    private async Task ForgetIfEmptyAsync(CancellationToken cancellationToken)
    {
        if (!await db.ScalingGroupInstances.AnyAsync(i => i.GroupId == group.Id && i.LifecycleState != LifecycleStates.Terminated, cancellationToken))
        {
            await db.ScalingActivities.Where(a => a.GroupId == group.Id).ExecuteDeleteAsync(cancellationToken);
            await db.ScheduledActions.Where(a => a.GroupId == group.Id).ExecuteDeleteAsync(cancellationToken);
            await db.LifecycleActions.Where(a => a.GroupId == group.Id).ExecuteDeleteAsync(cancellationToken);
            await db.LifecycleHooks.Where(h => h.GroupId == group.Id).ExecuteDeleteAsync(cancellationToken);
            await db.InstanceRefreshes.Where(r => r.GroupId == group.Id).ExecuteDeleteAsync(cancellationToken);
            await db.ScalingGroupInstances.Where(i => i.GroupId == group.Id).ExecuteDeleteAsync(cancellationToken);
            await db.ScalingGroups.Where(g => g.Id == group.Id).ExecuteDeleteAsync(cancellationToken);
        }
    }
}

/// <summary>
/// Which instances a scale-in takes, as Auto Scaling's termination policies choose: never one protected from scale-in;
/// first from the zone with the most instances; within it by the group's policies in order (Default: the oldest launch
/// template version, then the oldest instance... here, as AWS's default after those, the oldest).
/// </summary>
internal static class TerminationOrder
{
    public static List<ScalingGroupInstance> Choose(IReadOnlyList<ScalingGroupInstance> live, int count, IReadOnlyList<string> policies)
    {
        var candidates = live.Where(m => !m.ProtectedFromScaleIn).ToList();
        var chosen = new List<ScalingGroupInstance>();
        while (chosen.Count < count && candidates.Count > 0)
        {
            var remaining = live.Except(chosen).ToList();
            var busiest = candidates.GroupBy(m => m.AvailabilityZone)
                .OrderByDescending(z => remaining.Count(m => m.AvailabilityZone == z.Key)).ThenBy(z => z.Key, StringComparer.Ordinal).First();
            IEnumerable<ScalingGroupInstance> ordered = busiest.OrderBy(_ => 0);
            foreach (var policy in policies)
            {
                ordered = policy switch
                {
                    "NewestInstance" => ((IOrderedEnumerable<ScalingGroupInstance>)ordered).ThenByDescending(m => m.CreatedAt),
                    "OldestInstance" => ((IOrderedEnumerable<ScalingGroupInstance>)ordered).ThenBy(m => m.CreatedAt),
                    "OldestLaunchTemplate" or "OldestLaunchConfiguration" or "Default" =>
                        ((IOrderedEnumerable<ScalingGroupInstance>)ordered).ThenBy(m => m.LaunchTemplateVersion),
                    _ => ordered,
                };
            }

            var victim = ((IOrderedEnumerable<ScalingGroupInstance>)ordered).ThenBy(m => m.CreatedAt).ThenBy(m => m.ClientToken, StringComparer.Ordinal).First();
            chosen.Add(victim);
            candidates.Remove(victim);
        }

        return chosen;
    }
}
