using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Network.SecurityGroups;

/// <summary>
/// Removes ingress or egress rules, all or none, named by their content (EC2's IpPermissions: a rule
/// not present is InvalidPermission.NotFound) or by rule id. Publishes <see cref="SecurityGroupRulesChanged"/>.
/// </summary>
internal sealed record RevokeSecurityGroupRules(string Region, string GroupId, bool IsEgress, IReadOnlyList<RuleSpec>? Rules, IReadOnlyList<string>? RuleIds)
    : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new(IsEgress ? "ec2:RevokeSecurityGroupEgress" : "ec2:RevokeSecurityGroupIngress", NetworkArns.SecurityGroup(Region, caller.AccountId, GroupId));

    public void Validate()
    {
        if ((Rules?.Count ?? 0) + (RuleIds?.Count ?? 0) == 0)
        {
            throw ApiErrors.MissingParameter("The request must contain the parameter IpPermissions or SecurityGroupRuleIds.");
        }

        foreach (var rule in Rules ?? [])
        {
            rule.Normalize();
        }
    }
}

internal sealed class RevokeSecurityGroupRulesHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<RevokeSecurityGroupRules>
{
    public async ValueTask<Unit> Handle(RevokeSecurityGroupRules request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var wanted = (request.Rules ?? []).Select(r => r.Normalize().Key).ToList();
        for (var attempt = 0; ; attempt++)
        {
            var group = await db.FindGroupAsync(accountId, request.GroupId, cancellationToken);
            var existing = await db.SecurityGroupRules.Where(r => r.GroupId == group.Id && r.IsEgress == request.IsEgress).ToListAsync(cancellationToken);
            var removed = new HashSet<SecurityGroupRule>();
            foreach (var key in wanted)
            {
                removed.Add(existing.FirstOrDefault(r => NormalizedRule.From(r).Key == key) ?? throw NetworkErrors.PermissionNotFound());
            }

            foreach (var id in request.RuleIds ?? [])
            {
                removed.Add(existing.FirstOrDefault(r => r.Id == id) ?? throw NetworkErrors.RuleIdNotFound(id));
            }

            db.SecurityGroupRules.RemoveRange(removed);
            group.Version++;
            db.AddNotification(new SecurityGroupRulesChanged(accountId, group.VpcId, [group.Id], DateTime.UtcNow));
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return Unit.Value;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 8)
            {
                db.ChangeTracker.Clear();
            }
        }
    }
}
