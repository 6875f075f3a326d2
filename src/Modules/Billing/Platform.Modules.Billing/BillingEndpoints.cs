using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Platform.Modules.Billing.Budgets;
using Platform.Modules.Billing.CostReports;
using Platform.Modules.Billing.Invoices;
using Platform.Modules.Billing.Prices;
using Platform.Modules.Billing.Reservations;
using Platform.Modules.Billing.Spot;
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

        billing.MapPost("/adjustments", async (AdjustmentBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateAdjustment(body.AccountId, body.Kind, body.Amount, body.Reason, body.BillingPeriod, body.Service, body.ClientToken), ct)));
        billing.MapGet("/adjustments", async ([FromQuery(Name = "account_id")] string? accountId, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListAdjustments(accountId), ct)));

        billing.MapGet("/reserved-instances-offerings", async ([FromQuery(Name = "instance_type")] string? instanceType,
                [FromQuery(Name = "availability_zone")] string? zone, [FromQuery(Name = "offering_type")] string? offeringType,
                [FromQuery(Name = "duration")] long? duration, [FromQuery(Name = "offering_id")] string? offeringId, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeReservedInstancesOfferings(instanceType, zone, offeringType, duration, offeringId), ct)));
        billing.MapPost("/reserved-instances", async (PurchaseBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new PurchaseReservedInstancesOffering(body.ReservedInstancesOfferingId, body.InstanceCount, body.ClientToken), ct)));
        billing.MapGet("/reserved-instances", async ([FromQuery(Name = "reserved_instances_id")] string[]? ids, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeReservedInstances(ids), ct)));

        billing.MapGet("/spot-price-history", async ([FromQuery(Name = "instance_type")] string[]? instanceTypes,
                [FromQuery(Name = "availability_zone")] string[]? zones, [FromQuery(Name = "product_description")] string[]? products,
                [FromQuery(Name = "start_time")] string? startTime, [FromQuery(Name = "end_time")] string? endTime, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeSpotPriceHistory(instanceTypes, zones, products, startTime, endTime), ct)));

        billing.MapPost("/reports", async (ReportBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new PutReportDefinition(body.ReportName, body.TimeUnit, body.S3Bucket, body.S3Prefix), ct)));
        billing.MapGet("/reports", async (ISender sender, CancellationToken ct) => TypedResults.Ok(await sender.Send(new DescribeReportDefinitions(), ct)));
        billing.MapGet("/reports/{reportName}", async (string reportName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetReportDefinition(reportName), ct)));
        billing.MapDelete("/reports/{reportName}", async (string reportName, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new DeleteReportDefinition(reportName), ct);
            return TypedResults.NoContent();
        });

        billing.MapPost("/budgets", async (BudgetBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new CreateBudget(body.BudgetName, body.BudgetLimit, body.TimeUnit, body.BudgetType, body.Notifications), ct)));
        billing.MapGet("/budgets", async (ISender sender, CancellationToken ct) => TypedResults.Ok(await sender.Send(new DescribeBudgets(), ct)));
        billing.MapGet("/budgets/{budgetName}", async (string budgetName, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new DescribeBudget(budgetName), ct)));
        billing.MapPut("/budgets/{budgetName}", async (string budgetName, BudgetBody body, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new UpdateBudget(budgetName, body.BudgetName, body.BudgetLimit, body.TimeUnit, body.BudgetType, body.Notifications), ct)));
        billing.MapDelete("/budgets/{budgetName}", async (string budgetName, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new DeleteBudget(budgetName), ct);
            return TypedResults.NoContent();
        });
        return billing;
    }

    internal sealed record ReportBody(string? ReportName, string? TimeUnit, string? S3Bucket, string? S3Prefix);

    internal sealed record BudgetBody(string? BudgetName, BudgetLimitBody? BudgetLimit, string? TimeUnit, string? BudgetType, IReadOnlyList<NotificationBody>? Notifications);

    internal sealed record PutPricesBody(string? EffectiveFrom, IReadOnlyList<PriceChange>? Prices);

    internal sealed record AdjustmentBody(string? AccountId, string? Kind, decimal? Amount, string? Reason, string? BillingPeriod, string? Service, string? ClientToken);

    internal sealed record PurchaseBody(string? ReservedInstancesOfferingId, int? InstanceCount, string? ClientToken);
}
