using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Network.LoadBalancing;

/// <summary>ELBv2's error codes (all 400, as its service model says) and messages.</summary>
internal static class ElbErrors
{
    public static ApiException Validation(string message) => ApiErrors.ValidationError(message);

    public static ApiException LoadBalancerNotFound(string? arn) => new(400, "LoadBalancerNotFound", $"One or more load balancers not found{Of(arn)}");

    public static ApiException TargetGroupNotFound(string? arn) => new(400, "TargetGroupNotFound", $"One or more target groups not found{Of(arn)}");

    public static ApiException ListenerNotFound(string? arn) => new(400, "ListenerNotFound", $"One or more listeners not found{Of(arn)}");

    public static ApiException RuleNotFound(string? arn) => new(400, "RuleNotFound", $"One or more rules not found{Of(arn)}");

    public static ApiException DuplicateLoadBalancerName(string name) => new(400, "DuplicateLoadBalancerName", $"A load balancer with the same name '{name}' exists, but with different settings");

    public static ApiException DuplicateTargetGroupName(string name) => new(400, "DuplicateTargetGroupName", $"A target group with the same name '{name}' exists, but with different settings");

    public static ApiException DuplicateListener(int port) => new(400, "DuplicateListener", $"A listener already exists on this port ({port}) of this load balancer");

    public static ApiException PriorityInUse(int priority) => new(400, "PriorityInUse", $"Priority '{priority}' is currently in use");

    public static ApiException InvalidTarget(string message) => new(400, "InvalidTarget", message);

    public static ApiException InvalidSubnet(string message) => new(400, "InvalidSubnet", message);

    public static ApiException SubnetNotFound(string subnetId) => new(400, "SubnetNotFound", $"The subnet ID '{subnetId}' is not valid");

    public static ApiException InvalidSecurityGroup(string groupId) => new(400, "InvalidSecurityGroup", $"The security group '{groupId}' does not exist in the load balancer's VPC");

    public static ApiException InvalidConfiguration(string message) => new(400, "InvalidConfigurationRequest", message);

    public static ApiException InvalidAction(string message) => new(400, "InvalidLoadBalancerAction", message);

    public static ApiException TooManyActions() => new(400, "TooManyActions", "A rule or listener takes one action here (authenticate actions are not offered)");

    public static ApiException IncompatibleProtocols(string message) => new(400, "IncompatibleProtocols", message);

    public static ApiException UnsupportedProtocol(string protocol) => new(400, "UnsupportedProtocol", $"Protocol '{protocol}' is not supported");

    public static ApiException ResourceInUse(string message) => new(400, "ResourceInUse", message);

    public static ApiException OperationNotPermitted(string message) => new(400, "OperationNotPermitted", message);

    public static ApiException AllocationNotFound(string id) => new(400, "AllocationIdNotFound", $"The allocation ID '{id}' does not exist");

    private static string Of(string? arn) => string.IsNullOrEmpty(arn) ? "" : $": '{arn}'";
}
