using Platform.Modules.Shared.Hosting;

namespace Platform.Api.Hosting;

/// <summary>
/// Runs the modules' start-up tasks (migrations first, then bootstrap records) as the first hosted
/// service: the host starts the web server only after every one succeeded.
/// </summary>
internal sealed class StartupTasksService(IEnumerable<IStartupTask> tasks, ILogger<StartupTasksService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var task in tasks.OrderBy(t => t.Order))
        {
            logger.LogInformation("Running start-up task {Task}", task.GetType().Name);
            await task.RunAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
