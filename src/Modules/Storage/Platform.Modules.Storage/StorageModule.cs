using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Modules.Storage;

/// <summary>S3-compatible object storage and block volumes. Registered, with nothing to serve yet: its issue builds it.</summary>
internal static class StorageModule
{
    public static IServiceCollection AddStorageModule(this IServiceCollection services, IConfiguration configuration) => services;

    public static IEndpointRouteBuilder MapStorageEndpoints(this IEndpointRouteBuilder routes) => routes;
}
