namespace Platform.Modules.Iam.AccessKeys;

/// <summary>The only response that ever carries the secret: the one that creates the key.</summary>
internal sealed record CreatedAccessKeyResponse(string AccessKeyId, string SecretAccessKey, string Status, string? UserName, DateTime CreateDate);

internal sealed record AccessKeyMetadata(string AccessKeyId, string Status, string? UserName, DateTime CreateDate);

internal sealed record AccessKeyListResponse(IReadOnlyList<AccessKeyMetadata> AccessKeyMetadata);
