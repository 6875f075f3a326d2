using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Platform.Modules.Network.Ec2Query;
using Platform.Modules.Network.ElasticIps;
using Platform.Modules.Network.Housekeeping;
using Platform.Modules.Network.LoadBalancing.AwsQuery;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Network.Vpcs;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Network;

/// <summary>
/// VPCs, subnets, IPAM, security groups and interfaces (the API side). Compute reaches it through
/// Platform.Modules.Network.Contracts; hosts enforce what <c>DescribeInterfaceFirewall</c> resolves.
/// </summary>
internal static class NetworkModule
{
    public static IServiceCollection AddNetworkModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddModuleDatabase<NetworkDbContext, SqliteNetworkDbContext, SqlServerNetworkDbContext>(configuration, NetworkDbContext.SchemaName);
        services.AddSingleton(NetworkSettings.From(configuration));
        services.AddScoped<DefaultVpcProvisioner>();
        services.AddOptions<NetworkOptions>().Bind(configuration.GetSection(NetworkOptions.SectionName))
            .Validate(o => PublicAddressPool.From(o.PublicAddresses, out var error) is not null || error is null, "Network:PublicAddresses is invalid (see the start-up error).")
            .Validate(o => o.PublicAddresses.PerAccountLimit >= 0, "Network:PublicAddresses:PerAccountLimit must be 0 or more.")
            .ValidateOnStart();
        services.AddScoped<NetworkHousekeepingJob>();
        services.AddScoped<LoadBalancing.Targets.TargetRegistry>();
        services.AddScoped<LoadBalancing.Nodes.LoadBalancerNodePlacementJob>();
        services.AddRecurringJob<LoadBalancing.Nodes.LoadBalancerNodePlacementJob>(LoadBalancing.Nodes.LoadBalancerNodePlacementJob.RecurringJobId,
            job => job.RunAsync(CancellationToken.None), _ => LoadBalancing.Nodes.LoadBalancerNodePlacementJob.Cron);
        services.AddRecurringJob<NetworkHousekeepingJob>(NetworkHousekeepingJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), sp => sp.GetRequiredService<IOptions<NetworkOptions>>().Value.HousekeepingCron);
        services.AddAwsQueryService(NetworkEc2Actions.Table(NetworkSettings.From(configuration)))
            .AddAwsQueryService(NetworkEdgeEc2Actions.Table(NetworkSettings.From(configuration)))
            .AddAwsQueryService(ElbQueryActions.Table(NetworkSettings.From(configuration)));
        return services;
    }

    public static IEndpointRouteBuilder MapNetworkEndpoints(this IEndpointRouteBuilder routes)
    {
        NetworkEndpoints.MapNetwork(routes);
        LoadBalancing.ElbEndpoints.Map(routes);
        return routes;
    }
}
