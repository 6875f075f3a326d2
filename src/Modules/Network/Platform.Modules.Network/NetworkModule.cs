using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Modules.Network;

/// <summary>VPCs, subnets, security groups and their enforcement on Open vSwitch. Registered, with nothing to serve yet: its issue builds it.</summary>
internal static class NetworkModule
{
    public static IServiceCollection AddNetworkModule(this IServiceCollection services, IConfiguration configuration) => services;

    public static IEndpointRouteBuilder MapNetworkEndpoints(this IEndpointRouteBuilder routes) => routes;
}
