using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Database.SubnetGroups;

/// <summary>
/// A DB subnet group: subnets of one of the caller's VPCs covering at least two availability zones (RDS's rule, so a
/// standby or a rebuilt instance has another zone to go to).
/// </summary>
internal sealed record CreateDbSubnetGroup(string Region, string? DbSubnetGroupName, string? DbSubnetGroupDescription, IReadOnlyList<string>? SubnetIds, IReadOnlyList<RdsTag>? Tags)
    : IRequest<DbSubnetGroupResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("rds:CreateDBSubnetGroup", RdsArns.SubnetGroup(Region, caller.AccountId, DbSubnetGroupName?.ToLowerInvariant() ?? "*"));

    public void Validate()
    {
        RdsNames.SubnetGroupName(DbSubnetGroupName);
        Parameter.Required(DbSubnetGroupDescription, "DBSubnetGroupDescription");
        Parameter.Length(DbSubnetGroupDescription, "dbSubnetGroupDescription", 1, 255);
        if (SubnetIds is null || SubnetIds.Count == 0)
        {
            throw Shared.Errors.ApiErrors.MissingParameter("The request must contain the parameter SubnetIds.");
        }

        RdsNames.Tags(Tags);
    }
}

internal sealed class CreateDbSubnetGroupHandler(DatabaseDbContext db, ICallerContext caller, ISender sender, TimeProvider clock)
    : IRequestHandler<CreateDbSubnetGroup, DbSubnetGroupResponse>
{
    public async ValueTask<DbSubnetGroupResponse> Handle(CreateDbSubnetGroup request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var name = RdsNames.SubnetGroupName(request.DbSubnetGroupName);
        var wanted = request.SubnetIds!.Distinct(StringComparer.Ordinal).ToList();
        var subnets = await sender.Send(new DescribeAccountSubnets(account, wanted), cancellationToken);
        var missing = wanted.Except(subnets.Select(s => s.SubnetId), StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw RdsErrors.InvalidSubnet($"Some input subnets in :[{string.Join(", ", missing)}] are invalid.");
        }

        if (subnets.Select(s => s.VpcId).Distinct(StringComparer.Ordinal).Count() > 1)
        {
            throw RdsErrors.InvalidParameterValue("The subnets of a DB subnet group must all be in the same VPC.");
        }

        if (subnets.Select(s => s.AvailabilityZone).Distinct(StringComparer.Ordinal).Count() < 2)
        {
            throw RdsErrors.SubnetGroupDoesNotCoverEnoughAZs();
        }

        if (await db.SubnetGroups.AnyAsync(g => g.AccountId == account && g.Name == name, cancellationToken))
        {
            throw RdsErrors.SubnetGroupAlreadyExists(name);
        }

        var group = new DbSubnetGroup
        {
            AccountId = account,
            Name = name,
            Description = request.DbSubnetGroupDescription!,
            VpcId = subnets[0].VpcId,
            Subnets = SubnetList.Format(subnets.Select(s => (s.SubnetId, s.AvailabilityZone))),
            Tags = RdsNames.Tags(request.Tags),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.SubnetGroups.Add(group);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (UniqueViolation.Is(e))
        {
            throw RdsErrors.SubnetGroupAlreadyExists(name);
        }

        return DbSubnetGroupResponse.From(group, request.Region);
    }
}
