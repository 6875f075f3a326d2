using System.Globalization;
using System.Security.Cryptography;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Billing.Metering;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Billing.Invoices;

/// <summary>
/// The operator's credit or adjustment for an account (the management account's only): a <c>Credit</c> of a positive
/// amount (taken off the bill) or an <c>Adjustment</c> of either sign, with its reason, for a month whose invoice is not
/// issued yet; that invoice shows it as a line of its own. An issued invoice is never changed: a correction of it is
/// recorded for a later month. A retry with the same <c>client_token</c> records it once.
/// </summary>
internal sealed record CreateAdjustment(string? AccountId, string? Kind, decimal? Amount, string? Reason, string? BillingPeriod, string? Service, string? ClientToken)
    : IRequest<AdjustmentResponse>, IRequiresPermission, IValidatable
{
    public const string Credit = "Credit";
    public const string Adjustment = "Adjustment";
    public const decimal MaxAmount = 1_000_000_000m;

    /// <summary>How many months ahead of the current one an adjustment may be recorded.</summary>
    public const int MonthsAhead = 12;

    public static readonly IReadOnlyList<string> Services = [UsageTypes.Ec2, UsageTypes.S3, UsageTypes.Rds, UsageTypes.Elb];

    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("aws-portal:ModifyBilling", "*");

    public void Validate()
    {
        Adjustments.ValidateAccount(AccountId, required: true);
        if (Kind is null)
        {
            throw ApiErrors.MissingParameter("kind is required: Credit or Adjustment.");
        }

        if (Kind is not (Credit or Adjustment))
        {
            throw ApiErrors.InvalidParameterValue("kind must be Credit or Adjustment.");
        }

        if (Amount is not { } amount)
        {
            throw ApiErrors.MissingParameter("amount is required.");
        }

        if (decimal.Round(amount, 2) != amount || Math.Abs(amount) > MaxAmount || amount == 0 || (Kind == Credit && amount < 0))
        {
            throw ApiErrors.InvalidParameterValue(Kind == Credit
                ? $"A credit's amount must be positive (it is taken off the bill), at most {MaxAmount}, in cents."
                : $"An adjustment's amount must not be zero, at most {MaxAmount} either way, in cents.");
        }

        if (string.IsNullOrWhiteSpace(Reason) || Reason.Length > 256 || Reason.Any(char.IsControl))
        {
            throw ApiErrors.InvalidParameterValue("reason must be 1 to 256 characters without control characters.");
        }

        Adjustments.ParsePeriod(BillingPeriod);
        if (Service is not null && !Services.Contains(Service))
        {
            throw ApiErrors.InvalidParameterValue($"service must be one of {string.Join(", ", Services)}, or left out.");
        }

        if (ClientToken is not null && (ClientToken.Length is 0 or > 64 || ClientToken.Any(c => !char.IsAscii(c) || char.IsControl(c))))
        {
            throw ApiErrors.InvalidParameterValue("client_token must be 1 to 64 ASCII characters.");
        }
    }
}

/// <summary>The credits and adjustments recorded: the caller's account's, or (the management account) every account's or one's.</summary>
internal sealed record ListAdjustments(string? AccountId) : IRequest<AdjustmentsResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("aws-portal:ViewBilling", "*");

    public void Validate() => Adjustments.ValidateAccount(AccountId, required: false);
}

internal sealed record AdjustmentsResponse(IReadOnlyList<AdjustmentResponse> Adjustments);

/// <param name="InvoiceId">The invoice that took it; null while its month is open.</param>
internal sealed record AdjustmentResponse(string AdjustmentId, string AccountId, string Kind, decimal Amount, string Currency, string? Service, string Reason,
    string BillingPeriod, DateTime CreatedAt, string? InvoiceId);

internal static class Adjustments
{
    public static void ValidateAccount(string? accountId, bool required)
    {
        if (accountId is null && required)
        {
            throw ApiErrors.MissingParameter("account_id is required.");
        }

        if (accountId is not null && (accountId.Length != 12 || !accountId.All(char.IsAsciiDigit)))
        {
            throw ApiErrors.InvalidParameterValue("account_id must be a 12-digit account id.");
        }
    }

    /// <summary>A <c>YYYY-MM</c> month as its first day.</summary>
    public static DateOnly ParsePeriod(string? period)
    {
        if (period is null)
        {
            throw ApiErrors.MissingParameter("billing_period is required (YYYY-MM).");
        }

        return DateOnly.TryParseExact(period, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month) && month.Year >= 2000
            ? month
            : throw ApiErrors.InvalidParameterValue("billing_period must be a month, YYYY-MM.");
    }

    public static AdjustmentResponse View(InvoiceAdjustment a) =>
        new(a.Id, a.AccountId, a.Kind, a.Amount, BillingCurrency.Code, a.Service.Length == 0 ? null : a.Service, a.Reason, $"{a.Period:yyyy-MM}", a.CreatedAt, a.InvoiceId);

    /// <summary>The invoice line an adjustment is: quantity 1, its amount as the price, its reason as the description.</summary>
    public static InvoiceLine Line(InvoiceAdjustment a, string invoiceId, int number) => new()
    {
        InvoiceId = invoiceId,
        LineNumber = number,
        Service = a.Service,
        UsageType = a.Kind,
        Quantity = 1m,
        Unit = Prices.Price.Each,
        PricePerUnit = a.Amount,
        PriceUnit = Prices.Price.Each,
        Amount = a.Amount,
        AdjustmentId = a.Id,
        Description = a.Reason,
    };
}

