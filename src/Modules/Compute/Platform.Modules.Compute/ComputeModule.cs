using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Compute.Alarms;
using Platform.Modules.Compute.AutoScaling;
using Platform.Modules.Compute.AutoScaling.Groups;
using Platform.Modules.Compute.Alarms.AwsQuery;
using Platform.Modules.Compute.AutoScaling.AwsQuery;
using Platform.Modules.Compute.Ec2Query;
using Platform.Modules.Compute.Hosts;
using Platform.Modules.Compute.Images;
using Platform.Modules.Compute.Instances;
using Platform.Modules.Compute.Instances.Profiles;
using Platform.Modules.Compute.Metrics;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Compute.Scheduling;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Compute;

/// <summary>Instances, images, key pairs, the servers (hosts) and the scheduler that places instances on them.</summary>
internal static class ComputeModule
{
    public static IServiceCollection AddComputeModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModuleDatabase<ComputeDbContext, SqliteComputeDbContext, SqlServerComputeDbContext>(configuration, ComputeDbContext.SchemaName);
        services.Configure<ComputeOptions>(configuration.GetSection(ComputeOptions.SectionName));
        services.Configure<SchedulerOptions>(configuration.GetSection(SchedulerOptions.SectionName));
        services.AddSingleton<DesiredStateSignals>();
        services.AddSingleton<HostLiveness>();
        services.AddHealthChecks().AddCheck<AvailableHostHealthCheck>(AvailableHostHealthCheck.Name);
        services.AddSingleton<ImageFiles>();
        services.AddScoped<InstanceTransitions>();
        services.AddScoped<StartCapacity>();
        services.AddScoped<InstanceProfileGrants>();
        services.AddScoped<UsageRecorder>();
        services.AddScoped<ComputeHousekeepingJob>();
        services.AddRecurringJob<ComputeHousekeepingJob>(ComputeHousekeepingJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), sp => sp.GetRequiredService<IOptions<ComputeOptions>>().Value.HousekeepingCron);
        services.AddScoped<ScalingGroupJob>();
        services.AddRecurringJob<ScalingGroupJob>(ScalingGroupJob.RecurringJobId, job => job.RunAsync(CancellationToken.None),
            sp => sp.GetRequiredService<IOptions<ComputeOptions>>().Value.ScalingGroupCron);
        services.AddScoped<SpotInterruptionJob>();
        services.AddRecurringJob<SpotInterruptionJob>(SpotInterruptionJob.RecurringJobId, job => job.RunAsync(CancellationToken.None),
            sp => sp.GetRequiredService<IOptions<ComputeOptions>>().Value.SpotInterruptionCron);
        services.AddScoped<AlarmEvaluationJob>();
        services.AddRecurringJob<AlarmEvaluationJob>(AlarmEvaluationJob.RecurringJobId, job => job.RunAsync(CancellationToken.None),
            sp => sp.GetRequiredService<IOptions<ComputeOptions>>().Value.AlarmEvaluationCron);
        services.AddScoped<Tagging.ResourceTagReader>();
        services.AddAwsQueryService(ComputeEc2Actions.Table()).AddAwsQueryService(LaunchTemplateEc2Actions.Table()).AddAwsQueryService(TagEc2Actions.Table())
            .AddAwsQueryService(AutoScalingQueryActions.Table()).AddAwsQueryService(CloudWatchQueryActions.Table());
        return services;
    }

    public static IEndpointRouteBuilder MapComputeEndpoints(this IEndpointRouteBuilder routes)
    {
        ComputeEndpoints.MapCompute(routes);
        AgentEndpoints.MapAgent(routes);
        AutoScalingEndpoints.MapAutoScaling(routes);
        CloudWatchEndpoints.MapCloudWatch(routes);
        return routes;
    }
}
