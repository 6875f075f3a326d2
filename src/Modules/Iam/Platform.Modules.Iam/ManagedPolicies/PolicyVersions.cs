using System.Text.Json;
using System.Text.RegularExpressions;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Authorization;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.ManagedPolicies;

/// <param name="Document">Only where IAM sends it (GetPolicyVersion); null in lists and in CreatePolicyVersion's answer.</param>
internal sealed record PolicyVersionResponse(string VersionId, bool IsDefaultVersion, DateTime CreateDate, string? Document)
{
    public static PolicyVersionResponse From(ManagedPolicy policy, ManagedPolicyVersion version, bool includeDocument) =>
        new(version.VersionId, version.VersionId == policy.DefaultVersionId, version.CreatedAt, includeDocument ? version.Document : null);
}

internal sealed record PolicyVersionListResponse(IReadOnlyList<PolicyVersionResponse> Versions);

/// <summary>
/// Adds a version to a managed policy (at most five are kept, as IAM); made the default, it is what every principal the
/// policy is attached to is allowed from the next request on.
/// </summary>
internal sealed record CreatePolicyVersion(string PolicyName, JsonElement? PolicyDocument, bool SetAsDefault)
    : IRequest<PolicyVersionResponse>, IRequiresPermission, IValidatable
{
    public const int MaxVersions = 5;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:CreatePolicyVersion", IamArns.Policy(caller.AccountId, "/", PolicyName));

    public void Validate() => IamNames.Policy(PolicyName, "policyName");
}

internal sealed class CreatePolicyVersionHandler(IamDbContext db, ICallerContext caller, PolicyCache policies)
    : IRequestHandler<CreatePolicyVersion, PolicyVersionResponse>
{
    public async ValueTask<PolicyVersionResponse> Handle(CreatePolicyVersion request, CancellationToken cancellationToken)
    {
        var document = PolicyDocumentText.Validate(request.PolicyDocument, CreatePolicy.MaxDocumentSize);
        var policy = await db.FindPolicyAsync(caller.Identity.AccountId, request.PolicyName, cancellationToken);
        if (await db.ManagedPolicyVersions.CountAsync(v => v.PolicyId == policy.Id, cancellationToken) >= CreatePolicyVersion.MaxVersions)
        {
            throw ApiErrors.LimitExceeded(
                $"A managed policy can have up to {CreatePolicyVersion.MaxVersions} versions. Before you create a new version, you must delete an existing version.");
        }

        var now = DateTime.UtcNow;
        policy.LastVersionNumber++;
        policy.Revision++;
        var version = new ManagedPolicyVersion
        {
            PolicyId = policy.Id, AccountId = policy.AccountId, VersionId = $"v{policy.LastVersionNumber}", Document = document, CreatedAt = now,
        };
        db.ManagedPolicyVersions.Add(version);
        if (request.SetAsDefault)
        {
            policy.DefaultVersionId = version.VersionId;
            policy.Document = document;
        }

        policy.UpdatedAt = now;
        await PolicyVersionStore.SaveAsync(db, cancellationToken);
        policies.ForgetAccount(policy.AccountId);
        return PolicyVersionResponse.From(policy, version, includeDocument: false);
    }
}

internal sealed record GetPolicyVersion(string PolicyName, string VersionId) : IRequest<PolicyVersionResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:GetPolicyVersion", IamArns.Policy(caller.AccountId, "/", PolicyName));

    public void Validate()
    {
        IamNames.Policy(PolicyName, "policyName");
        PolicyVersionStore.CheckVersionId(VersionId);
    }
}

internal sealed class GetPolicyVersionHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<GetPolicyVersion, PolicyVersionResponse>
{
    public async ValueTask<PolicyVersionResponse> Handle(GetPolicyVersion request, CancellationToken cancellationToken)
    {
        var policy = await db.FindPolicyAsync(caller.Identity.AccountId, request.PolicyName, cancellationToken);
        return PolicyVersionResponse.From(policy, await PolicyVersionStore.FindAsync(db, policy, request.VersionId, cancellationToken), includeDocument: true);
    }
}

internal sealed record ListPolicyVersions(string PolicyName) : IRequest<PolicyVersionListResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:ListPolicyVersions", IamArns.Policy(caller.AccountId, "/", PolicyName));

    public void Validate() => IamNames.Policy(PolicyName, "policyName");
}

