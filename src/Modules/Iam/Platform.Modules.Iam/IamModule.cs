using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Modules.Iam.Accounts;
using Platform.Modules.Iam.Authentication;
using Platform.Modules.Iam.Authorization;
using Platform.Modules.Iam.AwsQuery;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Sts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Iam;

/// <summary>Accounts, users, access keys and policies; the authorizer every other module's requests pass.</summary>
internal static class IamModule
{
    public static IServiceCollection AddIamModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModuleDatabase<IamDbContext, SqliteIamDbContext, SqlServerIamDbContext>(configuration, IamDbContext.SchemaName);
        services.AddSingleton<AccessKeyAuthenticator>();
        services.AddSingleton<PolicyCache>();
        services.AddScoped<IAccessAuthorizer, IamAccessAuthorizer>();
        services.AddSingleton<IStartupTask, BootstrapManagementAccount>();
        services.AddOptions<IamOptions>().BindConfiguration(IamOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<ExpiredSessionCleanupJob>();
        services.AddRecurringJob<ExpiredSessionCleanupJob>(ExpiredSessionCleanupJob.RecurringJobId, job => job.RunAsync(CancellationToken.None),
            sp => sp.GetRequiredService<IOptions<IamOptions>>().Value.SessionCleanupCron);
        services.AddAwsQueryService(IamQueryActions.Iam()).AddAwsQueryService(IamQueryActions.Sts());
        return services;
    }

    public static IEndpointRouteBuilder MapIamEndpoints(this IEndpointRouteBuilder routes)
    {
        IamEndpoints.MapIam(routes);
        return routes;
    }
}
