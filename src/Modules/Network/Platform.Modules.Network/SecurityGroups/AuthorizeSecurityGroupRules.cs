using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Network.SecurityGroups;

/// <summary>
/// Adds ingress or egress rules to a group, all or none: EC2's AuthorizeSecurityGroupIngress/Egress.
/// A rule already present is InvalidPermission.Duplicate; more than 60 per direction is
/// RulesPerSecurityGroupLimitExceeded. Publishes <see cref="SecurityGroupRulesChanged"/> with the change.
/// </summary>
internal sealed record AuthorizeSecurityGroupRules(string Region, string GroupId, bool IsEgress, IReadOnlyList<RuleSpec>? Rules)
    : IRequest<SecurityGroupRulesResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new(IsEgress ? "ec2:AuthorizeSecurityGroupEgress" : "ec2:AuthorizeSecurityGroupIngress", NetworkArns.SecurityGroup(Region, caller.AccountId, GroupId));

    public void Validate()
    {
        if (Rules is null || Rules.Count == 0)
        {
            throw ApiErrors.MissingParameter("The request must contain the parameter IpPermissions.");
        }

        foreach (var rule in Rules)
        {
            rule.Normalize();
        }
    }
}

internal sealed class AuthorizeSecurityGroupRulesHandler(NetworkDbContext db, ICallerContext caller)
    : IRequestHandler<AuthorizeSecurityGroupRules, SecurityGroupRulesResponse>
{
    public async ValueTask<SecurityGroupRulesResponse> Handle(AuthorizeSecurityGroupRules request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var wanted = request.Rules!.Select(r => r.Normalize()).ToList();
        for (var attempt = 0; ; attempt++)
        {
            var group = await db.FindGroupAsync(accountId, request.GroupId, cancellationToken);
            foreach (var referenced in wanted.Select(r => r.ReferencedGroupId).OfType<string>().Distinct(StringComparer.Ordinal))
            {
                // Only groups of the same VPC can be named: another VPC's (or account's) group is not there.
                if (referenced != group.Id && !await db.SecurityGroups.AnyAsync(g => g.Id == referenced && g.AccountId == accountId && g.VpcId == group.VpcId, cancellationToken))
                {
                    throw NetworkErrors.GroupNotFound(referenced);
                }
            }

            var existing = await db.SecurityGroupRules.AsNoTracking().Where(r => r.GroupId == group.Id && r.IsEgress == request.IsEgress).ToListAsync(cancellationToken);
            var keys = existing.Select(r => NormalizedRule.From(r).Key).ToHashSet();
            foreach (var rule in wanted)
            {
                if (!keys.Add(rule.Key))
                {
                    throw NetworkErrors.PermissionDuplicate(rule.ToString());
                }
            }

            if (existing.Count + wanted.Count > RuleSpec.MaxRulesPerDirection)
            {
                throw NetworkErrors.RuleLimit();
            }

            var now = DateTime.UtcNow;
            var added = wanted.Select(rule => new SecurityGroupRule
            {
                Id = ResourceIds.New("sgr"),
                GroupId = group.Id,
                AccountId = accountId,
                IsEgress = request.IsEgress,
                Protocol = rule.Protocol,
                FromPort = rule.FromPort,
                ToPort = rule.ToPort,
                CidrIpv4 = rule.CidrIp,
                ReferencedGroupId = rule.ReferencedGroupId,
                Description = rule.Description,
                CreatedAt = now,
            }).ToList();
            db.SecurityGroupRules.AddRange(added);
            group.Version++;
            db.AddNotification(new SecurityGroupRulesChanged(accountId, group.VpcId, [group.Id], now));
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                await EnsureReferencedGroupsRemainAsync(added, cancellationToken);
                return new SecurityGroupRulesResponse(added.Select(SecurityGroupRuleResponse.From).ToList());
            }
            catch (DbUpdateConcurrencyException) when (attempt < 8)
            {
                // Another change to this group's rules landed first: check duplicates and the limit again.
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>A named group deleted while these rules were written: its delete or this check sees the other (see <see cref="CheckedDelete"/>).</summary>
    private async Task EnsureReferencedGroupsRemainAsync(List<SecurityGroupRule> added, CancellationToken cancellationToken)
    {
        var referenced = added.Select(r => r.ReferencedGroupId).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var remaining = await db.SecurityGroups.Where(g => referenced.Contains(g.Id)).Select(g => g.Id).ToListAsync(cancellationToken);
        if (Lookups.FirstMissing(referenced, remaining) is { } gone)
        {
            db.SecurityGroupRules.RemoveRange(added);
            await db.SaveChangesAsync(cancellationToken);
            throw NetworkErrors.GroupNotFound(gone);
        }
    }
}
