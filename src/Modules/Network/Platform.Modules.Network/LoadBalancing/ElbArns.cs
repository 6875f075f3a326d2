using Platform.Modules.Shared.Authorization;

namespace Platform.Modules.Network.LoadBalancing;

/// <summary>
/// ELBv2's ARNs: <c>arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app/NAME/ID</c> (<c>net/</c> for a network
/// load balancer), <c>targetgroup/NAME/ID</c>, <c>listener/app/NAME/LBID/ID</c>, <c>listener-rule/app/NAME/LBID/LID/ID</c>.
/// </summary>
internal static class ElbArns
{
    public const string Service = "elasticloadbalancing";

    public static string LoadBalancer(string region, string accountId, string kind, string name, string id) =>
        Arns.Build(Service, region, accountId, $"loadbalancer/{kind}/{name}/{id}");

    public static string TargetGroup(string region, string accountId, string name, string id) => Arns.Build(Service, region, accountId, $"targetgroup/{name}/{id}");

    /// <summary>The listener's ARN from its load balancer's: the same path under <c>listener/</c>, then the listener's id.</summary>
    public static string Listener(string loadBalancerArn, string id) => loadBalancerArn.Replace(":loadbalancer/", ":listener/", StringComparison.Ordinal) + "/" + id;

    public static string Rule(string listenerArn, string id) => listenerArn.Replace(":listener/", ":listener-rule/", StringComparison.Ordinal) + "/" + id;

    /// <summary>A resource pattern for a create's permission check (the ARN is not known before).</summary>
    public static string Any(string region, string accountId, string resourceType) => Arns.Build(Service, region, accountId, $"{resourceType}/*");

    /// <summary>ELBv2's ids: 16 hex digits.</summary>
    public static string NewId() => System.Security.Cryptography.RandomNumberGenerator.GetHexString(16, lowercase: true);

    /// <summary>The kind in a load balancer's ARN: <c>app</c> or <c>net</c>.</summary>
    public static string Kind(string type) => type == Persistence.LoadBalancerTypes.Network ? "net" : "app";
}
