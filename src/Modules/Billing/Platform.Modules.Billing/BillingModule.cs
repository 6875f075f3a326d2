using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Modules.Billing;

/// <summary>Metering of usage and the bill of each account. Registered, with nothing to serve yet: its issue builds it.</summary>
internal static class BillingModule
{
    public static IServiceCollection AddBillingModule(this IServiceCollection services, IConfiguration configuration) => services;

    public static IEndpointRouteBuilder MapBillingEndpoints(this IEndpointRouteBuilder routes) => routes;
}
