using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.InstanceTypes;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Compute.Hosts;

internal sealed record HostResponse(
    string HostId,
    string HostName,
    string AvailabilityZone,
    string Status,
    int Cpus,
    long MemoryMib,
    long DiskBytes,
    long DiskFreeBytes,
    int RunningDomains,
    int AllocatedVcpus,
    long AllocatedMemoryMib,
    int Instances,
    long DesiredVersion,
    long AppliedVersion,
    DateTime EnrolledAt,
    DateTime LastHeartbeatAt,
    string? StatusReason = null);

internal sealed record HostsResponse(IReadOnlyList<HostResponse> Hosts);

/// <summary>The operator's view of the servers: capacity, what is promised on them, whether they answer.</summary>
internal sealed record DescribeHosts : IRequest<HostsResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("platform:DescribeHosts", Arns.Build("platform", region, caller.AccountId, "host/*"));
}

internal sealed class DescribeHostsHandler(ComputeDbContext db, ISender sender, ICallerContext caller, HostLiveness liveness)
    : IRequestHandler<DescribeHosts, HostsResponse>
{
    public async ValueTask<HostsResponse> Handle(DescribeHosts request, CancellationToken cancellationToken)
    {
        await OperatorCheck.EnsureOperatorAsync(sender, caller, cancellationToken);
        var hosts = await db.Hosts.AsNoTracking().OrderBy(h => h.AvailabilityZone).ThenBy(h => h.Name).ToListAsync(cancellationToken);
        var allocations = await HostAllocations.LoadAsync(db, cancellationToken);
        return new HostsResponse(hosts.Select(h =>
        {
            var used = allocations.GetValueOrDefault(h.Id);
            return new HostResponse(h.Id, h.Name, h.AvailabilityZone, liveness.Status(h), h.Cpus, h.MemoryMiB, h.DiskBytes, h.DiskFreeBytes,
                h.RunningDomains, used.VirtualCpus, used.MemoryMiB, used.Instances, h.DesiredVersion, h.AppliedVersion, h.EnrolledAt,
                h.LastHeartbeatAt, liveness.IsReachable(h) ? h.DegradedReason : "missed its heartbeats");
        }).ToList());
    }
}

/// <summary>What instances hold on each host: every instance not terminated keeps its place, stopped ones too.</summary>
internal readonly record struct HostAllocation(int VirtualCpus, long MemoryMiB, int Instances);

internal static class HostAllocations
{
    public static async Task<Dictionary<string, HostAllocation>> LoadAsync(ComputeDbContext db, CancellationToken cancellationToken)
    {
        var rows = await db.Instances.AsNoTracking()
            // An interrupted spot instance that has stopped gave its capacity to the on-demand launch that took it back.
            .Where(i => i.State != InstanceStates.Terminated && !(i.SpotActionTime != null && i.State == InstanceStates.Stopped))
            .GroupBy(i => new { i.HostId, i.InstanceType })
            .Select(g => new { g.Key.HostId, g.Key.InstanceType, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var result = new Dictionary<string, HostAllocation>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var type = InstanceTypeCatalog.Find(row.InstanceType);
            var current = result.GetValueOrDefault(row.HostId);
            result[row.HostId] = new HostAllocation(
                current.VirtualCpus + (type?.VirtualCpus ?? 0) * row.Count,
                current.MemoryMiB + (type?.MemoryMiB ?? 0L) * row.Count,
                current.Instances + row.Count);
        }

        return result;
    }
}
