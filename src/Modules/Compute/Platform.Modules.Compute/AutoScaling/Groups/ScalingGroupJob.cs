using System.Globalization;
using System.Text.Json;
using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Modules.Compute.AutoScaling.LaunchTemplates;
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
/// past its desired capacity, which never exceeds its maximum.
/// </summary>
internal sealed partial class ScalingGroupJob(IServiceScopeFactory scopes, ComputeDbContext db, TimeProvider clock, ILogger<ScalingGroupJob> logger)
{
    public const string RecurringJobId = "autoscaling-groups";

    /// <summary>Every 15 seconds: Hangfire 1.8 takes a seconds field.</summary>
    public const string Every15Seconds = "*/15 * * * * *";

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
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private static string Time(DateTime t) => t.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>AWS's causes begin with why the desired capacity changed, two spaces before what was done about it.</summary>
    private string Prefix() => group.CapacityChangeCause is { } cause ? cause + "  " : "";

    public async Task<(int Launched, int Terminated)> RunAsync(CancellationToken cancellationToken)
    {
        var members = await db.ScalingGroupInstances.Where(i => i.GroupId == group.Id && i.LifecycleState != LifecycleStates.Terminated)
            .ToListAsync(cancellationToken);
        await ObserveAsync(members, cancellationToken);
        var suspended = ScalingGroupLookup.Json<SuspendedProcess>(group.SuspendedProcesses).Select(p => p.ProcessName).ToHashSet(StringComparer.Ordinal);
        var launched = 0;
        var terminated = 0;

        // Launches recorded but not known to have happened (a crash, a failed call): again, with the same client token.
        foreach (var intent in members.Where(m => m.InstanceId is null && m.LifecycleState == LifecycleStates.Pending).ToList())
        {
            launched += await LaunchAsync(intent, cancellationToken) ? 1 : 0;
        }

        if (!suspended.Contains(ScalingProcesses.ReplaceUnhealthy))
        {
            foreach (var sick in members.Where(m => m.HealthStatus == "Unhealthy" && m.LifecycleState is LifecycleStates.InService or LifecycleStates.Pending).ToList())
            {
                await TerminateAsync(sick, "an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped", cancellationToken);
                terminated++;
            }
        }

        if (group.Status != ScalingGroupLookup.DeleteInProgress && !suspended.Contains(ScalingProcesses.AlarmNotification))
        {
            await new Policies.TargetTracking(db, Now).ApplyAsync(group, members, cancellationToken);
        }

        var live = members.Where(m => m.LifecycleState is LifecycleStates.Pending or LifecycleStates.InService).ToList();
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

        if (live.Count < group.DesiredCapacity && !suspended.Contains(ScalingProcesses.Launch))
        {
            var from = live.Count;
            var intents = await RecordLaunchesAsync(live, group.DesiredCapacity - live.Count, from, cancellationToken);
            foreach (var intent in intents)
            {
                launched += await LaunchAsync(intent, cancellationToken) ? 1 : 0;
            }
        }
        else if (live.Count > group.DesiredCapacity && !suspended.Contains(ScalingProcesses.Terminate))
        {
            var victims = TerminationOrder.Choose(live, live.Count - group.DesiredCapacity, ScalingGroupLookup.Json<string>(group.TerminationPolicies));
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
        return (launched, terminated);
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
                case InstanceStates.Running when member.LifecycleState == LifecycleStates.Pending:
                    member.LifecycleState = LifecycleStates.InService;
                    member.LaunchedAt ??= Now;
                    break;
                case InstanceStates.Terminated:
                    member.HealthStatus = member.LifecycleState == LifecycleStates.Terminating ? member.HealthStatus : "Unhealthy";
                    member.LifecycleState = member.LifecycleState == LifecycleStates.Terminating ? LifecycleStates.Terminated : member.LifecycleState;
                    break;
                case InstanceStates.Stopping or InstanceStates.Stopped or InstanceStates.ShuttingDown when member.LifecycleState != LifecycleStates.Terminating:
                    member.HealthStatus = "Unhealthy";
                    break;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        members.RemoveAll(m => m.LifecycleState == LifecycleStates.Terminated);
    }

    /// <summary>Records the launches first, one activity each, spread so that the subnets' zones stay balanced.</summary>
    private async Task<List<ScalingGroupInstance>> RecordLaunchesAsync(List<ScalingGroupInstance> live, int count, int from, CancellationToken cancellationToken)
    {
        var template = await db.LaunchTemplates.AsNoTracking().SingleAsync(t => t.Id == group.LaunchTemplateId, cancellationToken);
        var version = LaunchTemplateLookup.Resolve(template, group.LaunchTemplateVersion) ?? template.DefaultVersion;
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
                LaunchTemplateVersion = version,
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
            var template = await db.LaunchTemplates.AsNoTracking().SingleAsync(t => t.Id == group.LaunchTemplateId, cancellationToken);
            var version = await db.LaunchTemplateVersions.AsNoTracking()
                .SingleAsync(v => v.TemplateId == template.Id && v.VersionNumber == intent.LaunchTemplateVersion, cancellationToken);
            var data = LaunchTemplateData.From(version);
            var groupTags = ScalingGroupLookup.Json<GroupTag>(group.Tags).Where(t => t.PropagateAtLaunch == true).Select(t => new TagSpecification(t.Key, t.Value));
            var response = await sender.Send(new RunInstances(data.InstanceType ?? "t3.micro", data.ImageId, data.KeyName, data.SecurityGroups, intent.ClientToken, null,
                (data.Tags ?? []).Concat(groupTags).DistinctBy(t => t.Key, StringComparer.Ordinal).ToList(), intent.SubnetId, data.UserData, null,
                [new TagSpecification(ScalingGroupJob.GroupNameTag, group.Name)]), cancellationToken);
            intent.InstanceId = response.InstanceId;
            if (activity is not null)
            {
                activity.Description = $"Launching a new EC2 instance: {response.InstanceId}";
                activity.StatusCode = "Successful";
                activity.Progress = 100;
                activity.EndTime = Now;
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

    private async Task TerminateAsync(ScalingGroupInstance member, string cause, CancellationToken cancellationToken, bool capacityChanged = false)
    {
        var now = Now;
        member.LifecycleState = LifecycleStates.Terminating;
        var activity = new ScalingActivity
        {
            Id = Guid.NewGuid().ToString(),
            GroupId = group.Id,
            AccountId = group.AccountId,
            Description = $"Terminating EC2 instance: {member.InstanceId}",
            Cause = $"{(capacityChanged ? Prefix() : "")}At {Time(now)} {cause}.",
            StatusCode = "InProgress",
            Progress = 50,
            StartTime = now,
        };
        db.ScalingActivities.Add(activity);
        await db.SaveChangesAsync(cancellationToken);
        if (member.InstanceId is not null)
        {
            foreach (var arn in ScalingGroupLookup.Json<string>(group.TargetGroupArns))
            {
                await sender.Send(new DeregisterGroupTargets(group.AccountId, arn, [member.InstanceId]), cancellationToken);
            }

            await sender.Send(new TerminateInstance(member.InstanceId), cancellationToken);
        }

        activity.StatusCode = "Successful";
        activity.Progress = 100;
        activity.EndTime = Now;
        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task RegisterTargetsAsync(List<ScalingGroupInstance> members, HashSet<string> suspended, CancellationToken cancellationToken)
    {
        var arns = ScalingGroupLookup.Json<string>(group.TargetGroupArns);
        var inService = members.Where(m => m.LifecycleState == LifecycleStates.InService && m.InstanceId is not null).Select(m => m.InstanceId!).ToList();
        if (arns.Count == 0 || inService.Count == 0 || suspended.Contains(ScalingProcesses.AddToLoadBalancer))
        {
            return;
        }

        foreach (var arn in arns)
        {
            await sender.Send(new RegisterGroupTargets(group.AccountId, arn, inService), cancellationToken);
        }
    }

    private async Task ForgetIfEmptyAsync(CancellationToken cancellationToken)
    {
        if (!await db.ScalingGroupInstances.AnyAsync(i => i.GroupId == group.Id && i.LifecycleState != LifecycleStates.Terminated, cancellationToken))
        {
            await db.ScalingActivities.Where(a => a.GroupId == group.Id).ExecuteDeleteAsync(cancellationToken);
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
