using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.LoadBalancing.Rules;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Network.LoadBalancing.Listeners;

internal sealed record ListenerResponse(string ListenerArn, string LoadBalancerArn, int Port, string Protocol, IReadOnlyList<ActionResponse> DefaultActions)
{
    public static ListenerResponse From(Listener l) =>
        new(l.Arn, l.LoadBalancerArn, l.Port, l.Protocol, [ActionResponse.From(ElbJson.Read<RuleAction>(l.DefaultActionJson))]);
}

internal sealed record ListenerListResponse(IReadOnlyList<ListenerResponse> Listeners);

/// <summary>
/// ELBv2's CreateListener: HTTP on an application load balancer (HTTPS needs certificates, not offered), TCP, UDP or
/// TCP_UDP on a network one; one listener per port (<c>DuplicateListener</c>); its default action checked as a rule's.
/// </summary>
internal sealed record CreateListener(string? LoadBalancerArn, string? Protocol, int? Port, IReadOnlyList<RuleActionSpec>? DefaultActions)
    : IRequest<ListenerResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("elasticloadbalancing:CreateListener", LoadBalancerArn ?? "*");
}

internal sealed class CreateListenerHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<CreateListener, ListenerResponse>
{
    public async ValueTask<ListenerResponse> Handle(CreateListener request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var lb = await db.FindLoadBalancerAsync(accountId, request.LoadBalancerArn, cancellationToken);
        var protocol = request.Protocol ?? (lb.Type == LoadBalancerTypes.Application ? "HTTP" : null);
        var allowed = lb.Type == LoadBalancerTypes.Application ? new[] { "HTTP" } : ["TCP", "UDP", "TCP_UDP"];
        if (protocol is null || !allowed.Contains(protocol))
        {
            throw ElbErrors.UnsupportedProtocol(protocol ?? "(none)");
        }

        if (request.Port is not (>= 1 and <= 65535))
        {
            throw ElbErrors.Validation("A listener needs a port from 1 to 65535.");
        }

        var action = await ListenerActions.CheckAsync(db, accountId, lb, protocol, request.DefaultActions, cancellationToken);
        if (await db.Listeners.AnyAsync(l => l.LoadBalancerArn == lb.Arn && l.Port == request.Port, cancellationToken))
        {
            throw ElbErrors.DuplicateListener(request.Port.Value);
        }

        var listener = new Listener
        {
            Arn = ElbArns.Listener(lb.Arn, ElbArns.NewId()),
            LoadBalancerArn = lb.Arn,
            AccountId = accountId,
            Protocol = protocol,
            Port = request.Port.Value,
            DefaultActionJson = ElbJson.Write(action),
            CreatedAt = DateTime.UtcNow,
        };
        db.Listeners.Add(listener);
        await LoadBalancerChanges.AddAsync(db, accountId, cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            throw ElbErrors.DuplicateListener(request.Port.Value);
        }

        return ListenerResponse.From(listener);
    }
}

/// <summary>A load balancer's listeners, or the named ones.</summary>
internal sealed record DescribeListeners(string? LoadBalancerArn, IReadOnlyList<string> ListenerArns) : IRequest<ListenerListResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("elasticloadbalancing:DescribeListeners", "*");
}

internal sealed class DescribeListenersHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DescribeListeners, ListenerListResponse>
{
    public async ValueTask<ListenerListResponse> Handle(DescribeListeners request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        if (request.LoadBalancerArn is null && request.ListenerArns.Count == 0)
        {
            throw ElbErrors.Validation("Either a load balancer ARN or listener ARNs must be specified.");
        }

        var query = db.Listeners.AsNoTracking().Where(l => l.AccountId == accountId);
        if (request.LoadBalancerArn is not null)
        {
            await db.FindLoadBalancerAsync(accountId, request.LoadBalancerArn, cancellationToken);
            query = query.Where(l => l.LoadBalancerArn == request.LoadBalancerArn);
        }

        if (request.ListenerArns.Count > 0)
        {
            query = query.Where(l => request.ListenerArns.Contains(l.Arn));
        }

        var listeners = await query.OrderBy(l => l.Port).ToListAsync(cancellationToken);
        if (Lookups.FirstMissing(request.ListenerArns, listeners.Select(l => l.Arn)) is { } missing)
        {
            throw ElbErrors.ListenerNotFound(missing);
        }

        return new ListenerListResponse(listeners.Select(ListenerResponse.From).ToList());
    }
}

/// <summary>Deletes a listener and its rules.</summary>
internal sealed record DeleteListener(string ListenerArn) : IRequest<Unit>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("elasticloadbalancing:DeleteListener", ListenerArn);
}

internal sealed class DeleteListenerHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DeleteListener, Unit>
{
    public async ValueTask<Unit> Handle(DeleteListener request, CancellationToken cancellationToken)
    {
        var listener = await db.FindListenerAsync(caller.Identity.AccountId, request.ListenerArn, cancellationToken);
        db.ListenerRules.RemoveRange(await db.ListenerRules.Where(r => r.ListenerArn == listener.Arn).ToListAsync(cancellationToken));
        db.Listeners.Remove(listener);
        await LoadBalancerChanges.AddAsync(db, listener.AccountId, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
