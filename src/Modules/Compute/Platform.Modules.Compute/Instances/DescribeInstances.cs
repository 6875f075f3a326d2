using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Hosts;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.Instances;

/// <summary>The account's instances, optionally by id, state, and tag (<c>key=value</c>), newest first.</summary>
internal sealed record DescribeInstances(IReadOnlyList<string> InstanceIds, IReadOnlyList<string> States, IReadOnlyList<string> Tags)
    : IRequest<InstancesResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) => new("ec2:DescribeInstances", "*");
}

internal sealed class DescribeInstancesHandler(ComputeDbContext db, ICallerContext caller, HostLiveness liveness, ISender sender)
    : IRequestHandler<DescribeInstances, InstancesResponse>
{
    public async ValueTask<InstancesResponse> Handle(DescribeInstances request, CancellationToken cancellationToken)
    {
        foreach (var id in request.InstanceIds)
        {
            InstanceLookup.EnsureWellFormed(id);
        }

        if (request.States.FirstOrDefault(s => !InstanceStates.All.Contains(s)) is { } badState)
        {
            throw ApiErrors.InvalidParameterValue($"The filter value '{badState}' is invalid for instance-state-name.");
        }

        var accountId = caller.Identity.AccountId;
        var query = db.Instances.AsNoTracking().Include(i => i.Tags).Where(i => i.AccountId == accountId && i.ManagedBy == null);
        if (request.InstanceIds.Count > 0)
        {
            query = query.Where(i => request.InstanceIds.Contains(i.Id));
        }

        if (request.States.Count > 0)
        {
            query = query.Where(i => request.States.Contains(i.State));
        }

        foreach (var tag in request.Tags)
        {
            var equals = tag.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? tag : tag[..equals];
            var value = equals < 0 ? null : tag[(equals + 1)..];
            query = query.Where(i => i.Tags.Any(t => t.Key == key && (value == null || t.Value == value)));
        }

        var instances = await query.OrderByDescending(i => i.CreatedAt).ThenBy(i => i.Id).ToListAsync(cancellationToken);
        if (request.InstanceIds.FirstOrDefault(id => instances.All(i => i.Id != id)) is { } missing && request.States.Count == 0 && request.Tags.Count == 0)
        {
            throw InstanceLookup.NotFound(missing);
        }

        var hostIds = instances.Select(i => i.HostId).Distinct().ToList();
        var reachable = (await db.Hosts.AsNoTracking().Where(h => hostIds.Contains(h.Id)).ToListAsync(cancellationToken))
            .ToDictionary(h => h.Id, liveness.IsReachable);
        var publicIps = instances.Count == 0 ? new Dictionary<string, string>()
            : await sender.Send(new DescribeInstancePublicAddresses(instances.Select(i => i.Id).ToList()), cancellationToken);
        return new InstancesResponse(instances.Select(i => InstanceResponse.From(i, reachable.GetValueOrDefault(i.HostId), publicIps.GetValueOrDefault(i.Id))).ToList());
    }
}
