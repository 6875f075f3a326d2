using System.Linq.Expressions;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Platform.Modules.Shared.Hosting;

/// <summary>A recurring Hangfire job a module runs: its id, its cron (read when the API starts) and the call.</summary>
public sealed class RecurringJobDefinition(string id, Func<IServiceProvider, string> cron, Action<IRecurringJobManager, string> register)
{
    public string Id { get; } = id;

    internal string CronOf(IServiceProvider services) => cron(services);

    internal void Register(IRecurringJobManager recurring, string cronExpression) => register(recurring, cronExpression);
}

public static class RecurringJobServiceCollectionExtensions
{
    /// <summary>Declares a recurring job; <see cref="RecurringJobRegistrar"/> stores it in Hangfire when the API starts.</summary>
    public static IServiceCollection AddRecurringJob<TJob>(
        this IServiceCollection services, string id, Expression<Func<TJob, Task>> call, Func<IServiceProvider, string> cron)
    {
        services.AddSingleton(new RecurringJobDefinition(id, cron, (recurring, expression) => recurring.AddOrUpdate(id, call, expression)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupTask, RecurringJobRegistrar>());
        return services;
    }
}

/// <summary>
/// Stores every declared recurring job in Hangfire without letting a held lock stop the API from starting.
/// Hangfire takes a job's distributed lock to update it; another replica may hold it for a moment, and an API
/// killed while holding it leaves the lock until it expires (about half a minute with SQLite storage). The
/// definition stored by the previous start stays in force meanwhile, so a job whose lock is busy is retried in
/// the background until it is stored, and start-up waits for the registrations only for a few seconds.
/// </summary>
public sealed class RecurringJobRegistrar(
    IEnumerable<RecurringJobDefinition> definitions,
    IRecurringJobManager recurring,
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    ILogger<RecurringJobRegistrar> logger) : IStartupTask
{
    internal static readonly TimeSpan StartupWait = TimeSpan.FromSeconds(5);
    internal static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    public int Order => 200;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var stopping = lifetime.ApplicationStopping;
        var all = definitions.Select(d => Task.Run(() => RegisterAsync(d, d.CronOf(services), stopping), CancellationToken.None)).ToArray();
        var finished = Task.WhenAll(all);
        if (await Task.WhenAny(finished, Task.Delay(StartupWait, cancellationToken)) == finished)
        {
            await finished; // a definition Hangfire refuses (a bad cron in the configuration) stops the start, as it should
            return;
        }

        logger.LogWarning("Start-up goes on while {Count} recurring job(s) wait for their locks; their stored definitions stay in force meanwhile",
            all.Count(t => !t.IsCompleted));
        _ = finished.ContinueWith(
            t => logger.LogError(t.Exception, "A recurring job could not be stored"),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    private async Task RegisterAsync(RecurringJobDefinition definition, string cron, CancellationToken stopping)
    {
        for (var attempt = 1; !stopping.IsCancellationRequested; attempt++)
        {
            try
            {
                definition.Register(recurring, cron);
                if (attempt > 1)
                {
                    logger.LogInformation("Recurring job {Job} stored on attempt {Attempt}", definition.Id, attempt);
                }

                return;
            }
            catch (DistributedLockTimeoutException ex)
            {
                logger.LogWarning("Recurring job {Job} not stored yet (attempt {Attempt}): {Reason}; trying again in {Delay}",
                    definition.Id, attempt, ex.Message, RetryDelay);
            }

            try
            {
                await Task.Delay(RetryDelay, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
