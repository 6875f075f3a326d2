using Hangfire;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Modules.Audit.Delivery;
using Platform.Modules.Audit.Persistence;
using Platform.Modules.Audit.Retention;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Audit;

/// <summary>
/// The audit trail, as CloudTrail keeps one: the API host hands every mutating and every refused call over through
/// Platform.Modules.Audit.Contracts; the account reads its own through LookupEvents and gets them daily in its bucket.
/// </summary>
internal static class AuditModule
{
    public static IServiceCollection AddAuditModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddModuleDatabase<AuditDbContext, SqliteAuditDbContext, SqlServerAuditDbContext>(configuration, AuditDbContext.SchemaName);
        services.AddScoped<AuditDeliveryJob>();
        services.AddScoped<AuditRetentionJob>();
        services.AddRecurringJob<AuditDeliveryJob>(AuditDeliveryJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), sp => sp.GetRequiredService<IOptions<AuditOptions>>().Value.DeliveryCron);
        services.AddRecurringJob<AuditRetentionJob>(AuditRetentionJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), sp => sp.GetRequiredService<IOptions<AuditOptions>>().Value.RetentionCron);
        return services;
    }

    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder routes)
    {
        CloudTrailEndpoints.Map(routes);
        return routes;
    }
}
