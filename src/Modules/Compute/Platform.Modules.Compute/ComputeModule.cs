using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Modules.Compute;

/// <summary>Instances, images, key pairs and the scheduler that places instances on hosts. Serves the instance-type catalog so far.</summary>
internal static class ComputeModule
{
    public static IServiceCollection AddComputeModule(this IServiceCollection services, IConfiguration configuration) => services;

    public static IEndpointRouteBuilder MapComputeEndpoints(this IEndpointRouteBuilder routes)
    {
        ComputeEndpoints.MapCompute(routes);
        return routes;
    }
}
