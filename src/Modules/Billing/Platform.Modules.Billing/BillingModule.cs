using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Modules.Billing.Budgets;
using Platform.Modules.Billing.CostReports;
using Platform.Modules.Billing.Invoices;
using Platform.Modules.Billing.Metering;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Billing.Spot;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Persistence;
using Platform.Modules.Shared.Persistence.Outbox;

namespace Platform.Modules.Billing;

/// <summary>
/// Metering of usage and the bill of each account: instance running time from Compute's state facts, the price list,
/// usage and costs, the monthly invoices, cost and usage reports written into the account's bucket, and budgets;
/// storage sampled hourly from Storage's own state, and elastic IPs, NAT gateways, load balancers and DB instances hourly
/// from Network's and Database's; spot prices worked out every minute from Compute's free capacity.
/// </summary>
internal static class BillingModule
{
    public static IServiceCollection AddBillingModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BillingOptions>().BindConfiguration(BillingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddModuleDatabase<BillingDbContext, SqliteBillingDbContext, SqlServerBillingDbContext>(configuration, BillingDbContext.SchemaName);
        services.AddScoped<UsageWriter>();
        services.AddScoped<InstanceFactBatch>();
        services.AddScoped<IOutboxBatch>(sp => sp.GetRequiredService<InstanceFactBatch>());
        services.AddScoped<InvoiceJob>();
        services.AddScoped<StorageMeteringJob>();
        services.AddScoped<ResourceHoursJob>();
        services.AddScoped<CostReportJob>();
        services.AddScoped<BudgetJob>();
        services.AddRecurringJob<StorageMeteringJob>(StorageMeteringJob.RecurringJobId, job => job.RunAsync(CancellationToken.None),
            sp => sp.GetRequiredService<IOptions<BillingOptions>>().Value.StorageCron);
        services.AddRecurringJob<ResourceHoursJob>(ResourceHoursJob.RecurringJobId, job => job.RunAsync(CancellationToken.None),
            sp => sp.GetRequiredService<IOptions<BillingOptions>>().Value.HoursCron);
        services.AddRecurringJob<InvoiceJob>(InvoiceJob.RecurringJobId, job => job.RunAsync(CancellationToken.None),
            sp => sp.GetRequiredService<IOptions<BillingOptions>>().Value.InvoiceCron);
        services.AddRecurringJob<CostReportJob>(CostReportJob.RecurringJobId, job => job.RunAsync(CancellationToken.None),
            sp => sp.GetRequiredService<IOptions<BillingOptions>>().Value.ReportsCron);
        services.AddScoped<ReconcileJob>();
        services.AddRecurringJob<ReconcileJob>(ReconcileJob.RecurringJobId, job => job.RunAsync(CancellationToken.None),
            sp => sp.GetRequiredService<IOptions<BillingOptions>>().Value.ReconcileCron);
        services.AddScoped<SpotPriceJob>();
        services.AddRecurringJob<SpotPriceJob>(SpotPriceJob.RecurringJobId, job => job.RunAsync(CancellationToken.None),
            sp => sp.GetRequiredService<IOptions<BillingOptions>>().Value.SpotPriceCron);
        services.AddAwsQueryService(SpotEc2Actions.Table());
        services.AddRecurringJob<BudgetJob>(BudgetJob.RecurringJobId, job => job.RunAsync(CancellationToken.None),
            sp => sp.GetRequiredService<IOptions<BillingOptions>>().Value.BudgetsCron);
        return services;
    }

    public static IEndpointRouteBuilder MapBillingEndpoints(this IEndpointRouteBuilder routes)
    {
        BillingEndpoints.Map(routes);
        return routes;
    }
}
