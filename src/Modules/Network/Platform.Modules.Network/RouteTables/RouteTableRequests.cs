using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Network.Tagging;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Tagging;

namespace Platform.Modules.Network.RouteTables;

/// <summary>A custom route table of a VPC, holding only the local route; subnets use it once associated.</summary>
/// <param name="Tags">Tags the table is made with (EC2's TagSpecification), saved with it.</param>
internal sealed record CreateRouteTable(string Region, string? VpcId, IReadOnlyList<ResourceTag>? Tags = null) : IRequest<RouteTableResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:CreateRouteTable", NetworkArns.Vpc(Region, caller.AccountId, VpcId ?? "*"));

    public void Validate()
    {
        Parameter.Required(VpcId, "VpcId");
        ResourceTags.Validate(Tags);
    }
}

internal sealed class CreateRouteTableHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<CreateRouteTable, RouteTableResponse>
{
    public async ValueTask<RouteTableResponse> Handle(CreateRouteTable request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var vpc = await db.FindVpcAsync(accountId, request.VpcId!, cancellationToken);
        var table = new RouteTable { Id = ResourceIds.New("rtb"), AccountId = accountId, VpcId = vpc.Id, CreatedAt = DateTime.UtcNow };
        db.RouteTables.Add(table);
        NetworkTagStore.Add(db, accountId, table.Id, request.Tags);
        await db.SaveChangesAsync(cancellationToken);
        if (!await db.Vpcs.AnyAsync(v => v.Id == vpc.Id, cancellationToken))
        {
            // The VPC was deleted meanwhile (its delete looks for tables after its own write; we look for it after ours).
            await NetworkTagStore.RemoveAllAsync(db, [table.Id], cancellationToken);
            db.RouteTables.Remove(table);
            await db.SaveChangesAsync(cancellationToken);
            throw NetworkErrors.VpcNotFound(vpc.Id);
        }

        return (await RouteTableViews.DescribeAsync(db, [table], cancellationToken))[0];
    }
}

/// <summary>The account's route tables: all, the named ones (an unknown id fails), or those of some VPCs.</summary>
internal sealed record DescribeRouteTables(IReadOnlyList<string> RouteTableIds, IReadOnlyList<string> VpcIds) : IRequest<RouteTableListResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DescribeRouteTables", "*");
}

internal sealed class DescribeRouteTablesHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DescribeRouteTables, RouteTableListResponse>
{
    public async ValueTask<RouteTableListResponse> Handle(DescribeRouteTables request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var query = db.RouteTables.AsNoTracking().Where(t => t.AccountId == accountId);
        if (request.RouteTableIds.Count > 0)
        {
            query = query.Where(t => request.RouteTableIds.Contains(t.Id));
        }

        if (request.VpcIds.Count > 0)
        {
            query = query.Where(t => request.VpcIds.Contains(t.VpcId));
        }

        var tables = await query.OrderBy(t => t.CreatedAt).ThenBy(t => t.Id).ToListAsync(cancellationToken);
        if (request.VpcIds.Count == 0 && Lookups.FirstMissing(request.RouteTableIds, tables.Select(t => t.Id)) is { } missing)
        {
            throw NetworkErrors.RouteTableNotFound(missing);
        }

        return new RouteTableListResponse(await RouteTableViews.DescribeAsync(db, tables, cancellationToken));
    }
}

/// <summary>Deletes a custom table with no subnet associated (DependencyViolation otherwise, and always for the main table).</summary>
internal sealed record DeleteRouteTable(string Region, string RouteTableId) : IRequest, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DeleteRouteTable", NetworkArns.RouteTable(Region, caller.AccountId, RouteTableId));
}

