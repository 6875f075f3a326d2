using Mediator;

namespace Platform.Modules.Iam.Contracts;

/// <summary>Whether the account is the management account (the operator's), which alone may manage servers and tenants.</summary>
public sealed record IsManagementAccount(string AccountId) : IRequest<bool>;

/// <summary>
/// The account an access key belongs to, whatever its status; null when no such key was ever issued. What a refused
/// request's claimed key says of whose trail the refusal belongs in.
/// </summary>
public sealed record FindAccessKeyAccount(string AccessKeyId) : IRequest<string?>;

/// <summary>
/// Whether an account of that id exists: what an S3 ACL grant to a canonical user id is checked against, so a grant names
/// a real account and says nothing else of it.
/// </summary>
public sealed record AccountExists(string AccountId) : IRequest<bool>;
