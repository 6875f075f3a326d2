using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Platform.Modules.Billing.Invoices;
using Platform.Modules.Billing.Prices;
using Platform.Modules.Billing.Reservations;
using Platform.Modules.Billing.Usage;
using Platform.Modules.Shared.Authentication;

namespace Platform.Modules.Billing;

/// <summary>The native billing API: <c>/api/v1/billing/...</c>, signed for Cost Explorer's service (<c>ce</c>).</summary>
internal static class BillingEndpoints
{
    public const string Prefix = "/api/v1/billing";

    public static RouteGroupBuilder Map(IEndpointRouteBuilder routes)
    {
        var billing = routes.MapGroup(Prefix).WithTags("Billing").WithMetadata(SigningService.CostExplorer);

        billing.MapGet("/usage", async ([FromQuery(Name = "start")] string? start, [FromQuery(Name = "end")] string? end,
                [FromQuery(Name = "group_by")] string? groupBy, [FromQuery(Name = "account_id")] string? accountId, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetCostAndUsage(start, end, groupBy, accountId), ct)));

        billing.MapGet("/prices", async ([FromQuery(Name = "at")] string? at, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetPrices(at), ct)));
        billing.MapPut("/prices", async (PutPricesBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new PutPrices(body.EffectiveFrom, body.Prices), ct)));

        billing.MapGet("/invoices", async (ISender sender, CancellationToken ct) => TypedResults.Ok(await sender.Send(new ListInvoices(), ct)));
        billing.MapGet("/invoices/{invoiceId}", async (string invoiceId, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetInvoice(invoiceId), ct)));

        billing.MapGet("/reserved-instances-offerings", async ([FromQuery(Name = "instance_type")] string? instanceType,
                [FromQuery(Name = "availability_zone")] string? zone, [FromQuery(Name = "offering_type")] string? offeringType,
                [FromQuery(Name = "duration")] long? duration, [FromQuery(Name = "offering_id")] string? offeringId, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeReservedInstancesOfferings(instanceType, zone, offeringType, duration, offeringId), ct)));
        billing.MapPost("/reserved-instances", async (PurchaseBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new PurchaseReservedInstancesOffering(body.ReservedInstancesOfferingId, body.InstanceCount, body.ClientToken), ct)));
        billing.MapGet("/reserved-instances", async ([FromQuery(Name = "reserved_instances_id")] string[]? ids, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeReservedInstances(ids), ct)));
        return billing;
    }

    internal sealed record PutPricesBody(string? EffectiveFrom, IReadOnlyList<PriceChange>? Prices);

    internal sealed record PurchaseBody(string? ReservedInstancesOfferingId, int? InstanceCount, string? ClientToken);
}
