using System.Globalization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Billing.Prices;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Billing.Reservations;

/// <summary>EC2's DescribeReservedInstancesOfferings: the offerings at today's prices, filtered by type, zone, term and way to pay.</summary>
internal sealed record DescribeReservedInstancesOfferings(string? InstanceType, string? AvailabilityZone, string? OfferingType, long? Duration, string? OfferingId)
    : IRequest<OfferingsResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DescribeReservedInstancesOfferings", "*");

    public void Validate()
    {
        if (OfferingType is not null && !ReservedOfferings.OfferingTypes.Contains(OfferingType))
        {
            throw ApiErrors.InvalidParameterValue($"offering_type must be one of {string.Join(", ", ReservedOfferings.OfferingTypes)}.");
        }

        if (Duration is not null and not (ReservedOfferings.SecondsPerYear or 3L * ReservedOfferings.SecondsPerYear))
        {
            throw ApiErrors.InvalidParameterValue($"duration must be {ReservedOfferings.SecondsPerYear} (1 year) or {3L * ReservedOfferings.SecondsPerYear} (3 years).");
        }
    }
}

internal sealed record OfferingsResponse(IReadOnlyList<OfferingResponse> ReservedInstancesOfferings);

internal sealed record RecurringCharge(string Frequency, decimal Amount);

internal sealed record OfferingResponse(
    string ReservedInstancesOfferingId, string InstanceType, string? AvailabilityZone, string Scope, long Duration, string OfferingType, string OfferingClass,
    string ProductDescription, string InstanceTenancy, string CurrencyCode, decimal FixedPrice, decimal UsagePrice, IReadOnlyList<RecurringCharge> RecurringCharges)
{
    public static OfferingResponse Of(ReservedOffering o) => new(o.Id, o.InstanceType, o.AvailabilityZone, o.Scope, o.DurationSeconds, o.OfferingType, "standard",
        "Linux/UNIX", "default", BillingCurrency.Code, o.FixedPrice, 0m, o.RecurringHourly > 0 ? [new RecurringCharge("Hourly", o.RecurringHourly)] : []);
}

/// <summary>
/// EC2's PurchaseReservedInstancesOffering: <paramref name="InstanceCount"/> instances of an offering, from now for its
/// term, at its prices now. A repeated <paramref name="ClientToken"/> returns the first purchase and buys nothing more.
/// </summary>
internal sealed record PurchaseReservedInstancesOffering(string? ReservedInstancesOfferingId, int? InstanceCount, string? ClientToken)
    : IRequest<ReservationResponse>, IRequiresPermission, IValidatable
{
    public const int MaxInstances = 100;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:PurchaseReservedInstancesOffering", "*");

    public void Validate()
    {
        if (string.IsNullOrEmpty(ReservedInstancesOfferingId))
        {
            throw ApiErrors.MissingParameter("The request must name reserved_instances_offering_id.");
        }

        if (InstanceCount is not { } count || count < 1 || count > MaxInstances)
        {
            throw ApiErrors.InvalidParameterValue($"instance_count must be 1 to {MaxInstances}; got {InstanceCount?.ToString(CultureInfo.InvariantCulture) ?? "none"}.");
        }

        if (ClientToken is { Length: 0 or > 64 })
        {
            throw ApiErrors.InvalidParameterValue("client_token must be 1 to 64 characters.");
        }
    }
}

/// <summary>EC2's DescribeReservedInstances: the caller's reservations (the management account's: every account's), or those named.</summary>
internal sealed record DescribeReservedInstances(IReadOnlyList<string>? ReservedInstancesIds) : IRequest<ReservationsResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("ec2:DescribeReservedInstances", "*");
}

internal sealed record ReservationsResponse(IReadOnlyList<ReservationResponse> ReservedInstances);

internal sealed record ReservationResponse(
    string ReservedInstancesId, string AccountId, string ReservedInstancesOfferingId, string InstanceType, string? AvailabilityZone, string Scope, int InstanceCount,
    long Duration, string OfferingType, string CurrencyCode, decimal FixedPrice, decimal UsagePrice, IReadOnlyList<RecurringCharge> RecurringCharges,
    DateTime Start, DateTime End, string State)
{
    public static ReservationResponse Of(Reservation r, DateTime now) => new(r.Id, r.AccountId, r.OfferingId, r.InstanceType, r.AvailabilityZone,
        r.AvailabilityZone is null ? "Region" : "Availability Zone", r.InstanceCount, (long)(r.End - r.Start).TotalSeconds, r.OfferingType, BillingCurrency.Code,
        r.FixedPrice, 0m, r.RecurringHourly > 0 ? [new RecurringCharge("Hourly", r.RecurringHourly)] : [], r.Start, r.End, now < r.End ? "active" : "retired");
}

internal static class ReservationErrors
{
    public static ApiException OfferingNotFound(string id) =>
        new(400, "InvalidReservedInstancesOfferingId", $"The reserved instances offering '{id}' does not exist.");

