using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Authorization;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.ManagedPolicies;

internal sealed record CreatePolicy(string? PolicyName, JsonElement? PolicyDocument, string? Path, string? Description)
    : IRequest<PolicyResponse>, IRequiresPermission, IValidatable
{
    public const int MaxDocumentSize = 6144;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:CreatePolicy", IamArns.Policy(caller.AccountId, "/", PolicyName ?? ""));

    public void Validate()
    {
        IamNames.Policy(PolicyName, "policyName");
        if (Path is not null && Path != "/")
        {
            throw ApiErrors.InvalidParameterValue("Paths other than / are not supported.");
        }

        if (Description is not null)
        {
            Parameter.Length(Description, "description", 0, 1000);
        }
    }
}

internal sealed class CreatePolicyHandler(IamDbContext db, ICallerContext caller, PolicyCache policies) : IRequestHandler<CreatePolicy, PolicyResponse>
{
    public async ValueTask<PolicyResponse> Handle(CreatePolicy request, CancellationToken cancellationToken)
    {
        var document = PolicyDocumentText.Validate(request.PolicyDocument, CreatePolicy.MaxDocumentSize);
        var now = DateTime.UtcNow;
        var policy = new ManagedPolicy
        {
            Id = ResourceIds.NewIamId("ANPA"),
            AccountId = caller.Identity.AccountId,
            PolicyName = request.PolicyName!,
            NormalizedName = request.PolicyName!.ToLowerInvariant(),
            Path = "/",
            Description = request.Description,
            Document = document,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.ManagedPolicies.Add(policy);
        db.ManagedPolicyVersions.Add(new ManagedPolicyVersion
        {
            PolicyId = policy.Id, AccountId = policy.AccountId, VersionId = policy.DefaultVersionId, Document = document, CreatedAt = now,
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            if (await db.ManagedPolicies.AnyAsync(p => p.AccountId == policy.AccountId && p.NormalizedName == policy.NormalizedName, cancellationToken))
            {
                throw ApiErrors.Conflict("EntityAlreadyExists", $"A policy called {request.PolicyName} already exists. Duplicate names are not allowed.");
            }

            throw;
        }

        policies.ForgetAccount(policy.AccountId);
        return PolicyMapping.ToResponse(policy, attachmentCount: 0, includeDocument: false);
    }
}

internal static class PolicyMapping
{
    public static PolicyResponse ToResponse(ManagedPolicy policy, int attachmentCount, bool includeDocument) => new(
        policy.PolicyName,
        policy.Id,
        IamArns.Policy(policy.AccountId, policy.Path, policy.PolicyName),
        policy.Path,
        policy.DefaultVersionId,
        attachmentCount,
        IsAttachable: true,
        policy.Description,
        policy.CreatedAt,
        policy.UpdatedAt,
        includeDocument ? policy.Document : null);
}
