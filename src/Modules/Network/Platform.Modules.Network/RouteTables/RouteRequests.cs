using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Network.RouteTables;

/// <summary>A route's destination and its one target, as CreateRoute and ReplaceRoute take them.</summary>
internal sealed record RouteSpec(string? DestinationCidrBlock, string? GatewayId, string? NatGatewayId, string? NetworkInterfaceId, string? InstanceId)
{
    public void Validate()
    {
        Parameter.Required(DestinationCidrBlock, "DestinationCidrBlock");
        if (!Ipv4Cidr.TryParse(DestinationCidrBlock, out _))
        {
            throw NetworkErrors.InvalidCidr(DestinationCidrBlock, "destinationCidrBlock");
        }

        var targets = new[] { GatewayId, NatGatewayId, NetworkInterfaceId, InstanceId }.Count(t => t is not null);
        if (targets == 0)
        {
            throw ApiErrors.MissingParameter("The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId or instanceId.");
        }

        if (targets > 1)
        {
            throw new ApiException(400, "InvalidParameterCombination", "The parameters gatewayId, natGatewayId, networkInterfaceId and instanceId are mutually exclusive.");
        }
    }
}

/// <summary>
/// Checks a route's target: the caller's, and in the table's VPC (an internet gateway attached to it), as EC2 does. A target
/// of another account does not exist here; one of another VPC is InvalidParameterValue ("belong to different networks").
/// </summary>
internal static class RouteTargetCheck
{
    public static async Task<Route> ResolveAsync(NetworkDbContext db, string accountId, RouteTable table, RouteSpec spec, CancellationToken cancellationToken)
    {
        _ = Ipv4Cidr.TryParse(spec.DestinationCidrBlock, out var destination);
        var route = new Route { RouteTableId = table.Id, DestinationCidrBlock = destination.ToString(), AccountId = accountId, CreatedAt = DateTime.UtcNow };
        if (spec.GatewayId is { } gatewayId)
        {
            var gateway = await db.InternetGateways.AsNoTracking().SingleOrDefaultAsync(g => g.Id == gatewayId && g.AccountId == accountId, cancellationToken)
                ?? throw NetworkErrors.GatewayNotFound(gatewayId);
            if (gateway.AttachedVpcId != table.VpcId)
            {
                throw NetworkErrors.DifferentNetworks(table.Id, gateway.Id);
            }

            route.GatewayId = gateway.Id;
        }
        else if (spec.NatGatewayId is { } natId)
        {
            var nat = await db.NatGateways.AsNoTracking().SingleOrDefaultAsync(
                    n => n.Id == natId && n.AccountId == accountId && n.State != NatGatewayStates.Deleted && n.State != NatGatewayStates.Deleting, cancellationToken)
                ?? throw NetworkErrors.NatGatewayNotFound(natId);
            if (nat.VpcId != table.VpcId)
            {
                throw NetworkErrors.DifferentNetworks(table.Id, nat.Id);
            }

            route.NatGatewayId = nat.Id;
        }
        else
        {
            var eni = spec.NetworkInterfaceId is { } eniId
                ? await db.NetworkInterfaces.AsNoTracking().SingleOrDefaultAsync(n => n.Id == eniId && n.AccountId == accountId, cancellationToken)
                    ?? throw NetworkErrors.InterfaceNotFound(eniId)
                : await db.NetworkInterfaces.AsNoTracking().Where(n => n.InstanceId == spec.InstanceId && n.AccountId == accountId).OrderBy(n => n.CreatedAt).FirstOrDefaultAsync(cancellationToken)
                    ?? throw NetworkErrors.InstanceNotFound(spec.InstanceId!);
            if (eni.VpcId != table.VpcId)
            {
                throw NetworkErrors.DifferentNetworks(table.Id, eni.Id);
            }

            route.NetworkInterfaceId = eni.Id;
        }

        return route;
    }

    /// <summary>The VPC's own block is the local route's: no other route may name it.</summary>
    public static async Task EnsureNotLocalAsync(NetworkDbContext db, RouteTable table, string destination, CancellationToken cancellationToken)
    {
        var block = await db.Vpcs.AsNoTracking().Where(v => v.Id == table.VpcId).Select(v => v.CidrBlock).SingleAsync(cancellationToken);
        if (block == destination)
        {
            throw NetworkErrors.RouteAlreadyExists(table.Id, destination);
        }
    }
}

