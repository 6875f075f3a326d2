namespace Platform.Modules.Billing.Metering;

/// <summary>Services and usage types as AWS's bills and Cost Explorer name them (us-east-1 carries no region prefix).</summary>
internal static class UsageTypes
{
    public const string Ec2 = "AmazonEC2";
    public const string S3 = "AmazonS3";
    public const string Rds = "AmazonRDS";
    public const string Elb = "AWSELB";

    public const string Seconds = "Seconds";
    public const string GibSeconds = "GiB-Seconds";

    public const string SpotPrefix = "SpotUsage:";

    public const string BoxPrefix = "BoxUsage:";

    public static string Box(string instanceType) => BoxPrefix + instanceType;

    /// <summary>A spot instance's running time: priced by the spot price of its type and zone in force, not the price list.</summary>
    public static string Spot(string instanceType) => SpotPrefix + instanceType;

    public static bool IsSpot(string usageType) => usageType.StartsWith(SpotPrefix, StringComparison.Ordinal);
}
