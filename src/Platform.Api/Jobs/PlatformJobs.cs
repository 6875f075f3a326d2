using Hangfire;
using Hangfire.Storage.SQLite;
using Platform.Api.Dashboard;
using Platform.Modules.Shared.Authentication;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Persistence;
using Platform.Modules.Shared.Persistence.Outbox;

namespace Platform.Api.Jobs;

/// <summary>Background work in Hangfire, stored in the API's own database so a restart loses no job.</summary>
internal static class PlatformJobs
{
    public const string SectionName = "Jobs";

    public static IServiceCollection AddPlatformJobs(this IServiceCollection services, IConfiguration configuration)
    {
        var database = configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var platform = configuration.GetSection(PlatformOptions.SectionName).Get<PlatformOptions>() ?? new PlatformOptions();
        // The storage and the job activator are this host's own services. Hangfire's AddHangfire also sets its process-wide
        // statics (JobStorage.Current, JobActivator.Current), which a second host in the same process (the test suite runs
        // several at once) overwrites; registered first, ours are the ones this host's server, clients and dashboard use.
        services.AddSingleton<JobStorage>(_ =>
        {
            if (database.Provider == DatabaseProvider.Sqlite)
            {
                Directory.CreateDirectory(platform.DataDirectory);
                var path = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(database.ResolveConnectionString(platform.DataDirectory)).DataSource;
                // Outbox notifications wait for a worker's next look at the queue: a security-group change reaches the
                // servers only after it (bench/rule-latency-api.sh). Two workers at 200 ms: ten cheap queries a second.
                // Its locks are file locks beside the database, freed when their holder's process ends (see ProcessLifetimeLockStorage).
                return new ProcessLifetimeLockStorage(
                    new SQLiteStorage(path, new SQLiteStorageOptions { QueuePollInterval = TimeSpan.FromMilliseconds(200) }), path + ".locks");
            }

            return new Hangfire.SqlServer.SqlServerStorage(database.ResolveConnectionString(platform.DataDirectory));
        });
        services.AddSingleton<JobActivator>(provider => new Hangfire.AspNetCore.AspNetCoreJobActivator(provider.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((provider, hangfire) => hangfire
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180).UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings()
            .UseStorage(provider.GetRequiredService<JobStorage>())
            .UseLogProvider(new HostLogProvider(provider.GetRequiredService<ILoggerFactory>())));

        // Tests and tools may run the API without executing jobs; the jobs then wait in storage.
        if (configuration.GetValue($"{SectionName}:ServerEnabled", defaultValue: true))
        {
            services.AddHangfireServer(options =>
            {
                options.WorkerCount = Math.Max(2, Environment.ProcessorCount);
                options.SchedulePollingInterval = TimeSpan.FromSeconds(5);
            });
        }

        services.AddHealthChecks().AddCheck<JobServerHealthCheck>(JobServerHealthCheck.Name);
        services.AddTransient<OutboxDispatchJob>();
        // The sweep catches notifications whose immediate dispatch was lost to a crash.
        services.AddRecurringJob<OutboxDispatchJob>(OutboxDispatchJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), _ => Cron.Minutely());
        return services;
    }

    /// <summary>
    /// The dashboard at /hangfire is an API endpoint like the others: SigV4-signed requests only (the authentication
    /// middleware refuses an unsigned one, from this machine too), and <see cref="JobsDashboardAuthorization"/> lets
    /// in only the management account's principals allowed <c>platform:ViewJobs</c>. It is read-only: a signed
    /// request cannot be forged by a cross-site form, but no job is triggered, requeued or deleted through it.
    /// </summary>
    public static WebApplication UsePlatformJobsDashboard(this WebApplication app)
    {
        app.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [],
            AsyncAuthorization = [new JobsDashboardAuthorization()],
            IsReadOnlyFunc = _ => true,
            DisplayStorageConnectionString = false,
        }).WithMetadata(SigningService.Iam); // the management account's: signed as for IAM, the service of its principals
        app.MapDashboardSignIn();
        return app;
    }
}
