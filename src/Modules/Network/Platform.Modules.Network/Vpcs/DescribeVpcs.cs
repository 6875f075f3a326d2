using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Network.Tagging;

namespace Platform.Modules.Network.Vpcs;

/// <summary>The account's VPCs, or the named ones (an unknown id fails, as in EC2). The first call makes the default VPC.</summary>
internal sealed record DescribeVpcs(IReadOnlyList<string> VpcIds) : IRequest<VpcListResponse>, IRequiresPermission
{
    // EC2's Describe* actions take no resource-level permissions.
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DescribeVpcs", "*");
}

internal sealed class DescribeVpcsHandler(NetworkDbContext db, ICallerContext caller, DefaultVpcProvisioner defaults)
    : IRequestHandler<DescribeVpcs, VpcListResponse>
{
    public async ValueTask<VpcListResponse> Handle(DescribeVpcs request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        await defaults.EnsureAsync(accountId, cancellationToken);
        var query = db.Vpcs.AsNoTracking().Where(v => v.AccountId == accountId);
        if (request.VpcIds.Count > 0)
        {
            query = query.Where(v => request.VpcIds.Contains(v.Id));
        }

        var vpcs = await query.OrderBy(v => v.CreatedAt).ThenBy(v => v.Id).ToListAsync(cancellationToken);
        if (Lookups.FirstMissing(request.VpcIds, vpcs.Select(v => v.Id)) is { } missing)
        {
            throw NetworkErrors.VpcNotFound(missing);
        }

        var tags = await NetworkTagStore.OfAsync(db, accountId, [.. vpcs.Select(v => v.Id)], cancellationToken);
        return new VpcListResponse(vpcs.Select(v => VpcResponse.From(v) with { Tags = tags.For(v.Id) }).ToList());
    }
}