internal sealed class DeleteRouteTableHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DeleteRouteTable>
{
    public async ValueTask<Unit> Handle(DeleteRouteTable request, CancellationToken cancellationToken)
    {
        var table = await db.FindRouteTableAsync(caller.Identity.AccountId, request.RouteTableId, cancellationToken);
        var violation = () => NetworkErrors.DependencyViolation($"The routeTable '{table.Id}' has dependencies and cannot be deleted.");
        Func<CancellationToken, Task<bool>> inUse = ct => db.RouteTableAssociations.AnyAsync(a => a.RouteTableId == table.Id, ct);
        if (await inUse(cancellationToken))
        {
            throw violation();
        }

        db.Routes.RemoveRange(await db.Routes.Where(r => r.RouteTableId == table.Id).ToListAsync(cancellationToken));
        await NetworkTagStore.RemoveAllAsync(db, [table.Id], cancellationToken);
        db.RouteTables.Remove(table);
        await CheckedDelete.RunAsync(db, inUse, violation, cancellationToken);
        return Unit.Value;
    }
}

/// <summary>
/// Associates a subnet with a table of its VPC (the subnet leaves the main table). A subnet has one table: a second
/// association is Resource.AlreadyAssociated, which the unique subnet column decides when two race.
/// </summary>
internal sealed record AssociateRouteTable(string Region, string RouteTableId, string? SubnetId)
    : IRequest<RouteTableAssociationIdResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:AssociateRouteTable", NetworkArns.RouteTable(Region, caller.AccountId, RouteTableId));

    public void Validate() => Parameter.Required(SubnetId, "SubnetId");
}

internal sealed class AssociateRouteTableHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<AssociateRouteTable, RouteTableAssociationIdResponse>
{
    public async ValueTask<RouteTableAssociationIdResponse> Handle(AssociateRouteTable request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var table = await db.FindRouteTableAsync(accountId, request.RouteTableId, cancellationToken);
        var subnet = await db.FindSubnetAsync(accountId, request.SubnetId!, cancellationToken);
        if (subnet.VpcId != table.VpcId)
        {
            throw ApiErrors.InvalidParameterValue($"route table {table.Id} and subnet {subnet.Id} belong to different networks");
        }

        var conflict = () => NetworkErrors.AlreadyAssociated($"the specified association for route table {table.Id} conflicts with an existing association");
        if (await db.RouteTableAssociations.AnyAsync(a => a.SubnetId == subnet.Id, cancellationToken))
        {
            throw conflict();
        }

        var association = new RouteTableAssociation
        {
            Id = ResourceIds.New("rtbassoc"), AccountId = accountId, VpcId = table.VpcId, RouteTableId = table.Id, SubnetId = subnet.Id, CreatedAt = DateTime.UtcNow,
        };
        db.RouteTableAssociations.Add(association);
        table.Version++;
        EdgeChanges.Add(db, accountId, [table.VpcId]);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw NetworkErrors.RouteTableNotFound(table.Id);
        }
        catch (DbUpdateException)
        {
            throw conflict();
        }

        return new RouteTableAssociationIdResponse(association.Id, new AssociationState("associated"));
    }
}

/// <summary>Ends a subnet's association: the subnet uses the main table again. The main association cannot be ended, only moved.</summary>
internal sealed record DisassociateRouteTable(string Region, string AssociationId) : IRequest, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DisassociateRouteTable", NetworkArns.RouteTable(Region, caller.AccountId, "*"));
}

internal sealed class DisassociateRouteTableHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DisassociateRouteTable>
{
    public async ValueTask<Unit> Handle(DisassociateRouteTable request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var association = await db.RouteTableAssociations.SingleOrDefaultAsync(a => a.Id == request.AssociationId && a.AccountId == accountId, cancellationToken)
            ?? throw NetworkErrors.RouteTableAssociationNotFound(request.AssociationId);
        if (association.MainVpcId is not null)
        {
            throw ApiErrors.InvalidParameterValue($"cannot disassociate the main route table association {association.Id}");
        }

        db.RouteTableAssociations.Remove(association);
        EdgeChanges.Add(db, accountId, [association.VpcId]);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw NetworkErrors.RouteTableAssociationNotFound(request.AssociationId);
        }

        return Unit.Value;
    }
}

/// <summary>
/// Moves an association (a subnet's, or the VPC's main association) to another table of the VPC: EC2's
/// ReplaceRouteTableAssociation, which answers a new association id.
/// </summary>
internal sealed record ReplaceRouteTableAssociation(string Region, string AssociationId, string? RouteTableId)
    : IRequest<RouteTableAssociationIdResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("ec2:ReplaceRouteTableAssociation", NetworkArns.RouteTable(Region, caller.AccountId, RouteTableId ?? "*"));

    public void Validate() => Parameter.Required(RouteTableId, "RouteTableId");
}

