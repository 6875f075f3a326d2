using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Billing.Invoices;

/// <summary>The caller's account's invoices, newest first (the management account's list holds every account's).</summary>
internal sealed record ListInvoices : IRequest<InvoiceListResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("aws-portal:ViewBilling", "*");
}

/// <summary>One invoice with its lines; another account's is as if it did not exist (the management account reads all).</summary>
internal sealed record GetInvoice(string InvoiceId) : IRequest<InvoiceResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("aws-portal:ViewBilling", "*");

    public void Validate()
    {
        if (InvoiceId.Length is < 5 or > 32 || !InvoiceId.StartsWith("inv-", StringComparison.Ordinal) || !InvoiceId[4..].All(char.IsAsciiHexDigitLower))
        {
            throw ApiErrors.InvalidParameterValue($"'{InvoiceId}' is not an invoice id (inv- and 16 hex digits).");
        }
    }
}

internal sealed record InvoiceListResponse(IReadOnlyList<InvoiceResponse> Invoices);

internal sealed record InvoiceResponse(string InvoiceId, string AccountId, string BillingPeriod, string Currency, decimal Total, DateTime IssuedAt,
    IReadOnlyList<InvoiceLineResponse>? Lines);

internal sealed record InvoiceLineResponse(int LineNumber, string Service, string UsageType, decimal Quantity, string Unit, decimal PricePerUnit, string PriceUnit, decimal Amount, string? ReservationId,
    string? AdjustmentId, string? Description);

internal sealed class InvoiceQueries(BillingDbContext db, ICallerContext caller, ISender sender)
    : IRequestHandler<ListInvoices, InvoiceListResponse>, IRequestHandler<GetInvoice, InvoiceResponse>
{
    public async ValueTask<InvoiceListResponse> Handle(ListInvoices request, CancellationToken cancellationToken)
    {
        var query = await VisibleAsync(cancellationToken);
        var invoices = await query.OrderByDescending(i => i.Period).ThenBy(i => i.AccountId).ToListAsync(cancellationToken);
        return new InvoiceListResponse([.. invoices.Select(i => Response(i, withLines: false))]);
    }

    public async ValueTask<InvoiceResponse> Handle(GetInvoice request, CancellationToken cancellationToken)
    {
        var query = await VisibleAsync(cancellationToken);
        var invoice = await query.Include(i => i.Lines).SingleOrDefaultAsync(i => i.Id == request.InvoiceId, cancellationToken)
            ?? throw BillingErrors.InvoiceNotFound(request.InvoiceId);
        return Response(invoice, withLines: true);
    }

    private async Task<IQueryable<Invoice>> VisibleAsync(CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        return await sender.Send(new IsManagementAccount(account), cancellationToken)
            ? db.Invoices.AsNoTracking()
            : db.Invoices.AsNoTracking().Where(i => i.AccountId == account);
    }

    private static InvoiceResponse Response(Invoice i, bool withLines) =>
        new(i.Id, i.AccountId, i.Period.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture), i.Currency, i.Total, i.IssuedAt,
            withLines ? [.. i.Lines.OrderBy(l => l.LineNumber).Select(l => new InvoiceLineResponse(l.LineNumber, l.Service, l.UsageType, l.Quantity, l.Unit, l.PricePerUnit, l.PriceUnit, l.Amount, l.ReservationId, l.AdjustmentId, l.Description))] : null);
}
