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
