using Mediator;

namespace Platform.Modules.Billing.Contracts;

/// <summary>
/// The newest spot price (in force now, or taking effect at the next minute) for <paramref name="InstanceType"/> in
/// <paramref name="AvailabilityZone"/>, per hour in the installation's currency; when none has been recorded yet, the prices
/// are worked out first (<see cref="UpdateSpotPrices"/>).
/// Null for a type the price list does not have.
/// </summary>
public sealed record GetSpotPrice(string InstanceType, string AvailabilityZone) : IRequest<decimal?>;

/// <summary>
/// Works out each instance type's spot price in each zone from the zone's free capacity (Compute's
/// <c>DescribeZoneCapacity</c>) and records those that changed, effective from the first whole minute at or after
/// <paramref name="AsOf"/>: running it again in the same minute, or on two replicas, records nothing twice. Returns the prices recorded.
/// </summary>
public sealed record UpdateSpotPrices(DateTime AsOf) : IRequest<int>;
