using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Hosts;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.Instances.Profiles;

/// <summary>
/// EC2's IamInstanceProfileAssociation. The platform applies an association in the same commit that records it, so a
/// describe shows <c>associated</c>; the calls that change one answer as EC2 does, <c>associating</c> or <c>disassociating</c>.
/// </summary>
internal sealed record IamInstanceProfileAssociationResponse(string AssociationId, string InstanceId, IamInstanceProfileResponse IamInstanceProfile,
    string State, DateTime Timestamp)
{
    public static IamInstanceProfileAssociationResponse From(Instance instance, string state) =>
        new(instance.IamInstanceProfileAssociationId!, instance.Id, new IamInstanceProfileResponse(instance.IamInstanceProfileArn!, instance.IamInstanceProfileId!),
            state, instance.IamInstanceProfileAssociatedAt ?? instance.CreatedAt);
}

internal sealed record IamInstanceProfileAssociationsResponse(IReadOnlyList<IamInstanceProfileAssociationResponse> Associations);

internal static class InstanceProfileAssociation
{
    public const string Prefix = "iip-assoc";

    public static void Set(Instance instance, ResolvedInstanceProfile profile, DateTime now)
    {
        instance.IamInstanceProfileArn = profile.Arn;
        instance.IamInstanceProfileId = profile.Id;
        instance.IamInstanceProfileAssociationId = ResourceIds.New(Prefix);
        instance.IamInstanceProfileAssociatedAt = now;
    }

    /// <summary>
    /// A new association of the instance with <paramref name="profile"/>, written only while the instance's association is still
    /// <paramref name="expected"/> (null: none); null when it no longer is (another call committed first).
    /// </summary>
    public static async Task<IamInstanceProfileAssociationResponse?> WriteAsync(ComputeDbContext db, DesiredStateSignals signals, Instance instance,
        string? expected, ResolvedInstanceProfile profile, TimeProvider clock, CancellationToken cancellationToken)
    {
        var associationId = ResourceIds.New(Prefix);
        var now = clock.GetUtcNow().UtcDateTime;
        var instanceId = instance.Id;
        var changed = await CommitWithHostAsync(db, signals, instance.HostId, ct => db.Instances
            .Where(i => i.Id == instanceId && i.IamInstanceProfileAssociationId == expected)
            .ExecuteUpdateAsync(set => set
                .SetProperty(i => i.IamInstanceProfileArn, profile.Arn)
                .SetProperty(i => i.IamInstanceProfileId, profile.Id)
                .SetProperty(i => i.IamInstanceProfileAssociationId, associationId)
                .SetProperty(i => i.IamInstanceProfileAssociatedAt, now), ct), cancellationToken);
        return changed
            ? new IamInstanceProfileAssociationResponse(associationId, instanceId, new IamInstanceProfileResponse(profile.Arn, profile.Id), "associating", now)
            : null;
    }

    /// <summary>
    /// Runs a conditional change of one instance's association and, when it changed the row, raises the desired-state version of
    /// the instance's server in the same transaction, then wakes its agent: the metadata service shows or drops <c>iam/</c>, and
    /// stops handing out the old profile's credentials, with the change or not at all.
    /// </summary>
    public static async Task<bool> CommitWithHostAsync(ComputeDbContext db, DesiredStateSignals signals, string hostId,
        Func<CancellationToken, Task<int>> change, CancellationToken cancellationToken)
    {
        // SQL Server's retrying strategy allows user transactions only as a unit it can replay.
        var changed = await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (await change(ct) != 1)
            {
                await transaction.RollbackAsync(ct);
                return false;
            }

            // The version is the hosts' concurrency token: a writer that read it before this commit retries.
            await db.Hosts.Where(h => h.Id == hostId).ExecuteUpdateAsync(set => set.SetProperty(h => h.DesiredVersion, h => h.DesiredVersion + 1), ct);
            await transaction.CommitAsync(ct);
            return true;
        }, cancellationToken);
        if (changed)
        {
            signals.Changed(hostId);
        }

        return changed;
    }

    public static void EnsureWellFormed(string? associationId)
    {
        if (associationId is null || !associationId.StartsWith(Prefix + "-", StringComparison.Ordinal) || associationId.Length > 64)
        {
            throw ApiErrors.InvalidParameterValue($"Value ({associationId}) for parameter associationId is invalid. Expected: 'iip-assoc-...'.");
        }
    }

    /// <summary>The account's instance holding the association, tracked; another account's is as absent as a missing one.</summary>
    public static async Task<Instance> OwnedAsync(ComputeDbContext db, string accountId, string associationId, CancellationToken cancellationToken)
    {
        EnsureWellFormed(associationId);
        return await db.Instances.SingleOrDefaultAsync(i => i.IamInstanceProfileAssociationId == associationId && i.AccountId == accountId && i.ManagedBy == null,
                cancellationToken)
            ?? throw InstanceProfileGrants.AssociationNotFound(associationId);
    }
}