internal sealed class ListPolicyVersionsHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<ListPolicyVersions, PolicyVersionListResponse>
{
    public async ValueTask<PolicyVersionListResponse> Handle(ListPolicyVersions request, CancellationToken cancellationToken)
    {
        var policy = await db.FindPolicyAsync(caller.Identity.AccountId, request.PolicyName, cancellationToken);
        var versions = await db.ManagedPolicyVersions.AsNoTracking().Where(v => v.PolicyId == policy.Id).ToListAsync(cancellationToken);
        // Newest first, as IAM lists them.
        return new PolicyVersionListResponse(versions.OrderByDescending(v => v.CreatedAt).ThenByDescending(v => PolicyVersionStore.Number(v.VersionId))
            .Select(v => PolicyVersionResponse.From(policy, v, includeDocument: false)).ToList());
    }
}

/// <summary>Makes another version the default: the policy allows what that version says from the next request on.</summary>
internal sealed record SetDefaultPolicyVersion(string PolicyName, string VersionId) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:SetDefaultPolicyVersion", IamArns.Policy(caller.AccountId, "/", PolicyName));

    public void Validate()
    {
        IamNames.Policy(PolicyName, "policyName");
        PolicyVersionStore.CheckVersionId(VersionId);
    }
}

internal sealed class SetDefaultPolicyVersionHandler(IamDbContext db, ICallerContext caller, PolicyCache policies) : IRequestHandler<SetDefaultPolicyVersion>
{
    public async ValueTask<Unit> Handle(SetDefaultPolicyVersion request, CancellationToken cancellationToken)
    {
        var policy = await db.FindPolicyAsync(caller.Identity.AccountId, request.PolicyName, cancellationToken);
        var version = await PolicyVersionStore.FindAsync(db, policy, request.VersionId, cancellationToken);
        policy.DefaultVersionId = version.VersionId;
        policy.Document = version.Document;
        policy.UpdatedAt = DateTime.UtcNow;
        policy.Revision++;
        await PolicyVersionStore.SaveAsync(db, cancellationToken);
        policies.ForgetAccount(policy.AccountId);
        return Unit.Value;
    }
}

internal sealed record DeletePolicyVersion(string PolicyName, string VersionId) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:DeletePolicyVersion", IamArns.Policy(caller.AccountId, "/", PolicyName));

    public void Validate()
    {
        IamNames.Policy(PolicyName, "policyName");
        PolicyVersionStore.CheckVersionId(VersionId);
    }
}

internal sealed class DeletePolicyVersionHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<DeletePolicyVersion>
{
    public async ValueTask<Unit> Handle(DeletePolicyVersion request, CancellationToken cancellationToken)
    {
        var policy = await db.FindPolicyAsync(caller.Identity.AccountId, request.PolicyName, cancellationToken);
        var version = await PolicyVersionStore.FindAsync(db, policy, request.VersionId, cancellationToken);
        if (version.VersionId == policy.DefaultVersionId)
        {
            throw ApiErrors.Conflict("DeleteConflict", "Cannot delete the default version of a policy.");
        }

        db.ManagedPolicyVersions.Remove(version);
        policy.Revision++;
        await PolicyVersionStore.SaveAsync(db, cancellationToken);
        return Unit.Value;
    }
}

internal static partial class PolicyVersionStore
{
    public static void CheckVersionId(string? versionId)
    {
        Parameter.Required(versionId, "versionId");
        Parameter.Matches(versionId, "versionId", VersionIdPattern(), @"v[1-9][0-9]*(\.[A-Za-z0-9-]*)?");
    }

    public static int Number(string versionId) => int.TryParse(versionId.AsSpan(1), out var number) ? number : 0;

    public static async Task<ManagedPolicyVersion> FindAsync(IamDbContext db, ManagedPolicy policy, string versionId, CancellationToken cancellationToken) =>
        await db.ManagedPolicyVersions.SingleOrDefaultAsync(v => v.PolicyId == policy.Id && v.VersionId == versionId, cancellationToken)
        ?? throw ApiErrors.NotFound("NoSuchEntity",
            $"Policy {IamArns.Policy(policy.AccountId, policy.Path, policy.PolicyName)} version {versionId} does not exist or is not attachable.");

    /// <summary>
    /// Every version change also moves the policy's revision, a concurrency token: of two changes racing on one
    /// policy (two replicas), the second fails whole and is told to try again, so the five-version limit and the default
    /// hold.
    /// </summary>
    public static async Task SaveAsync(IamDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            throw ApiErrors.Conflict("ConcurrentModification", "The policy was changed by another request at the same time. Please retry.");
        }
    }

    // \z, not $: $ also matches before a final newline.
    [GeneratedRegex(@"^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?\z")]
    private static partial Regex VersionIdPattern();
}
