using Hangfire;

namespace Platform.Modules.Shared.Persistence.Outbox;

/// <summary>The background job that drains every module's outbox.</summary>
public sealed class OutboxDispatchJob(IEnumerable<IOutboxProcessor> processors)
{
    public const string RecurringJobId = "outbox-dispatch";
    private const int BatchSize = 100;

    // One dispatcher at a time across all API replicas keeps the order of each module's notifications.
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    [AutomaticRetry(Attempts = 3)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var processor in processors)
        {
            while (await processor.ProcessAsync(BatchSize, cancellationToken) == BatchSize)
            {
            }
        }
    }
}