/// <summary>EC2's AssociateIamInstanceProfile: one association per instance (IncorrectState when it has one).</summary>
internal sealed record AssociateIamInstanceProfile(string InstanceId, IamInstanceProfileSpecification? IamInstanceProfile)
    : IRequest<IamInstanceProfileAssociationResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:AssociateIamInstanceProfile", Arns.Build("ec2", region, caller.AccountId, $"instance/{InstanceId}"));

    public void Validate()
    {
        InstanceLookup.EnsureWellFormed(InstanceId);
        _ = IamInstanceProfile ?? throw ApiErrors.MissingParameter("The request must contain the parameter IamInstanceProfile");
    }
}

internal sealed class AssociateIamInstanceProfileHandler(ComputeDbContext db, ICallerContext caller, InstanceProfileGrants grants, TimeProvider clock,
    DesiredStateSignals signals)
    : IRequestHandler<AssociateIamInstanceProfile, IamInstanceProfileAssociationResponse>
{
    public async ValueTask<IamInstanceProfileAssociationResponse> Handle(AssociateIamInstanceProfile request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var instance = await InstanceLookup.OwnedAsync(db, accountId, request.InstanceId, cancellationToken);
        var profile = await grants.ResolveAsync(accountId, request.IamInstanceProfile!, cancellationToken);
        if (instance.State is InstanceStates.Terminated or InstanceStates.ShuttingDown)
        {
            throw InstanceLookup.IncorrectState(instance, "associated with an instance profile");
        }

        if (instance.IamInstanceProfileAssociationId is not null)
        {
            throw new ApiException(400, "IncorrectState", $"There is an existing association for instance {instance.Id}");
        }

        // Conditional on the instance having none: of two calls at once, one associates and the other is refused.
        var association = await InstanceProfileAssociation.WriteAsync(db, signals, instance, expected: null, profile, clock, cancellationToken);
        return association ?? throw new ApiException(400, "IncorrectState", $"There is an existing association for instance {instance.Id}");
    }
}

/// <summary>EC2's DescribeIamInstanceProfileAssociations: the account's current associations, by id or all.</summary>
internal sealed record DescribeIamInstanceProfileAssociations(IReadOnlyList<string> AssociationIds)
    : IRequest<IamInstanceProfileAssociationsResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DescribeIamInstanceProfileAssociations", "*");

    public void Validate()
    {
        foreach (var id in AssociationIds)
        {
            InstanceProfileAssociation.EnsureWellFormed(id);
        }
    }
}

internal sealed class DescribeIamInstanceProfileAssociationsHandler(ComputeDbContext db, ICallerContext caller)
    : IRequestHandler<DescribeIamInstanceProfileAssociations, IamInstanceProfileAssociationsResponse>
{
    public async ValueTask<IamInstanceProfileAssociationsResponse> Handle(DescribeIamInstanceProfileAssociations request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var query = db.Instances.AsNoTracking().Where(i => i.AccountId == accountId && i.ManagedBy == null && i.IamInstanceProfileAssociationId != null
            && i.State != InstanceStates.Terminated);
        if (request.AssociationIds.Count > 0)
        {
            var ids = request.AssociationIds.ToList();
            query = query.Where(i => ids.Contains(i.IamInstanceProfileAssociationId!));
        }

        var instances = await query.OrderBy(i => i.IamInstanceProfileAssociationId).ToListAsync(cancellationToken);
        if (request.AssociationIds.FirstOrDefault(id => instances.All(i => i.IamInstanceProfileAssociationId != id)) is { } missing)
        {
            throw InstanceProfileGrants.AssociationNotFound(missing);
        }

        return new IamInstanceProfileAssociationsResponse([.. instances.Select(i => IamInstanceProfileAssociationResponse.From(i, "associated"))]);
    }
}