internal sealed class CreateAdjustmentHandler(BillingDbContext db, ICallerContext caller, ISender sender, TimeProvider clock)
    : IRequestHandler<CreateAdjustment, AdjustmentResponse>
{
    public async ValueTask<AdjustmentResponse> Handle(CreateAdjustment request, CancellationToken cancellationToken)
    {
        if (!await sender.Send(new IsManagementAccount(caller.Identity.AccountId), cancellationToken))
        {
            throw ApiErrors.AccessDenied("Only the management account may record credits and adjustments.");
        }

        var account = request.AccountId!;
        var period = Adjustments.ParsePeriod(request.BillingPeriod);
        var amount = request.Kind == CreateAdjustment.Credit ? -request.Amount!.Value : request.Amount!.Value;
        var service = request.Service ?? "";
        if (request.ClientToken is { } token && await db.InvoiceAdjustments.AsNoTracking().SingleOrDefaultAsync(a => a.ClientToken == token, cancellationToken) is { } earlier)
        {
            return Same(earlier, account, request.Kind!, amount, period, service);
        }

        if (!await sender.Send(new AccountExists(account), cancellationToken))
        {
            throw ApiErrors.InvalidParameterValue($"No account '{account}' exists.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var thisMonth = new DateOnly(now.Year, now.Month, 1);
        if (period > thisMonth.AddMonths(CreateAdjustment.MonthsAhead))
        {
            throw ApiErrors.InvalidParameterValue($"billing_period may be at most {CreateAdjustment.MonthsAhead} months ahead.");
        }

        await RefuseIssuedAsync(account, period, cancellationToken);
        var adjustment = new InvoiceAdjustment
        {
            Id = $"adj-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}",
            AccountId = account,
            Period = period,
            Kind = request.Kind!,
            Amount = amount,
            Service = service,
            Reason = request.Reason!,
            CreatedAt = now,
            CreatedBy = caller.Identity.PrincipalArn,
            ClientToken = request.ClientToken,
        };
        db.InvoiceAdjustments.Add(adjustment);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (UniqueViolation.Is(e) && request.ClientToken is { } retried)
        {
            db.ChangeTracker.Clear(); // the same token's retry got in first
            return Same(await db.InvoiceAdjustments.AsNoTracking().SingleAsync(a => a.ClientToken == retried, cancellationToken), account, request.Kind!, amount, period, service);
        }

        // The month's invoice issued meanwhile without it (CloseMonth marks what it took): it is withdrawn, not left unbilled.
        if (await db.Invoices.AsNoTracking().AnyAsync(i => i.AccountId == account && i.Period == period, cancellationToken)
            && await db.InvoiceAdjustments.AsNoTracking().AnyAsync(a => a.Id == adjustment.Id && a.InvoiceId == null, cancellationToken))
        {
            await db.InvoiceAdjustments.Where(a => a.Id == adjustment.Id && a.InvoiceId == null).ExecuteDeleteAsync(cancellationToken);
            await RefuseIssuedAsync(account, period, cancellationToken);
        }

        return Adjustments.View(adjustment);
    }

    private async Task RefuseIssuedAsync(string account, DateOnly period, CancellationToken cancellationToken)
    {
        if (await db.Invoices.AsNoTracking().AnyAsync(i => i.AccountId == account && i.Period == period, cancellationToken))
        {
            throw ApiErrors.InvalidParameterValue($"The invoice of {period:yyyy-MM} is issued and never changes: record the correction for a month still open.");
        }
    }

    private static AdjustmentResponse Same(InvoiceAdjustment earlier, string account, string kind, decimal amount, DateOnly period, string service) =>
        (earlier.AccountId, earlier.Kind, earlier.Amount, earlier.Period, earlier.Service) == (account, kind, amount, period, service)
            ? Adjustments.View(earlier)
            : throw ApiErrors.IdempotentParameterMismatch("client_token was used for a different credit or adjustment.");
}

internal sealed class ListAdjustmentsHandler(BillingDbContext db, ICallerContext caller, ISender sender) : IRequestHandler<ListAdjustments, AdjustmentsResponse>
{
    public async ValueTask<AdjustmentsResponse> Handle(ListAdjustments request, CancellationToken cancellationToken)
    {
        var own = caller.Identity.AccountId;
        var management = await sender.Send(new IsManagementAccount(own), cancellationToken);
        if (!management && request.AccountId is not null && request.AccountId != own)
        {
            throw ApiErrors.AccessDenied("An account reads its own credits and adjustments only.");
        }

        var account = management ? request.AccountId : own;
        var query = db.InvoiceAdjustments.AsNoTracking();
        if (account is not null)
        {
            query = query.Where(a => a.AccountId == account);
        }

        var list = await query.ToListAsync(cancellationToken);
        return new AdjustmentsResponse([.. list.OrderBy(a => a.Period).ThenBy(a => a.CreatedAt).ThenBy(a => a.Id, StringComparer.Ordinal).Select(Adjustments.View)]);
    }
}
