using Mediator;

namespace Platform.Modules.Billing.Contracts;

/// <summary>
/// Issues every account's invoice of the UTC month starting <paramref name="Month"/> (its first day) that has none yet:
/// first records the month's part of every instance still running, then writes each account's invoice with its lines in
/// one commit. Running it again, or on two replicas at once, issues nothing twice. Returns the invoices issued.
/// </summary>
public sealed record CloseMonth(DateOnly Month) : IRequest<int>;
