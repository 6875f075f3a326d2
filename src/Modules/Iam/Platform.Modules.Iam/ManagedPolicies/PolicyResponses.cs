namespace Platform.Modules.Iam.ManagedPolicies;

internal sealed record PolicyResponse(
    string PolicyName,
    string PolicyId,
    string Arn,
    string Path,
    string DefaultVersionId,
    int AttachmentCount,
    bool IsAttachable,
    string? Description,
    DateTime CreateDate,
    DateTime UpdateDate,
    string? PolicyDocument);

internal sealed record PolicyListResponse(IReadOnlyList<PolicyResponse> Policies);

internal sealed record AttachedPolicy(string PolicyName, string PolicyArn);

internal sealed record AttachedPolicyListResponse(IReadOnlyList<AttachedPolicy> AttachedPolicies);
