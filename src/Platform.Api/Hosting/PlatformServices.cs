using System.Text.Json;
using System.Text.Json.Serialization;
using Mediator;
using Microsoft.AspNetCore.Http.Json;
using Platform.Api.Auditing;
using Platform.Api.Authentication;
using Platform.Api.Dashboard;
using Platform.Api.Errors;
using Platform.Api.Jobs;
using Platform.Api.RateLimiting;
using Platform.Modules.Audit;
using Platform.Modules.Billing;
using Platform.Modules.Compute;
using Platform.Modules.Database;
using Platform.Modules.Iam;
using Platform.Modules.Network;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Persistence;
using Platform.Modules.Storage;

namespace Platform.Api.Hosting;

internal static class PlatformServices
{
    /// <summary>Everything the API needs: options, JSON rules, Mediator, the modules, jobs, health, OpenAPI.</summary>
    public static WebApplicationBuilder AddPlatform(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        builder.AddPlatformListeners();

        services.AddOptions<PlatformOptions>().BindConfiguration(PlatformOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName).ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<Modules.Shared.Security.ISecretProtector, Modules.Shared.Security.AesGcmSecretProtector>();
        // First hosted service: migrations and bootstrap finish before jobs run or requests are served.
        services.AddHostedService<StartupTasksService>();
        services.AddScoped<CallerContext>();
        services.AddScoped<ICallerContext>(provider => provider.GetRequiredService<CallerContext>());
        services.AddScoped<Modules.Shared.Authorization.RequestActions>();

        services.ConfigureHttpJsonOptions(options => ConfigureJson(options.SerializerOptions));
        // Bad JSON and unbindable parameters become exceptions, so one handler answers them in the AWS style.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddProblemDetails();

        services.AddMediator(options =>
        {
            options.ServiceLifetime = ServiceLifetime.Scoped;
            options.PipelineBehaviors = [typeof(LoggingBehavior<,>), typeof(AuthorizationBehavior<,>), typeof(ValidationBehavior<,>)];
        });

        services
            .AddIamModule(configuration)
            .AddComputeModule(configuration)
            .AddStorageModule(configuration)
            .AddNetworkModule(configuration)
            .AddDatabaseModule(configuration)
            .AddBillingModule(configuration)
            .AddAuditModule(configuration);

        services.AddPlatformJobs(configuration);
        services.AddJobsDashboardSignIn();
        services.AddSingleton<SigV4AuthenticationMiddleware>();
        services.AddOptions<ThrottlingOptions>().BindConfiguration(ThrottlingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RequestThrottle>();
        services.AddSingleton<ThrottlingMiddleware>();
        services.AddSingleton<AuditTrailMiddleware>();
        services.AddHealthChecks();
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Platform API";
            document.Info.Description = "The native JSON API of Platform. Every request is signed with AWS SigV4.";
            return Task.CompletedTask;
        }));
        return builder;
    }

    public static void ConfigureJson(JsonSerializerOptions json)
    {
        json.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        json.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        json.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        // The web defaults read "1" as 1: a JSON string where a number belongs is a malformed request, as AWS's JSON protocol says.
        json.NumberHandling = JsonNumberHandling.Strict;
        json.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        json.RespectNullableAnnotations = true;
        json.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
    }
}
