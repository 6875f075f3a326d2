using System.Globalization;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Billing;

/// <summary>Times in the billing API: ISO 8601 dates (<c>2026-12-01</c>, UTC midnight) or times; always UTC.</summary>
internal static class BillingTime
{
    public static DateTime? Parse(string? value, string name) =>
        value is null ? null
        : DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            && time.UtcDateTime.Year is >= 2000 and <= 9998 ? time.UtcDateTime
        : throw ApiErrors.InvalidParameterValue($"The value of {name} must be an ISO 8601 date or time (2026-12-01 or 2026-12-01T10:00:00Z).");
}

/// <summary>One currency per installation, as the issue asks: the price list's (AWS's public prices are in US dollars).</summary>
internal static class BillingCurrency
{
    public const string Code = "USD";
}
