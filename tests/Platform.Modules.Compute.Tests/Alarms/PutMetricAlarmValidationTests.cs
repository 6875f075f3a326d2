using FsCheck;
using FsCheck.Fluent;
using Platform.Modules.Compute.Alarms;
using Platform.Modules.Shared.Errors;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.Modules.Compute.Tests.Alarms;

/// <summary>PutMetricAlarm's own checks (CloudWatch's codes before any store is read), the statistics, and policy ARNs.</summary>
public sealed class PutMetricAlarmValidationTests(ITestOutputHelper output)
{
    private const string PolicyArn = "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:0f8c9a3e-1b2c-4d5e-8f90-123456789abc:autoScalingGroupName/web:policyName/out";

    private static PutMetricAlarm Good() => new("cpu-high", null, "AWS/EC2", "CPUUtilization", [new MetricDimension("AutoScalingGroupName", "web")], "Average", null,
        60, 3, 2, 40, AlarmComparisons.GreaterThanThreshold, MissingData.Missing, true, [PolicyArn], null, null);

    public static TheoryData<string, string> BadInputs => new()
    {
        { "namespace AWS/Lambda", "InvalidParameterValue" },
        { "namespace AWS/RDS by InstanceId", "InvalidParameterCombination" },
        { "no namespace", "MissingParameter" },
        { "metric Bogus", "InvalidParameterValue" },
        { "two dimensions", "InvalidParameterCombination" },
        { "no dimension", "MissingParameter" },
        { "dimension ImageId", "InvalidParameterValue" },
        { "malformed instance id", "InvalidParameterValue" },
        { "statistic and extended", "InvalidParameterCombination" },
        { "neither statistic", "InvalidParameterCombination" },
        { "extended only", "InvalidParameterValue" },
        { "statistic Median", "InvalidParameterValue" },
        { "period 30", "InvalidParameterValue" },
        { "period 90", "InvalidParameterValue" },
        { "no period", "MissingParameter" },
        { "evaluation periods 0", "InvalidParameterValue" },
        { "a day and more", "InvalidParameterValue" },
        { "datapoints 4 of 3", "InvalidParameterValue" },
        { "datapoints 0", "InvalidParameterValue" },
        { "threshold NaN", "InvalidParameterValue" },
        { "comparison Above", "InvalidParameterValue" },
        { "treat missing sometimes", "InvalidParameterValue" },
        { "six actions", "InvalidParameterValue" },
        { "an SNS topic", "InvalidParameterValue" },
        { "name of 256", "InvalidParameterValue" },
        { "name with a newline", "InvalidParameterValue" },
    };

    private static PutMetricAlarm Bad(string what) => what switch
    {
        "namespace AWS/Lambda" => Good() with { Namespace = "AWS/Lambda" },
        "namespace AWS/RDS by InstanceId" => Good() with { Namespace = "AWS/RDS" },
        "no namespace" => Good() with { Namespace = null },
        "metric Bogus" => Good() with { MetricName = "Bogus" },
        "two dimensions" => Good() with { Dimensions = [new("AutoScalingGroupName", "web"), new("InstanceId", "i-0123456789abcdef0")] },
        "no dimension" => Good() with { Dimensions = [] },
        "dimension ImageId" => Good() with { Dimensions = [new("ImageId", "ami-1")] },
        "malformed instance id" => Good() with { Dimensions = [new("InstanceId", "web-1")] },
        "statistic and extended" => Good() with { ExtendedStatistic = "p99" },
        "neither statistic" => Good() with { Statistic = null },
        "extended only" => Good() with { Statistic = null, ExtendedStatistic = "p99" },
        "statistic Median" => Good() with { Statistic = "Median" },
        "period 30" => Good() with { Period = 30 },
        "period 90" => Good() with { Period = 90 },
        "no period" => Good() with { Period = null },
        "evaluation periods 0" => Good() with { EvaluationPeriods = 0, DatapointsToAlarm = null },
        "a day and more" => Good() with { Period = 3600, EvaluationPeriods = 25, DatapointsToAlarm = null },
        "datapoints 4 of 3" => Good() with { DatapointsToAlarm = 4 },
        "datapoints 0" => Good() with { DatapointsToAlarm = 0 },
        "threshold NaN" => Good() with { Threshold = double.NaN },
        "comparison Above" => Good() with { ComparisonOperator = "Above" },
        "treat missing sometimes" => Good() with { TreatMissingData = "sometimes" },
        "six actions" => Good() with { AlarmActions = Enumerable.Repeat(PolicyArn, 6).ToList() },
        "an SNS topic" => Good() with { OkActions = ["arn:aws:sns:us-east-1:123456789012:ops"] },
        "name of 256" => Good() with { AlarmName = new string('a', 256) },
        "name with a newline" => Good() with { AlarmName = "cpu\nhigh" },
        _ => throw new ArgumentOutOfRangeException(nameof(what)),
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Given_bad_input_Then_CloudWatchs_error_code(string what, string code)
    {
        var error = Assert.Throws<ApiException>(() => Bad(what).Validate());
        Assert.Equal((code, 400), (error.Code, error.StatusCode));
    }

    [Fact]
    public void Given_good_input_Then_it_passes_and_the_policy_arn_parses()
    {
        Good().Validate();
        (Good() with { Dimensions = [new("InstanceId", "i-0123456789abcdef0")], Statistic = "SampleCount", Period = 86400, EvaluationPeriods = 1, DatapointsToAlarm = null }).Validate();
        var match = AlarmLookup.PolicyArn().Match(PolicyArn);
        Assert.Equal(("us-east-1", "123456789012", "web", "out"), (match.Groups["region"].Value, match.Groups["account"].Value, match.Groups["group"].Value, match.Groups["policy"].Value));
        Assert.DoesNotMatch(AlarmLookup.PolicyArn(), PolicyArn.Replace("scalingPolicy", "autoScalingGroup", StringComparison.Ordinal));
    }

    [Fact]
    public void Property_statistics_agree_with_each_other()
    {
        Assert.All(MetricStatistics.All, s => Assert.Null(MetricStatistics.Of(s, [])));
        var samples = Gen.NonEmptyListOf(Gen.Choose(-1000, 1000).Select(v => v / 10.0));
        PropertyRuns.Check(output, "metric statistics", Prop.ForAll(samples.ToArbitrary(), values =>
        {
            var list = values.ToList();
            var average = MetricStatistics.Of(MetricStatistics.Average, list)!.Value;
            var minimum = MetricStatistics.Of(MetricStatistics.Minimum, list)!.Value;
            var maximum = MetricStatistics.Of(MetricStatistics.Maximum, list)!.Value;
            Assert.InRange(average, minimum - 1e-9, maximum + 1e-9);
            Assert.Equal(list.Count, MetricStatistics.Of(MetricStatistics.SampleCount, list));
            Assert.Equal(MetricStatistics.Of(MetricStatistics.Sum, list)!.Value, average * list.Count, 6);
        }), inputsPerSeed: 500);
    }
}
