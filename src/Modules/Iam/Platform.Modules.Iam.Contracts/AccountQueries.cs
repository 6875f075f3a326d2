using Mediator;

namespace Platform.Modules.Iam.Contracts;

/// <summary>Whether the account is the management account (the operator's), which alone may manage servers and tenants.</summary>
public sealed record IsManagementAccount(string AccountId) : IRequest<bool>;
