using Mediator;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authentication.SigV4;

namespace Platform.Modules.Iam.Contracts;

/// <summary>
/// Checks a SigV4 signature against the secret of the access key it names.
/// Fails with InvalidAccessKeyId (unknown or inactive key) or SignatureDoesNotMatch.
/// </summary>
public sealed record AuthenticateRequest(SigV4ParsedRequest Signature) : IRequest<AuthenticatedCaller>;

/// <param name="SigningKey">The derived key for the request's scope; S3 verifies chunk signatures with it.</param>
public sealed record AuthenticatedCaller(CallerIdentity Identity, byte[] SigningKey);

/// <summary>
/// Who an access key stands for now, with no signature to check: for sessions that a signed request started (the jobs
/// dashboard's cookie), looked up again on each request. Identity is null for an unknown, deleted or inactive key.
/// </summary>
public sealed record ResolveAccessKey(string AccessKeyId) : IRequest<ResolvedAccessKey>;

public sealed record ResolvedAccessKey(CallerIdentity? Identity);
