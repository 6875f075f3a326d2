using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.LoadBalancing.TargetGroups;

internal sealed record MatcherResponse(string HttpCode);

internal sealed record TargetGroupResponse(
    string TargetGroupArn,
    string TargetGroupName,
    string Protocol,
    int Port,
    string VpcId,
    string TargetType,
    bool HealthCheckEnabled,
    string HealthCheckProtocol,
    string HealthCheckPort,
    string? HealthCheckPath,
    int HealthCheckIntervalSeconds,
    int HealthCheckTimeoutSeconds,
    int HealthyThresholdCount,
    int UnhealthyThresholdCount,
    MatcherResponse? Matcher,
    int DeregistrationDelaySeconds,
    IReadOnlyList<string> LoadBalancerArns,
    IReadOnlyList<ElbTag> Tags,
    string IpAddressType = "ipv4")
{
    public static TargetGroupResponse From(TargetGroup group, IReadOnlyList<string> loadBalancerArns) => new(
        group.Arn, group.Name, group.Protocol, group.Port, group.VpcId, group.TargetType, group.HealthCheckEnabled, group.HealthCheckProtocol,
        group.HealthCheckPort, group.HealthCheckPath, group.HealthCheckIntervalSeconds, group.HealthCheckTimeoutSeconds, group.HealthyThresholdCount,
        group.UnhealthyThresholdCount, group.Matcher is null ? null : new MatcherResponse(group.Matcher), group.DeregistrationDelaySeconds,
        loadBalancerArns.Order(StringComparer.Ordinal).ToList(), ElbJson.Read<List<ElbTag>>(group.TagsJson));
}

internal sealed record TargetGroupListResponse(IReadOnlyList<TargetGroupResponse> TargetGroups);
