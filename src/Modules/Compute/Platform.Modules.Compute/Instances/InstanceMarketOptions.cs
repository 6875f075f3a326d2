using System.Globalization;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Compute.Instances;

/// <summary>EC2's InstanceMarketOptions on RunInstances: <c>MarketType=spot</c> launches a spot instance.</summary>
internal sealed record InstanceMarketOptions(string? MarketType, SpotMarketOptions? SpotOptions)
{
    public void Validate()
    {
        if (MarketType != SpotMarket.Spot)
        {
            throw ApiErrors.InvalidParameterValue($"Invalid value '{MarketType}' for InstanceMarketOptions.MarketType: spot.");
        }

        SpotOptions?.Validate();
    }

    /// <summary>The spot options with EC2's defaults filled in.</summary>
    public SpotMarketOptions Resolved => new(SpotOptions?.MaxPrice, SpotOptions?.SpotInstanceType ?? SpotMarket.OneTime,
        SpotOptions?.InstanceInterruptionBehavior ?? SpotMarket.Terminate);
}

/// <summary>EC2's SpotMarketOptions: the most the tenant pays per hour (the on-demand price when not given), one-time requests, and what an interruption does.</summary>
internal sealed record SpotMarketOptions(string? MaxPrice, string? SpotInstanceType, string? InstanceInterruptionBehavior)
{
    public void Validate()
    {
        if (MaxPrice is not null && MaxPriceValue(MaxPrice) is null)
        {
            throw ApiErrors.InvalidParameterValue($"Invalid value '{MaxPrice}' for SpotOptions.MaxPrice: a positive price per hour.");
        }

        if (SpotInstanceType is "persistent")
        {
            throw new ApiException(400, "UnsupportedOperation", "Persistent spot requests are not supported here: SpotInstanceType must be one-time.");
        }

        if (SpotInstanceType is not (null or SpotMarket.OneTime))
        {
            throw ApiErrors.InvalidParameterValue($"Invalid value '{SpotInstanceType}' for SpotOptions.SpotInstanceType: one-time.");
        }

        if (InstanceInterruptionBehavior is not (null or SpotMarket.Terminate or SpotMarket.Stop))
        {
            throw ApiErrors.InvalidParameterValue($"Invalid value '{InstanceInterruptionBehavior}' for SpotOptions.InstanceInterruptionBehavior: terminate or stop.");
        }
    }

    public static decimal? MaxPriceValue(string text) =>
        text.Length <= 32 && decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value > 0 && value < 1_000_000m
            ? value
            : null;
}
