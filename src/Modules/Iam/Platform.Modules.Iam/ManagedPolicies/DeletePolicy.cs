using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Iam.ManagedPolicies;

internal sealed record DeletePolicy(string PolicyName) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:DeletePolicy", IamArns.Policy(caller.AccountId, "/", PolicyName));

    public void Validate() => IamNames.Policy(PolicyName, "policyName");
}

internal sealed class DeletePolicyHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<DeletePolicy>
{
    public async ValueTask<Unit> Handle(DeletePolicy request, CancellationToken cancellationToken)
    {
        var policy = await db.FindPolicyAsync(caller.Identity.AccountId, request.PolicyName, cancellationToken);
        var arn = IamArns.Policy(policy.AccountId, policy.Path, policy.PolicyName);
        if (await db.UserPolicyAttachments.AnyAsync(a => a.AccountId == policy.AccountId && a.PolicyArn == arn, cancellationToken)
            || await db.RolePolicyAttachments.AnyAsync(a => a.AccountId == policy.AccountId && a.PolicyArn == arn, cancellationToken)
            || await db.GroupPolicyAttachments.AnyAsync(a => a.AccountId == policy.AccountId && a.PolicyArn == arn, cancellationToken))
        {
            throw ApiErrors.Conflict("DeleteConflict", "Cannot delete a policy attached to entities.");
        }

        var versions = await db.ManagedPolicyVersions.Where(v => v.PolicyId == policy.Id).ToListAsync(cancellationToken);
        if (versions.Count > 1)
        {
            throw ApiErrors.Conflict("DeleteConflict",
                "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.");
        }

        db.ManagedPolicyVersions.RemoveRange(versions);
        db.ManagedPolicies.Remove(policy);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
