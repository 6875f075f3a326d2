using Hangfire;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Modules.Database.AwsQuery;
using Platform.Modules.Database.Backups;
using Platform.Modules.Database.Certificates;
using Platform.Modules.Database.Guests;
using Platform.Modules.Database.Instances;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Database.Reports;
using Platform.Modules.Database.Snapshots;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Database;

/// <summary>
/// Managed PostgreSQL (RDS): DB instances, subnet and parameter groups, snapshots and the daily automated backups. The
/// control plane: each instance's guest is driven through the agent protocol's <c>DesiredDatabase</c> and reports back.
/// </summary>
internal static class DatabaseModule
{
    public static IServiceCollection AddDatabaseModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RdsOptions>().BindConfiguration(RdsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart()
            .PostConfigure(o => o.BackupEndpoint = o.BackupEndpoint.Length > 0 ? o.BackupEndpoint : BackupRepositories.DefaultEndpoint(configuration["urls"]));
        services.AddModuleDatabase<DatabaseDbContext, SqliteDatabaseDbContext, SqlServerDatabaseDbContext>(configuration, DatabaseDbContext.SchemaName);
        services.AddScoped<NewDbInstance>();
        services.AddScoped<DatabaseCertificates>();
        services.AddScoped<DesiredDatabaseComposer>();
        services.AddScoped<SnapshotTaker>();
        services.AddScoped<SnapshotDeletion>();
        services.AddScoped<BackupRepositories>();
        services.AddSingleton<IStartupTask, BackupBucketStartup>();
        services.AddScoped<GuestReportRecorder>();
        services.AddScoped<AutomatedBackupJob>();
        services.AddScoped<DatabaseGuests>();
        services.AddScoped<Instances.Power.DbInstancePower>();
        services.AddScoped<Instances.Power.StoppedInstanceRestartJob>();
        services.AddScoped<Instances.Power.MultiAzFailover>();
        services.AddScoped<Events.RdsEventRetentionJob>();
        services.AddScoped<Instances.Resize.DbInstanceResizeJob>();
        var platform = configuration.GetSection(PlatformOptions.SectionName).Get<PlatformOptions>() ?? new PlatformOptions();
        services.AddAwsQueryService(RdsQueryActions.Table(platform.Region));
        services.AddRecurringJob<AutomatedBackupJob>(AutomatedBackupJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), sp => sp.GetRequiredService<IOptions<RdsOptions>>().Value.BackupCron);
        services.AddRecurringJob<DatabaseGuests>(DatabaseGuests.RecurringJobId, job => job.RunAsync(CancellationToken.None), sp => sp.GetRequiredService<IOptions<RdsOptions>>().Value.GuestCron);
        services.AddRecurringJob<Instances.Power.StoppedInstanceRestartJob>(Instances.Power.StoppedInstanceRestartJob.RecurringJobId, job => job.RunAsync(CancellationToken.None),
            sp => sp.GetRequiredService<IOptions<RdsOptions>>().Value.GuestCron);
        services.AddRecurringJob<Instances.Power.MultiAzFailover>(Instances.Power.MultiAzFailover.RecurringJobId, job => job.RunAsync(CancellationToken.None),
            sp => sp.GetRequiredService<IOptions<RdsOptions>>().Value.GuestCron);
        services.AddRecurringJob<Instances.Resize.DbInstanceResizeJob>(Instances.Resize.DbInstanceResizeJob.RecurringJobId, job => job.RunAsync(CancellationToken.None),
            sp => sp.GetRequiredService<IOptions<RdsOptions>>().Value.GuestCron);
        services.AddRecurringJob<SnapshotDeletion>(SnapshotDeletion.RecurringJobId, job => job.RunAsync(CancellationToken.None), sp => sp.GetRequiredService<IOptions<RdsOptions>>().Value.GuestCron);
        services.AddRecurringJob<Events.RdsEventRetentionJob>(Events.RdsEventRetentionJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), _ => "17 * * * *");
        return services;
    }

    public static IEndpointRouteBuilder MapDatabaseEndpoints(this IEndpointRouteBuilder routes)
    {
        RdsEndpoints.Map(routes);
        return routes;
    }
}
