using Mediator;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Network.LoadBalancing.Targets;

/// <summary>ELBv2's RegisterTargets: all or nothing, idempotent, a draining target registered again takes traffic again.</summary>
internal sealed record RegisterTargets(string TargetGroupArn, IReadOnlyList<TargetDescription>? Targets) : IRequest<Unit>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("elasticloadbalancing:RegisterTargets", TargetGroupArn);
}

internal sealed class RegisterTargetsHandler(TargetRegistry registry, ICallerContext caller) : IRequestHandler<RegisterTargets, Unit>
{
    public async ValueTask<Unit> Handle(RegisterTargets request, CancellationToken cancellationToken)
    {
        await registry.RegisterAsync(caller.Identity.AccountId, request.TargetGroupArn, request.Targets, cancellationToken);
        return Unit.Value;
    }
}

/// <summary>ELBv2's DeregisterTargets: the targets drain for the group's deregistration delay; a target not registered is <c>InvalidTarget</c>.</summary>
internal sealed record DeregisterTargets(string TargetGroupArn, IReadOnlyList<TargetDescription>? Targets) : IRequest<Unit>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("elasticloadbalancing:DeregisterTargets", TargetGroupArn);
}

internal sealed class DeregisterTargetsHandler(TargetRegistry registry, ICallerContext caller) : IRequestHandler<DeregisterTargets, Unit>
{
    public async ValueTask<Unit> Handle(DeregisterTargets request, CancellationToken cancellationToken)
    {
        await registry.DeregisterAsync(caller.Identity.AccountId, request.TargetGroupArn, request.Targets, strict: true, cancellationToken);
        return Unit.Value;
    }
}

internal sealed record DescribeTargetHealth(string TargetGroupArn, IReadOnlyList<TargetDescription>? Targets) : IRequest<TargetHealthListResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("elasticloadbalancing:DescribeTargetHealth", "*");
}

internal sealed record TargetHealthListResponse(IReadOnlyList<TargetHealthDescription> TargetHealthDescriptions);

internal sealed class DescribeTargetHealthHandler(TargetRegistry registry, ICallerContext caller) : IRequestHandler<DescribeTargetHealth, TargetHealthListResponse>
{
    public async ValueTask<TargetHealthListResponse> Handle(DescribeTargetHealth request, CancellationToken cancellationToken) =>
        new(await registry.HealthAsync(caller.Identity.AccountId, request.TargetGroupArn, request.Targets, cancellationToken));
}

/// <summary>The platform's own registrations (an Auto Scaling group's), for the account the request names.</summary>
internal sealed class RegisterGroupTargetsHandler(TargetRegistry registry) : IRequestHandler<RegisterGroupTargets>
{
    public async ValueTask<Unit> Handle(RegisterGroupTargets request, CancellationToken cancellationToken)
    {
        await registry.RegisterAsync(request.AccountId, request.TargetGroupArn, request.InstanceIds.Select(i => new TargetDescription(i, request.Port)).ToList(), cancellationToken);
        return Unit.Value;
    }
}

internal sealed class DeregisterGroupTargetsHandler(TargetRegistry registry) : IRequestHandler<DeregisterGroupTargets>
{
    public async ValueTask<Unit> Handle(DeregisterGroupTargets request, CancellationToken cancellationToken)
    {
        if (request.InstanceIds.Count > 0)
        {
            await registry.DeregisterAsync(request.AccountId, request.TargetGroupArn, request.InstanceIds.Select(i => new TargetDescription(i)).ToList(), strict: false, cancellationToken);
        }

        return Unit.Value;
    }
}

internal sealed class DescribeGroupTargetHealthHandler(TargetRegistry registry) : IRequestHandler<DescribeGroupTargetHealth, IReadOnlyList<GroupTargetHealth>>
{
    public async ValueTask<IReadOnlyList<GroupTargetHealth>> Handle(DescribeGroupTargetHealth request, CancellationToken cancellationToken) =>
        (await registry.HealthAsync(request.AccountId, request.TargetGroupArn, null, cancellationToken))
            .Select(h => new GroupTargetHealth(h.Target.Id!, h.Target.Port!.Value, h.TargetHealth.State, h.TargetHealth.Reason)).ToList();
}

internal sealed class DescribeGroupTargetGroupHandler(NetworkDbContext db) : IRequestHandler<DescribeGroupTargetGroup, GroupTargetGroup?>
{
    public async ValueTask<GroupTargetGroup?> Handle(DescribeGroupTargetGroup request, CancellationToken cancellationToken)
    {
        var group = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleOrDefaultAsync(
            db.TargetGroups, g => g.Arn == request.TargetGroupArn && g.AccountId == request.AccountId, cancellationToken);
        if (group is null)
        {
            return null;
        }

        var users = await db.LoadBalancersByTargetGroupAsync(request.AccountId, cancellationToken);
        return new GroupTargetGroup(group.Arn, group.VpcId, group.TargetType, group.Port, users.ContainsKey(group.Arn));
    }
}
