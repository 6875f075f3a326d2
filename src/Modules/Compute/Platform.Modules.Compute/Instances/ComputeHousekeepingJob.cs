using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.Images;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Hosting;

namespace Platform.Modules.Compute.Instances;

/// <summary>
/// What EC2 forgets on its own: terminated instances leave descriptions after <see cref="ComputeOptions.TerminatedRetention"/>
/// (an hour, as EC2), and a deregistered image goes with its bytes once no instance that is not terminated was
/// launched from it (until then a server may still have to fetch it); instances' usage datapoints older than
/// <see cref="ComputeOptions.MetricsRetention"/> are pruned (and Auto Scaling groups' AWS/AutoScaling ones), custom metrics' older than
/// <see cref="ComputeOptions.CustomMetricsRetention"/>. Idempotent; safe on several replicas.
/// </summary>
internal sealed partial class ComputeHousekeepingJob(ComputeDbContext db, ImageFiles files, IOptions<ComputeOptions> options, TimeProvider clock,
    ILogger<ComputeHousekeepingJob> logger)
{
    public const string RecurringJobId = "compute-housekeeping";

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public async Task<HousekeepingResult> RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - options.Value.TerminatedRetention;
        var expired = await db.Instances.Where(i => i.State == InstanceStates.Terminated && i.TerminatedAt != null && i.TerminatedAt < cutoff)
            .Select(i => i.Id).ToListAsync(cancellationToken);
        foreach (var batch in expired.Chunk(500))
        {
            await db.InstanceTags.Where(t => batch.Contains(t.InstanceId)).ExecuteDeleteAsync(cancellationToken);
            await db.InstanceMetrics.Where(m => batch.Contains(m.InstanceId)).ExecuteDeleteAsync(cancellationToken);
            await db.InstanceUsageSamples.Where(u => batch.Contains(u.InstanceId)).ExecuteDeleteAsync(cancellationToken);
            await db.Instances.Where(i => batch.Contains(i.Id) && i.State == InstanceStates.Terminated).ExecuteDeleteAsync(cancellationToken);
        }

        var images = await db.Images.Where(m => m.State == ImageStates.Deregistered
                && !db.Instances.Any(i => i.ImageId == m.Id && i.State != InstanceStates.Terminated))
            .Select(m => m.Id).ToListAsync(cancellationToken);
        foreach (var imageId in images)
        {
            // Bytes first: a crash in between leaves a row whose next run deletes the (already gone) bytes again.
            files.Delete(imageId);
            await db.Images.Where(m => m.Id == imageId && m.State == ImageStates.Deregistered).ExecuteDeleteAsync(cancellationToken);
        }

        var metricsCutoff = clock.GetUtcNow().UtcDateTime - options.Value.MetricsRetention;
        var pruned = await db.InstanceMetrics.Where(m => m.PeriodStart < metricsCutoff).ExecuteDeleteAsync(cancellationToken);
        pruned += await db.ScalingGroupMetrics.Where(m => m.PeriodStart < metricsCutoff).ExecuteDeleteAsync(cancellationToken);
        // A sample that old is no baseline any more (the instance stopped or is gone); a new one starts afresh.
        await db.InstanceUsageSamples.Where(u => u.ReceivedAt < metricsCutoff).ExecuteDeleteAsync(cancellationToken);
        // PutMetricData's datapoints, then the metrics left with none (ListMetrics lists only metrics with datapoints anyway).
        var customCutoff = clock.GetUtcNow().UtcDateTime - options.Value.CustomMetricsRetention;
        pruned += await db.CustomMetricData.Where(d => d.Timestamp < customCutoff).ExecuteDeleteAsync(cancellationToken);
        await db.CustomMetrics.Where(m => !db.CustomMetricData.Any(d => d.MetricId == m.Id)).ExecuteDeleteAsync(cancellationToken);

        if (expired.Count > 0 || images.Count > 0 || pruned > 0)
        {
            LogHousekeeping(logger, expired.Count, images.Count, pruned);
        }

        return new HousekeepingResult(expired.Count, images.Count, pruned);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Compute housekeeping: {Instances} terminated instances forgotten, {Images} deregistered images deleted, {Datapoints} usage datapoints pruned")]
    private static partial void LogHousekeeping(ILogger logger, int instances, int images, int datapoints);
}

internal sealed record HousekeepingResult(int InstancesForgotten, int ImagesDeleted, int DatapointsPruned = 0);
