using Platform.Modules.Billing.Metering;

namespace Platform.Modules.Billing.Prices;

/// <summary>One price of the list: what one unit of a usage type costs.</summary>
internal sealed record Price(string Service, string UsageType, decimal PricePerUnit, string PriceUnit)
{
    public const string Hours = "Hrs";
    public const string GibMonths = "GB-Mo";

    /// <summary>A fee per item (a reservation's upfront fee per instance).</summary>
    public const string Each = "Each";

    /// <summary>AWS prices storage per GB-month of 730 hours.</summary>
    public const decimal SecondsPerMonth = 730m * 3600m;

    /// <summary>How many of the usage record's units make one priced unit.</summary>
    public decimal UnitsPerPricedUnit => PriceUnit switch
    {
        GibMonths => SecondsPerMonth,
        Each => 1m,
        _ => 3600m,
    };
}

/// <summary>
/// The price list in force until the operator sets another: AWS's public on-demand prices in us-east-1 (Linux,
/// USD), for the instance types, volume types and services this platform runs, as published in December 2026. Every
/// usage type the platform meters has a price here; the operator's versions change prices, never the list of types.
/// </summary>
internal static class DefaultPrices
{
    /// <summary>Before any usage: the defaults are the first version.</summary>
    public static readonly DateTime EffectiveFrom = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static readonly IReadOnlyList<Price> All =
    [
        Box("t2.nano", 0.0058m),
        Box("t2.micro", 0.0116m),
        Box("t2.small", 0.023m),
        Box("t3.nano", 0.0052m),
        Box("t3.micro", 0.0104m),
        Box("t3.small", 0.0208m),
        Box("t3.medium", 0.0416m),
        Box("t3.large", 0.0832m),
        Box("m5.large", 0.096m),
        Box("m5.xlarge", 0.192m),
        Box("c5.large", 0.085m),
        Box("c5.xlarge", 0.17m),
        new(UsageTypes.Ec2, "EBS:VolumeUsage.gp3", 0.08m, Price.GibMonths),
        new(UsageTypes.Ec2, "EBS:VolumeUsage.gp2", 0.10m, Price.GibMonths),
        new(UsageTypes.Ec2, "EBS:VolumeUsage.piops", 0.125m, Price.GibMonths),
        new(UsageTypes.Ec2, "EBS:VolumeUsage.st1", 0.045m, Price.GibMonths),
        new(UsageTypes.Ec2, "EBS:VolumeUsage.sc1", 0.015m, Price.GibMonths),
        new(UsageTypes.Ec2, "EBS:VolumeUsage", 0.05m, Price.GibMonths),
        new(UsageTypes.Ec2, "EBS:SnapshotUsage", 0.05m, Price.GibMonths),
        new(UsageTypes.Ec2, "ElasticIP:IdleAddress", 0.005m, Price.Hours),
        new(UsageTypes.Ec2, "ElasticIP:InUseAddress", 0.005m, Price.Hours),
        new(UsageTypes.Ec2, "NatGateway-Hours", 0.045m, Price.Hours),
        new(UsageTypes.S3, "TimedStorage-ByteHrs", 0.023m, Price.GibMonths),
        new(UsageTypes.Elb, "LoadBalancerUsage", 0.0225m, Price.Hours),
        new(UsageTypes.Rds, "InstanceUsage:db.t3.micro", 0.018m, Price.Hours),
        new(UsageTypes.Rds, "InstanceUsage:db.t3.small", 0.036m, Price.Hours),
        new(UsageTypes.Rds, "InstanceUsage:db.t3.medium", 0.072m, Price.Hours),
        new(UsageTypes.Rds, "InstanceUsage:db.t4g.micro", 0.016m, Price.Hours),
        new(UsageTypes.Rds, "InstanceUsage:db.t4g.small", 0.032m, Price.Hours),
        new(UsageTypes.Rds, "InstanceUsage:db.m5.large", 0.178m, Price.Hours),
        new(UsageTypes.Rds, "InstanceUsage:db.m5.xlarge", 0.356m, Price.Hours),
        new(UsageTypes.Rds, "InstanceUsage:db.r5.large", 0.25m, Price.Hours),
        new(UsageTypes.Rds, "RDS:GP2-Storage", 0.115m, Price.GibMonths),
    ];

    private static readonly Dictionary<(string, string), Price> ByType = All.ToDictionary(p => (p.Service, p.UsageType));

    public static Price? Find(string service, string usageType) => ByType.GetValueOrDefault((service, usageType));

    private static Price Box(string instanceType, decimal perHour) => new(UsageTypes.Ec2, UsageTypes.Box(instanceType), perHour, Price.Hours);
}
