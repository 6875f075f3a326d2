using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Compute.Contracts;

namespace Platform.Modules.Billing.Metering;

/// <summary>
/// Compares Compute's running instances (its contract, from its own state) with the runs metered here: a running instance
/// without an open run lost its <c>running</c> fact, and gets the run that fact would have opened, from when it entered
/// <c>running</c>. An instance whose run from that start (or a later one) is here, or that has an open run, is left alone.
/// </summary>
internal sealed class ReconcileUsageHandler(BillingDbContext db, UsageWriter writer, ISender sender, TimeProvider clock, IOptions<BillingOptions> options)
    : IRequestHandler<ReconcileUsage, int>
{
    public async ValueTask<int> Handle(ReconcileUsage request, CancellationToken cancellationToken)
    {
        var running = await sender.Send(new DescribeRunningInstances(request.AsOf - options.Value.ReconcileGrace), cancellationToken);
        var meter = new MeterInstanceRuns(db, writer, clock);
        var opened = 0;
        foreach (var instance in running)
        {
            var since = DateTime.SpecifyKind(instance.RunningSince, DateTimeKind.Utc);
            if (await db.InstanceRuns.AsNoTracking().AnyAsync(r => r.InstanceId == instance.InstanceId && (r.EndedAt == null || r.StartedAt >= since), cancellationToken))
            {
                continue;
            }

            var fact = new InstanceStateChanged(instance.AccountId, instance.InstanceId, instance.InstanceType, instance.AvailabilityZone, "pending",
                InstanceStateChanged.Running, since, null, instance.InstanceLifecycle);
            if (await meter.OpenAsync(fact, since, cancellationToken))
            {
                opened++;
            }
        }

        return opened;
    }
}

/// <summary>The recurring reconciliation: hourly, against Compute's state then.</summary>
internal sealed class ReconcileJob(ISender sender, TimeProvider clock)
{
    public const string RecurringJobId = "billing-reconcile";

    [AutomaticRetry(Attempts = 0)]
    public async Task<int> RunAsync(CancellationToken cancellationToken) => await sender.Send(new ReconcileUsage(clock.GetUtcNow().UtcDateTime), cancellationToken);
}