/// <summary>EC2's DisassociateIamInstanceProfile: the instance keeps running without a profile (its metadata service drops <c>iam/</c>
/// and the API issues no more credentials for it).</summary>
internal sealed record DisassociateIamInstanceProfile(string AssociationId)
    : IRequest<IamInstanceProfileAssociationResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:DisassociateIamInstanceProfile", Arns.Build("ec2", region, caller.AccountId, "instance/*"));

    public void Validate() => InstanceProfileAssociation.EnsureWellFormed(AssociationId);
}

internal sealed class DisassociateIamInstanceProfileHandler(ComputeDbContext db, ICallerContext caller, DesiredStateSignals signals)
    : IRequestHandler<DisassociateIamInstanceProfile, IamInstanceProfileAssociationResponse>
{
    public async ValueTask<IamInstanceProfileAssociationResponse> Handle(DisassociateIamInstanceProfile request, CancellationToken cancellationToken)
    {
        var instance = await InstanceProfileAssociation.OwnedAsync(db, caller.Identity.AccountId, request.AssociationId, cancellationToken);
        var answer = IamInstanceProfileAssociationResponse.From(instance, "disassociating");
        // Conditional on the association as read: a replacement or another disassociation that committed first wins.
        var instanceId = instance.Id;
        var changed = await InstanceProfileAssociation.CommitWithHostAsync(db, signals, instance.HostId, ct => db.Instances
            .Where(i => i.Id == instanceId && i.IamInstanceProfileAssociationId == request.AssociationId)
            .ExecuteUpdateAsync(set => set
                .SetProperty(i => i.IamInstanceProfileArn, (string?)null)
                .SetProperty(i => i.IamInstanceProfileId, (string?)null)
                .SetProperty(i => i.IamInstanceProfileAssociationId, (string?)null)
                .SetProperty(i => i.IamInstanceProfileAssociatedAt, (DateTime?)null), ct), cancellationToken);
        return changed ? answer : throw InstanceProfileGrants.AssociationNotFound(request.AssociationId);
    }
}

/// <summary>EC2's ReplaceIamInstanceProfileAssociation: another profile for the instance, under a new association id.</summary>
internal sealed record ReplaceIamInstanceProfileAssociation(string AssociationId, IamInstanceProfileSpecification? IamInstanceProfile)
    : IRequest<IamInstanceProfileAssociationResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:ReplaceIamInstanceProfileAssociation", Arns.Build("ec2", region, caller.AccountId, "instance/*"));

    public void Validate()
    {
        InstanceProfileAssociation.EnsureWellFormed(AssociationId);
        _ = IamInstanceProfile ?? throw ApiErrors.MissingParameter("The request must contain the parameter IamInstanceProfile");
    }
}

internal sealed class ReplaceIamInstanceProfileAssociationHandler(ComputeDbContext db, ICallerContext caller, InstanceProfileGrants grants, TimeProvider clock,
    DesiredStateSignals signals)
    : IRequestHandler<ReplaceIamInstanceProfileAssociation, IamInstanceProfileAssociationResponse>
{
    public async ValueTask<IamInstanceProfileAssociationResponse> Handle(ReplaceIamInstanceProfileAssociation request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var instance = await InstanceProfileAssociation.OwnedAsync(db, accountId, request.AssociationId, cancellationToken);
        var profile = await grants.ResolveAsync(accountId, request.IamInstanceProfile!, cancellationToken);
        // Conditional on the association as read: a disassociation or another replacement that committed first wins.
        return await InstanceProfileAssociation.WriteAsync(db, signals, instance, request.AssociationId, profile, clock, cancellationToken)
            ?? throw InstanceProfileGrants.AssociationNotFound(request.AssociationId);
    }
}