    public static ApiException ReservationNotFound(string id) =>
        new(400, "InvalidReservedInstancesId", $"The reserved instances '{id}' do not exist.");
}

internal sealed class DescribeReservedInstancesOfferingsHandler(BillingDbContext db, IOptions<PlatformOptions> platform, TimeProvider clock)
    : IRequestHandler<DescribeReservedInstancesOfferings, OfferingsResponse>
{
    public async ValueTask<OfferingsResponse> Handle(DescribeReservedInstancesOfferings request, CancellationToken cancellationToken)
    {
        var book = await PriceBook.LoadAsync(db, cancellationToken);
        var offerings = ReservedOfferings.All(book, platform.Value.Zones, clock.GetUtcNow().UtcDateTime).Where(o =>
            (request.InstanceType is null || o.InstanceType == request.InstanceType)
            && (request.AvailabilityZone is null || o.AvailabilityZone == request.AvailabilityZone)
            && (request.OfferingType is null || o.OfferingType == request.OfferingType)
            && (request.Duration is null || o.DurationSeconds == request.Duration)
            && (request.OfferingId is null || o.Id == request.OfferingId));
        return new OfferingsResponse([.. offerings.Select(OfferingResponse.Of)]);
    }
}

internal sealed class PurchaseReservedInstancesOfferingHandler(BillingDbContext db, ICallerContext caller, IOptions<PlatformOptions> platform, TimeProvider clock)
    : IRequestHandler<PurchaseReservedInstancesOffering, ReservationResponse>
{
    public async ValueTask<ReservationResponse> Handle(PurchaseReservedInstancesOffering request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var now = RunSecond(clock.GetUtcNow().UtcDateTime);
        if (request.ClientToken is not null
            && await db.Reservations.AsNoTracking().FirstOrDefaultAsync(r => r.AccountId == account && r.ClientToken == request.ClientToken, cancellationToken) is { } earlier)
        {
            return Same(earlier, request) ? ReservationResponse.Of(earlier, now)
                : throw ApiErrors.IdempotentParameterMismatch("The client token was used for another purchase.");
        }

        var book = await PriceBook.LoadAsync(db, cancellationToken);
        var offering = ReservedOfferings.All(book, platform.Value.Zones, now).FirstOrDefault(o => o.Id == request.ReservedInstancesOfferingId)
            ?? throw ReservationErrors.OfferingNotFound(request.ReservedInstancesOfferingId!);
        var reservation = new Reservation
        {
            Id = Guid.NewGuid().ToString(),
            AccountId = account,
            OfferingId = offering.Id,
            InstanceType = offering.InstanceType,
            AvailabilityZone = offering.AvailabilityZone,
            InstanceCount = request.InstanceCount!.Value,
            OfferingType = offering.OfferingType,
            FixedPrice = offering.FixedPrice,
            RecurringHourly = offering.RecurringHourly,
            Start = now,
            End = now.AddSeconds(offering.DurationSeconds),
            ClientToken = request.ClientToken,
        };
        db.Reservations.Add(reservation);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (UniqueViolation.Is(e) && request.ClientToken is not null)
        {
            // The same token's purchase by a concurrent retry: that one stands.
            db.ChangeTracker.Clear();
            var first = await db.Reservations.AsNoTracking().SingleAsync(r => r.AccountId == account && r.ClientToken == request.ClientToken, cancellationToken);
            return Same(first, request) ? ReservationResponse.Of(first, now)
                : throw ApiErrors.IdempotentParameterMismatch("The client token was used for another purchase.");
        }

        return ReservationResponse.Of(reservation, now);
    }

    private static bool Same(Reservation r, PurchaseReservedInstancesOffering request) =>
        r.OfferingId == request.ReservedInstancesOfferingId && r.InstanceCount == request.InstanceCount;

    private static DateTime RunSecond(DateTime time) => Metering.RunSegments.Second(time);
}

internal sealed class DescribeReservedInstancesHandler(BillingDbContext db, ICallerContext caller, ISender sender, TimeProvider clock)
    : IRequestHandler<DescribeReservedInstances, ReservationsResponse>
{
    public async ValueTask<ReservationsResponse> Handle(DescribeReservedInstances request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var management = await sender.Send(new Iam.Contracts.IsManagementAccount(account), cancellationToken);
        var query = db.Reservations.AsNoTracking();
        if (!management)
        {
            query = query.Where(r => r.AccountId == account);
        }

        var ids = request.ReservedInstancesIds ?? [];
        if (ids.Count > 0)
        {
            query = query.Where(r => ids.Contains(r.Id));
        }

        var found = await query.OrderBy(r => r.Start).ThenBy(r => r.Id).ToListAsync(cancellationToken);
        if (ids.FirstOrDefault(id => found.All(r => r.Id != id)) is { } missing)
        {
            throw ReservationErrors.ReservationNotFound(missing);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        return new ReservationsResponse([.. found.Select(r => ReservationResponse.Of(r, now))]);
    }
}
