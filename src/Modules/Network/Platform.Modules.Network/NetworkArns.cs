using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Network;

/// <summary>EC2's resource ARNs (<c>arn:aws:ec2:us-east-1:123456789012:vpc/vpc-…</c>), so policies written for AWS read the same.</summary>
internal static class NetworkArns
{
    public static string Vpc(string region, string accountId, string vpcId) => Arns.Build("ec2", region, accountId, $"vpc/{vpcId}");

    public static string Subnet(string region, string accountId, string subnetId) => Arns.Build("ec2", region, accountId, $"subnet/{subnetId}");

    public static string SecurityGroup(string region, string accountId, string groupId) => Arns.Build("ec2", region, accountId, $"security-group/{groupId}");

    public static string NetworkInterface(string region, string accountId, string interfaceId) =>
        Arns.Build("ec2", region, accountId, $"network-interface/{interfaceId}");

    public static string RouteTable(string region, string accountId, string id) => Arns.Build("ec2", region, accountId, $"route-table/{id}");

    public static string InternetGateway(string region, string accountId, string id) => Arns.Build("ec2", region, accountId, $"internet-gateway/{id}");

    public static string ElasticIp(string region, string accountId, string id) => Arns.Build("ec2", region, accountId, $"elastic-ip/{id}");

    public static string NatGateway(string region, string accountId, string id) => Arns.Build("ec2", region, accountId, $"natgateway/{id}");
}
