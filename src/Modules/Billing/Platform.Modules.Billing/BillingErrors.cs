using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Billing;

/// <summary>The Billing module's errors, with Cost Explorer's and the Invoicing API's codes where AWS has one.</summary>
internal static class BillingErrors
{
    public static ApiException ManagementAccountOnly() =>
        ApiErrors.AccessDenied("Only the management account may change the price list.");

    public static ApiException InvoiceNotFound(string id) =>
        ApiErrors.NotFound("ResourceNotFoundException", $"The invoice '{id}' does not exist.");

    public static ApiException InvalidDateRange(string message) => new(400, "ValidationException", message);
}