internal sealed class ReplaceRouteTableAssociationHandler(NetworkDbContext db, ICallerContext caller)
    : IRequestHandler<ReplaceRouteTableAssociation, RouteTableAssociationIdResponse>
{
    public async ValueTask<RouteTableAssociationIdResponse> Handle(ReplaceRouteTableAssociation request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var association = await db.RouteTableAssociations.SingleOrDefaultAsync(a => a.Id == request.AssociationId && a.AccountId == accountId, cancellationToken)
            ?? throw NetworkErrors.RouteTableAssociationNotFound(request.AssociationId);
        var table = await db.FindRouteTableAsync(accountId, request.RouteTableId!, cancellationToken);
        if (table.VpcId != association.VpcId)
        {
            throw ApiErrors.InvalidParameterValue($"route table {table.Id} and association {association.Id} belong to different networks");
        }

        var replacement = new RouteTableAssociation
        {
            Id = ResourceIds.New("rtbassoc"), AccountId = accountId, VpcId = association.VpcId, RouteTableId = table.Id, SubnetId = association.SubnetId,
            MainVpcId = association.MainVpcId, CreatedAt = DateTime.UtcNow,
        };

        // Two saves in one transaction, each accepted at once so the second does not repeat the first; a rollback
        // ends in an error, and this request's context goes with it.
        // The old row goes first and the new one takes its unique subnet (or main) key, in one transaction.
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            db.RouteTableAssociations.Remove(association);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                throw NetworkErrors.RouteTableAssociationNotFound(request.AssociationId);
            }

            db.RouteTableAssociations.Add(replacement);
            table.Version++;
            EdgeChanges.Add(db, accountId, [table.VpcId]);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                throw NetworkErrors.RouteTableNotFound(table.Id);
            }

            await transaction.CommitAsync(ct);
        }, cancellationToken);
        return new RouteTableAssociationIdResponse(replacement.Id, new AssociationState("associated"));
    }
}

/// <summary>Reads tables with their routes (the local one first) and associations, as describe calls show them.</summary>
internal static class RouteTableViews
{
    public static async Task<List<RouteTableResponse>> DescribeAsync(NetworkDbContext db, IReadOnlyList<RouteTable> tables, CancellationToken cancellationToken)
    {
        var ids = tables.Select(t => t.Id).ToList();
        var vpcIds = tables.Select(t => t.VpcId).Distinct().ToList();
        var blocks = await db.Vpcs.AsNoTracking().Where(v => vpcIds.Contains(v.Id)).ToDictionaryAsync(v => v.Id, v => v.CidrBlock, cancellationToken);
        var routes = await db.Routes.AsNoTracking().Where(r => ids.Contains(r.RouteTableId)).ToListAsync(cancellationToken);
        var associations = await db.RouteTableAssociations.AsNoTracking().Where(a => ids.Contains(a.RouteTableId)).ToListAsync(cancellationToken);
        var targets = await RouteTargets.LoadAsync(db, routes, cancellationToken);
        var tags = await NetworkTagStore.OfAsync(db, tables.Count == 0 ? "" : tables[0].AccountId, ids, cancellationToken);
        return tables.Select(t => new RouteTableResponse(
            t.Id,
            t.VpcId,
            t.AccountId,
            [
                new RouteResponse(blocks.GetValueOrDefault(t.VpcId, ""), "local", null, null, null, "active", "CreateRouteTable"),
                .. routes.Where(r => r.RouteTableId == t.Id).OrderBy(r => r.DestinationCidrBlock, StringComparer.Ordinal).Select(r => targets.Describe(r, t.VpcId)),
            ],
            associations.Where(a => a.RouteTableId == t.Id).OrderByDescending(a => a.MainVpcId != null).ThenBy(a => a.Id, StringComparer.Ordinal)
                .Select(RouteTableAssociationResponse.From).ToList()) { Tags = tags.For(t.Id) }).ToList();
    }
}
