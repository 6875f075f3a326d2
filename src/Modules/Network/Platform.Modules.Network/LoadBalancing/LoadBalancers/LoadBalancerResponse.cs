using Platform.Modules.Network.Persistence;

namespace Platform.Modules.Network.LoadBalancing.LoadBalancers;

internal sealed record LoadBalancerState(string Code, string? Reason = null);

/// <param name="PrivateIPv4Address">The node's address in the subnet (ELBv2 shows it for internal network load balancers; shown here for all).</param>
internal sealed record LoadBalancerAddress(string? IpAddress, string? AllocationId, string PrivateIPv4Address);

internal sealed record LoadBalancerZone(string ZoneName, string SubnetId, IReadOnlyList<LoadBalancerAddress> LoadBalancerAddresses);

/// <summary>
/// ELBv2's LoadBalancer. The DNS name has ELBv2's form (<c>internal-</c> first for an internal one) but no DNS server answers
/// for it yet: clients use the node addresses, an internet-facing node's public address (<c>IpAddress</c>, one per zone) from outside.
/// </summary>
internal sealed record LoadBalancerResponse(
    string LoadBalancerArn,
    string DnsName,
    DateTime CreatedTime,
    string LoadBalancerName,
    string Scheme,
    string VpcId,
    LoadBalancerState State,
    string Type,
    IReadOnlyList<LoadBalancerZone> AvailabilityZones,
    IReadOnlyList<string> SecurityGroups,
    IReadOnlyList<ElbTag> Tags,
    string IpAddressType = "ipv4")
{
    public static LoadBalancerResponse From(LoadBalancer lb, string region)
    {
        var id = lb.Arn[(lb.Arn.LastIndexOf('/') + 1)..];
        var dns = $"{(lb.Scheme == LoadBalancerSchemes.Internal ? "internal-" : "")}{lb.Name}-{id}.elb.{region}.platform.internal";
        var nodes = ElbJson.Read<List<LoadBalancerNode>>(lb.NodesJson);
        return new LoadBalancerResponse(lb.Arn, dns, lb.CreatedAt, lb.Name, lb.Scheme, lb.VpcId, new LoadBalancerState(lb.State), lb.Type,
            nodes.Select(n => new LoadBalancerZone(n.AvailabilityZone, n.SubnetId, [new LoadBalancerAddress(n.PublicIp ?? lb.PublicIp, n.AllocationId ?? lb.AllocationId, n.PrivateIpAddress)])).ToList(),
            ElbJson.Read<List<string>>(lb.SecurityGroupsJson), ElbJson.Read<List<ElbTag>>(lb.TagsJson));
    }
}

internal sealed record LoadBalancerListResponse(IReadOnlyList<LoadBalancerResponse> LoadBalancers);
