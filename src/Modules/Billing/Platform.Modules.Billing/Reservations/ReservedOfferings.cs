using System.Security.Cryptography;
using System.Text;
using Platform.Modules.Billing.Metering;
using Platform.Modules.Billing.Prices;

namespace Platform.Modules.Billing.Reservations;

/// <summary>One reserved-instance offering: a type, a zone or the region, a term and a way to pay, with its prices per instance.</summary>
/// <param name="AvailabilityZone">A zonal offering's zone; null for a regional one (any zone of the region).</param>
/// <param name="FixedPrice">The upfront fee per instance.</param>
/// <param name="RecurringHourly">The fee per instance and hour of the term.</param>
internal sealed record ReservedOffering(string Id, string InstanceType, string? AvailabilityZone, int Years, string OfferingType, decimal FixedPrice, decimal RecurringHourly)
{
    public long DurationSeconds => Years * ReservedOfferings.SecondsPerYear;

    public string Scope => AvailabilityZone is null ? "Region" : "Availability Zone";
}

/// <summary>
/// The offerings, made from the on-demand price list in force: every instance type priced, in the region and in each
/// zone, for 1 or 3 years, with no, partial or all upfront. The effective hourly rate is the on-demand rate times a
/// discount factor (below, near AWS's standard Linux discounts for these families); all upfront pays the whole term's
/// effective cost at once, partial upfront half of it at once and half by the hour, no upfront all of it by the hour.
/// An offering's id is derived from what it is, so it is stable across restarts and replicas.
/// </summary>
internal static class ReservedOfferings
{
    public const int SecondsPerYear = 365 * 24 * 3600;
    public const string NoUpfront = "No Upfront";
    public const string PartialUpfront = "Partial Upfront";
    public const string AllUpfront = "All Upfront";

    public static readonly IReadOnlyList<string> OfferingTypes = [NoUpfront, PartialUpfront, AllUpfront];

    /// <summary>The share of the on-demand rate a reservation's effective rate is, by term and way to pay.</summary>
    public static decimal Factor(int years, string offeringType) => (years, offeringType) switch
    {
        (1, NoUpfront) => 0.62m,
        (1, PartialUpfront) => 0.59m,
        (1, _) => 0.58m,
        (_, NoUpfront) => 0.43m,
        (_, PartialUpfront) => 0.40m,
        _ => 0.38m,
    };

    public static IReadOnlyList<ReservedOffering> All(PriceBook book, IReadOnlyList<string> zones, DateTime at)
    {
        var offerings = new List<ReservedOffering>();
        foreach (var box in DefaultPrices.All.Where(p => p.Service == UsageTypes.Ec2 && p.UsageType.StartsWith(BoxPrefix, StringComparison.Ordinal)))
        {
            var type = box.UsageType[BoxPrefix.Length..];
            var onDemand = book.PriceAt(UsageTypes.Ec2, box.UsageType, at).PricePerUnit;
            foreach (var zone in new string?[] { null }.Concat(zones))
            {
                foreach (var years in new[] { 1, 3 })
                {
                    foreach (var offeringType in OfferingTypes)
                    {
                        var effective = onDemand * Factor(years, offeringType);
                        var termHours = years * 365m * 24m;
                        var (fixedPrice, hourly) = offeringType switch
                        {
                            AllUpfront => (decimal.Round(effective * termHours, 2, MidpointRounding.AwayFromZero), 0m),
                            PartialUpfront => (decimal.Round(effective * termHours / 2m, 2, MidpointRounding.AwayFromZero), decimal.Round(effective / 2m, 6, MidpointRounding.AwayFromZero)),
                            _ => (0m, decimal.Round(effective, 6, MidpointRounding.AwayFromZero)),
                        };
                        offerings.Add(new ReservedOffering(IdOf(type, zone, years, offeringType), type, zone, years, offeringType, fixedPrice, hourly));
                    }
                }
            }
        }

        return offerings;
    }

    /// <summary>A GUID-shaped id (as AWS's offering ids are) from the offering's own terms.</summary>
    public static string IdOf(string instanceType, string? zone, int years, string offeringType)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{instanceType}|{zone ?? "region"}|{years}|{offeringType}"));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }

    private const string BoxPrefix = "BoxUsage:";
}
