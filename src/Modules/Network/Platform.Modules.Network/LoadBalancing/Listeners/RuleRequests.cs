using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.LoadBalancing.Rules;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Network.LoadBalancing.Listeners;

/// <param name="Priority">1 to 50000, or <c>default</c> for the listener's default rule (its default action).</param>
internal sealed record RuleResponse(string RuleArn, string Priority, IReadOnlyList<ConditionResponse> Conditions, IReadOnlyList<ActionResponse> Actions, bool IsDefault)
{
    public static RuleResponse From(ListenerRule r) => new(r.Arn, r.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ElbJson.Read<List<RuleCondition>>(r.ConditionsJson).Select(ConditionResponse.From).ToList(), [ActionResponse.From(ElbJson.Read<RuleAction>(r.ActionJson))], false);

    /// <summary>The default rule ELBv2 shows for a listener: its default action, no conditions, its own ARN.</summary>
    public static RuleResponse Default(Listener l) =>
        new(ElbArns.Rule(l.Arn, "default"), "default", [], [ActionResponse.From(ElbJson.Read<RuleAction>(l.DefaultActionJson))], true);
}

internal sealed record RuleListResponse(IReadOnlyList<RuleResponse> Rules);

/// <summary>
/// ELBv2's CreateRule on an application load balancer's listener: conditions and one action checked as ELBv2 does, a
/// priority from 1 to 50000 that no other rule of the listener has (<c>PriorityInUse</c>; the unique index settles two
/// racing creations), at most 100 rules per listener (<c>TooManyRules</c>).
/// </summary>
internal sealed record CreateRule(string? ListenerArn, int? Priority, IReadOnlyList<RuleConditionSpec>? Conditions, IReadOnlyList<RuleActionSpec>? Actions)
    : IRequest<RuleResponse>, IRequiresPermission
{
    public const int MaxRulesPerListener = 100;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("elasticloadbalancing:CreateRule", ListenerArn ?? "*");
}

internal sealed class CreateRuleHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<CreateRule, RuleResponse>
{
    public async ValueTask<RuleResponse> Handle(CreateRule request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var listener = await db.FindListenerAsync(accountId, request.ListenerArn, cancellationToken);
        var lb = await db.FindLoadBalancerAsync(accountId, listener.LoadBalancerArn, cancellationToken);
        if (lb.Type != LoadBalancerTypes.Application)
        {
            throw ElbErrors.OperationNotPermitted("Rules can only be added to the listeners of an application load balancer.");
        }

        if (request.Priority is not (>= 1 and <= 50000))
        {
            throw ElbErrors.Validation($"Rule priority must be 1 to 50000, not {request.Priority?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}.");
        }

        var conditions = RuleConditions.Check(request.Conditions);
        var action = await ListenerActions.CheckAsync(db, accountId, lb, listener.Protocol, request.Actions, cancellationToken);
        var count = await db.ListenerRules.CountAsync(r => r.ListenerArn == listener.Arn, cancellationToken);
        if (await db.ListenerRules.AnyAsync(r => r.ListenerArn == listener.Arn && r.Priority == request.Priority, cancellationToken))
        {
            throw ElbErrors.PriorityInUse(request.Priority.Value);
        }

        if (count >= CreateRule.MaxRulesPerListener)
        {
            throw new Shared.Errors.ApiException(400, "TooManyRules", $"A listener takes at most {CreateRule.MaxRulesPerListener} rules.");
        }

        var rule = new ListenerRule
        {
            Arn = ElbArns.Rule(listener.Arn, ElbArns.NewId()),
            ListenerArn = listener.Arn,
            AccountId = accountId,
            Priority = request.Priority.Value,
            ConditionsJson = ElbJson.Write(conditions),
            ActionJson = ElbJson.Write(action),
            CreatedAt = DateTime.UtcNow,
        };
        db.ListenerRules.Add(rule);
        await LoadBalancerChanges.AddAsync(db, accountId, cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            throw ElbErrors.PriorityInUse(request.Priority.Value);
        }

        return RuleResponse.From(rule);
    }
}

/// <summary>A listener's rules in priority order with its default rule last, as ELBv2 lists them; or the named rules.</summary>
internal sealed record DescribeRules(string? ListenerArn, IReadOnlyList<string> RuleArns) : IRequest<RuleListResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("elasticloadbalancing:DescribeRules", "*");
}

internal sealed class DescribeRulesHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DescribeRules, RuleListResponse>
{
    public async ValueTask<RuleListResponse> Handle(DescribeRules request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        if (request.ListenerArn is not null)
        {
            var listener = await db.FindListenerAsync(accountId, request.ListenerArn, cancellationToken);
            var rules = await db.ListenerRules.AsNoTracking().Where(r => r.ListenerArn == listener.Arn).OrderBy(r => r.Priority).ToListAsync(cancellationToken);
            return new RuleListResponse([.. rules.Select(RuleResponse.From), RuleResponse.Default(listener)]);
        }

        if (request.RuleArns.Count == 0)
        {
            throw ElbErrors.Validation("Either a listener ARN or rule ARNs must be specified.");
        }

        var named = await db.ListenerRules.AsNoTracking().Where(r => r.AccountId == accountId && request.RuleArns.Contains(r.Arn)).OrderBy(r => r.Priority).ToListAsync(cancellationToken);
        return Lookups.FirstMissing(request.RuleArns, named.Select(r => r.Arn)) is { } missing
            ? throw ElbErrors.RuleNotFound(missing)
            : new RuleListResponse(named.Select(RuleResponse.From).ToList());
    }
}

/// <summary>Deletes a rule; a listener's default rule goes only with its listener (<c>OperationNotPermitted</c>).</summary>
internal sealed record DeleteRule(string RuleArn) : IRequest<Unit>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("elasticloadbalancing:DeleteRule", RuleArn);
}

internal sealed class DeleteRuleHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<DeleteRule, Unit>
{
    public async ValueTask<Unit> Handle(DeleteRule request, CancellationToken cancellationToken)
    {
        if (request.RuleArn.EndsWith("/default", StringComparison.Ordinal))
        {
            throw ElbErrors.OperationNotPermitted("A listener's default rule cannot be deleted.");
        }

        var rule = await db.FindRuleAsync(caller.Identity.AccountId, request.RuleArn, cancellationToken);
        db.ListenerRules.Remove(rule);
        await LoadBalancerChanges.AddAsync(db, rule.AccountId, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
