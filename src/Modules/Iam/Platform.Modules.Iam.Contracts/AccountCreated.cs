using Mediator;

namespace Platform.Modules.Iam.Contracts;

/// <summary>A new tenant exists. Published through IAM's outbox, so it is never lost.</summary>
public sealed record AccountCreated(string AccountId, string AccountName, DateTime CreatedAt) : INotification;
