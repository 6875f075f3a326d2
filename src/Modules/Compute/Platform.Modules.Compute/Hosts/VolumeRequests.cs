using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Compute.Persistence;

namespace Platform.Modules.Compute.Hosts;

/// <summary>Storage's questions about an instance before it attaches a volume to it.</summary>
internal sealed class DescribeInstancePlacementHandler(ComputeDbContext db) : IRequestHandler<DescribeInstancePlacement, InstancePlacement?>
{
    public async ValueTask<InstancePlacement?> Handle(DescribeInstancePlacement request, CancellationToken cancellationToken) =>
        await db.Instances.AsNoTracking()
            .Where(i => i.Id == request.InstanceId && i.AccountId == request.AccountId && i.ManagedBy == null)
            .Select(i => new InstancePlacement(i.Id, i.State, i.HostId, i.AvailabilityZone))
            .SingleOrDefaultAsync(cancellationToken);
}

internal sealed class DescribeInstancePlacementsHandler(ComputeDbContext db) : IRequestHandler<DescribeInstancePlacements, IReadOnlyList<InstancePlacement>>
{
    public async ValueTask<IReadOnlyList<InstancePlacement>> Handle(DescribeInstancePlacements request, CancellationToken cancellationToken)
    {
        var found = new List<InstancePlacement>();
        foreach (var batch in request.InstanceIds.Distinct(StringComparer.Ordinal).Chunk(500))
        {
            found.AddRange(await db.Instances.AsNoTracking()
                .Where(i => batch.Contains(i.Id))
                .Select(i => new InstancePlacement(i.Id, i.State, i.HostId, i.AvailabilityZone))
                .ToListAsync(cancellationToken));
        }

        return found;
    }
}

/// <summary>Another module changed what a server must hold: a new desired-state version, and its agent wakes.</summary>
internal sealed class RaiseHostDesiredStateHandler(ComputeDbContext db, DesiredStateSignals signals) : IRequestHandler<RaiseHostDesiredState, long>
{
    public async ValueTask<long> Handle(RaiseHostDesiredState request, CancellationToken cancellationToken)
    {
        var version = await ConcurrencyRetry.RunAsync(db, async () =>
        {
            var host = await db.Hosts.SingleAsync(h => h.Id == request.HostId, cancellationToken);
            host.DesiredVersion++;
            await db.SaveChangesAsync(cancellationToken);
            return host.DesiredVersion;
        });
        signals.Changed(request.HostId);
        return version;
    }
}

internal sealed class AuthenticateAgentHostHandler(ISender sender) : IRequestHandler<AuthenticateAgentHost, string>
{
    public async ValueTask<string> Handle(AuthenticateAgentHost request, CancellationToken cancellationToken) =>
        await sender.Send(new AuthenticateHost(request.Authorization), cancellationToken);
}
