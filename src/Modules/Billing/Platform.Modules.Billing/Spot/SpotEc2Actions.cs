using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Ec2Query;
using static Platform.Modules.Shared.Ec2Query.Ec2QueryXml;

namespace Platform.Modules.Billing.Spot;

/// <summary>
/// Billing's part of EC2's query protocol: DescribeSpotPriceHistory, bound to the native request
/// (<c>/api/v1/billing/spot-price-history</c>), with EC2's filters instance-type, availability-zone and product-description.
/// </summary>
internal static class SpotEc2Actions
{
    public static AwsQueryService Table() => new AwsQueryService("ec2", "2016-11-15", Namespace, AwsQueryDialect.Ec2)
        .Action("DescribeSpotPriceHistory", c =>
        {
            var p = c.Parameters;
            c.ReadFilters("instance-type", "availability-zone", "product-description");
            c.ReadPaging(1, 1000);
            var zone = p.Optional("AvailabilityZone");
            var types = p.FlatStringList("InstanceType");
            var products = p.FlatStringList("ProductDescription");
            return new DescribeSpotPriceHistory(types.Count == 0 ? null : types, zone is null ? null : [zone], products.Count == 0 ? null : products,
                p.Optional("StartTime"), p.Optional("EndTime"));
        }, (c, found) =>
        {
            var filtered = c.Filters().Apply(found.SpotPriceHistory, (s, name) => name switch
            {
                "instance-type" => [s.InstanceType],
                "availability-zone" => [s.AvailabilityZone],
                "product-description" => [s.ProductDescription],
                _ => (string?[]?)null,
            });
            // Newest first, as EC2 lists the history: the key orders by descending time.
            var (page, next) = c.Paging().Apply(filtered, s =>
                $"{long.MaxValue - s.Timestamp.Ticks:D19}|{s.InstanceType}|{s.AvailabilityZone}");
            return new object?[]
            {
                Items("spotPriceHistorySet", page, s => new object?[]
                {
                    Value("instanceType", s.InstanceType),
                    Value("productDescription", s.ProductDescription),
                    Value("spotPrice", s.SpotPrice),
                    Value("timestamp", s.Timestamp),
                    Value("availabilityZone", s.AvailabilityZone),
                }),
                Value("nextToken", next ?? ""),
            };
        });
}
