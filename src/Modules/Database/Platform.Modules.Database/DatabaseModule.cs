using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Modules.Database;

/// <summary>Managed databases and their automatic backups. Registered, with nothing to serve yet: its issue builds it.</summary>
internal static class DatabaseModule
{
    public static IServiceCollection AddDatabaseModule(this IServiceCollection services, IConfiguration configuration) => services;

    public static IEndpointRouteBuilder MapDatabaseEndpoints(this IEndpointRouteBuilder routes) => routes;
}