/// <summary>Adds a route; one to the same destination already in the table is RouteAlreadyExists (the table's key decides a race).</summary>
internal sealed record CreateRoute(string Region, string RouteTableId, RouteSpec Route) : IRequest<RouteResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:CreateRoute", NetworkArns.RouteTable(Region, caller.AccountId, RouteTableId));

    public void Validate() => Route.Validate();
}

internal sealed class CreateRouteHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<CreateRoute, RouteResponse>
{
    public async ValueTask<RouteResponse> Handle(CreateRoute request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        for (var attempt = 0; ; attempt++)
        {
            var table = await db.FindRouteTableAsync(accountId, request.RouteTableId, cancellationToken);
            var route = await RouteTargetCheck.ResolveAsync(db, accountId, table, request.Route, cancellationToken);
            await RouteTargetCheck.EnsureNotLocalAsync(db, table, route.DestinationCidrBlock, cancellationToken);
            if (await db.Routes.AnyAsync(r => r.RouteTableId == table.Id && r.DestinationCidrBlock == route.DestinationCidrBlock, cancellationToken))
            {
                throw NetworkErrors.RouteAlreadyExists(table.Id, route.DestinationCidrBlock);
            }

            db.Routes.Add(route);
            table.Version++;
            EdgeChanges.Add(db, accountId, [table.VpcId]);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException) when (attempt < 8)
            {
                // The table changed since it was read (another route landed, or it was deleted): look again.
                db.ChangeTracker.Clear();
                continue;
            }
            catch (DbUpdateConcurrencyException)
            {
                throw NetworkErrors.Busy();
            }
            catch (DbUpdateException)
            {
                throw NetworkErrors.RouteAlreadyExists(table.Id, route.DestinationCidrBlock);
            }

            var targets = await RouteTargets.LoadAsync(db, [route], cancellationToken);
            return targets.Describe(route, table.VpcId);
        }
    }
}

/// <summary>Points an existing route at another target (InvalidRoute.NotFound when the table has no route to that destination).</summary>
internal sealed record ReplaceRoute(string Region, string RouteTableId, RouteSpec Route) : IRequest<RouteResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:ReplaceRoute", NetworkArns.RouteTable(Region, caller.AccountId, RouteTableId));

    public void Validate() => Route.Validate();
}

internal sealed class ReplaceRouteHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<ReplaceRoute, RouteResponse>
{
    public async ValueTask<RouteResponse> Handle(ReplaceRoute request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var table = await db.FindRouteTableAsync(accountId, request.RouteTableId, cancellationToken);
        var wanted = await RouteTargetCheck.ResolveAsync(db, accountId, table, request.Route, cancellationToken);
        var route = await db.Routes.SingleOrDefaultAsync(r => r.RouteTableId == table.Id && r.DestinationCidrBlock == wanted.DestinationCidrBlock, cancellationToken)
            ?? throw NetworkErrors.RouteNotFound(table.Id, wanted.DestinationCidrBlock);
        route.GatewayId = wanted.GatewayId;
        route.NatGatewayId = wanted.NatGatewayId;
        route.NetworkInterfaceId = wanted.NetworkInterfaceId;
        table.Version++;
        EdgeChanges.Add(db, accountId, [table.VpcId]);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw NetworkErrors.Busy();
        }

        var targets = await RouteTargets.LoadAsync(db, [route], cancellationToken);
        return targets.Describe(route, table.VpcId);
    }
}

internal sealed record DeleteRoute(string Region, string RouteTableId, string? DestinationCidrBlock) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DeleteRoute", NetworkArns.RouteTable(Region, caller.AccountId, RouteTableId));

    public void Validate()
    {
        Parameter.Required(DestinationCidrBlock, "DestinationCidrBlock");
        if (!Ipv4Cidr.TryParse(DestinationCidrBlock, out _))
        {
            throw NetworkErrors.InvalidCidr(DestinationCidrBlock, "destinationCidrBlock");
        }
    }
}

internal sealed class DeleteRouteHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DeleteRoute>
{
    public async ValueTask<Unit> Handle(DeleteRoute request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var table = await db.FindRouteTableAsync(accountId, request.RouteTableId, cancellationToken);
        var route = await db.Routes.SingleOrDefaultAsync(r => r.RouteTableId == table.Id && r.DestinationCidrBlock == request.DestinationCidrBlock, cancellationToken)
            ?? throw NetworkErrors.RouteNotFound(table.Id, request.DestinationCidrBlock!);
        db.Routes.Remove(route);
        EdgeChanges.Add(db, accountId, [table.VpcId]);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw NetworkErrors.RouteNotFound(table.Id, request.DestinationCidrBlock!);
        }

        return Unit.Value;
    }
}
