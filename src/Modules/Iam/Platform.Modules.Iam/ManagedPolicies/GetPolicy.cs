using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.ManagedPolicies;

internal sealed record GetPolicy(string PolicyName) : IRequest<PolicyResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:GetPolicy", IamArns.Policy(caller.AccountId, "/", PolicyName));

    public void Validate() => IamNames.Policy(PolicyName, "policyName");
}

internal sealed class GetPolicyHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<GetPolicy, PolicyResponse>
{
    public async ValueTask<PolicyResponse> Handle(GetPolicy request, CancellationToken cancellationToken)
    {
        var policy = await db.FindPolicyAsync(caller.Identity.AccountId, request.PolicyName, cancellationToken);
        var arn = IamArns.Policy(policy.AccountId, policy.Path, policy.PolicyName);
        var attachments = await db.UserPolicyAttachments.CountAsync(a => a.AccountId == policy.AccountId && a.PolicyArn == arn, cancellationToken)
            + await db.RolePolicyAttachments.CountAsync(a => a.AccountId == policy.AccountId && a.PolicyArn == arn, cancellationToken)
            + await db.GroupPolicyAttachments.CountAsync(a => a.AccountId == policy.AccountId && a.PolicyArn == arn, cancellationToken);
        return PolicyMapping.ToResponse(policy, attachments, includeDocument: true);
    }
}
