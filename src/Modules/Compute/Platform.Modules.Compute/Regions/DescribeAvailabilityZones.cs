using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Compute.Hosts;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Hosting;

namespace Platform.Modules.Compute.Regions;

/// <param name="State"><c>available</c> while an enabled server of the zone answers (a launch can land there), else <c>unavailable</c>.</param>
internal sealed record AvailabilityZoneResponse(string ZoneName, string ZoneId, string RegionName, string State);

internal sealed record AvailabilityZonesResponse(IReadOnlyList<AvailabilityZoneResponse> AvailabilityZones);

internal sealed record RegionsResponse(IReadOnlyList<string> Regions);

/// <summary>The zones this cloud's configuration names (EC2's DescribeAvailabilityZones), each with what its servers make of it.</summary>
internal sealed record DescribeAvailabilityZones : IRequest<AvailabilityZonesResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DescribeAvailabilityZones", "*");
}

internal sealed class DescribeAvailabilityZonesHandler(ComputeDbContext db, HostLiveness liveness, IOptions<PlatformOptions> platform)
    : IRequestHandler<DescribeAvailabilityZones, AvailabilityZonesResponse>
{
    public async ValueTask<AvailabilityZonesResponse> Handle(DescribeAvailabilityZones request, CancellationToken cancellationToken)
    {
        var hosts = await db.Hosts.AsNoTracking().Where(h => !h.Disabled).ToListAsync(cancellationToken);
        var live = hosts.Where(liveness.IsReachable).Select(h => h.AvailabilityZone).ToHashSet(StringComparer.Ordinal);
        var region = platform.Value.Region;
        var zones = platform.Value.Zones.Select((zone, i) =>
            new AvailabilityZoneResponse(zone, $"{region}-az{i + 1}", region, live.Contains(zone) ? "available" : "unavailable"));
        return new AvailabilityZonesResponse([.. zones]);
    }
}

/// <summary>The one region this cloud is (EC2's DescribeRegions): the name clients sign for.</summary>
internal sealed record DescribeRegions : IRequest<RegionsResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DescribeRegions", "*");
}

internal sealed class DescribeRegionsHandler(IOptions<PlatformOptions> platform) : IRequestHandler<DescribeRegions, RegionsResponse>
{
    public ValueTask<RegionsResponse> Handle(DescribeRegions request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new RegionsResponse([platform.Value.Region]));
}
