using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Network;

/// <summary>EC2's error codes and messages. EC2 answers every one of them, NotFound included, with 400.</summary>
internal static class NetworkErrors
{
    public static ApiException VpcNotFound(string vpcId) => new(400, "InvalidVpcID.NotFound", $"The vpc ID '{vpcId}' does not exist");

    public static ApiException SubnetNotFound(string subnetId) => new(400, "InvalidSubnetID.NotFound", $"The subnet ID '{subnetId}' does not exist");

    public static ApiException GroupNotFound(string groupId) =>
        new(400, "InvalidGroup.NotFound", $"The security group '{groupId}' does not exist");

    public static ApiException GroupNameNotFound(string groupName, string vpcId) =>
        new(400, "InvalidGroup.NotFound", $"The security group '{groupName}' does not exist in VPC '{vpcId}'");

    public static ApiException InterfaceNotFound(string interfaceId) =>
        new(400, "InvalidNetworkInterfaceID.NotFound", $"The networkInterface ID '{interfaceId}' does not exist");

    public static ApiException RuleIdNotFound(string ruleId) =>
        new(400, "InvalidSecurityGroupRuleId.NotFound", $"The security group rule ID '{ruleId}' does not exist");

    public static ApiException InvalidCidr(string? cidr, string parameter) =>
        ApiErrors.InvalidParameterValue($"Value ({cidr}) for parameter {parameter} is invalid. This is not a valid CIDR block.");

    public static ApiException VpcRange(string cidr) => new(400, "InvalidVpc.Range", $"The CIDR '{cidr}' is invalid.");

    public static ApiException SubnetRange(string cidr) => new(400, "InvalidSubnet.Range", $"The CIDR '{cidr}' is invalid.");

    public static ApiException SubnetConflict(string cidr) => new(400, "InvalidSubnet.Conflict", $"The CIDR '{cidr}' conflicts with another subnet");

    public static ApiException DependencyViolation(string message) => new(400, "DependencyViolation", message);

    public static ApiException InvalidParameter(string message) => new(400, "InvalidParameter", message);

    public static ApiException GroupDuplicate(string groupName, string vpcId) =>
        new(400, "InvalidGroup.Duplicate", $"The security group '{groupName}' already exists for VPC '{vpcId}'");

    public static ApiException PermissionDuplicate(string rule) =>
        new(400, "InvalidPermission.Duplicate", $"the specified rule \"{rule}\" already exists");

    public static ApiException PermissionNotFound() =>
        new(400, "InvalidPermission.NotFound", "The specified rule does not exist in this security group.");

    public static ApiException RuleLimit() =>
        new(400, "RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached.");

    public static ApiException VpcLimitExceeded(string message) => new(400, "VpcLimitExceeded", message);

    public static ApiException NoDefaultVpc() => new(400, "VPCIdNotSpecified", "No default VPC for this user.");

    public static ApiException SubnetFull(string subnetId) =>
        new(400, "InsufficientFreeAddressesInSubnet", $"There are not enough free addresses in subnet '{subnetId}' to satisfy the requested number of instances.");

    public static ApiException RouteTableNotFound(string id) => new(400, "InvalidRouteTableID.NotFound", $"The routeTable ID '{id}' does not exist");

    public static ApiException RouteNotFound(string tableId, string destination) =>
        new(400, "InvalidRoute.NotFound", $"no route with destination-cidr-block {destination} in route table {tableId}");

    public static ApiException RouteAlreadyExists(string tableId, string destination) =>
        new(400, "RouteAlreadyExists", $"The route identified by {destination} already exists in route table {tableId}.");

    public static ApiException RouteTableAssociationNotFound(string id) =>
        new(400, "InvalidAssociationID.NotFound", $"The association ID '{id}' does not exist");

    public static ApiException AlreadyAssociated(string message) => new(400, "Resource.AlreadyAssociated", message);

    public static ApiException GatewayNotFound(string id) => new(400, "InvalidGatewayID.NotFound", $"The gateway ID '{id}' does not exist");

    public static ApiException InternetGatewayNotFound(string id) =>
        new(400, "InvalidInternetGatewayID.NotFound", $"The internetGateway ID '{id}' does not exist");

    public static ApiException GatewayNotAttached(string gatewayId, string vpcId) =>
        new(400, "Gateway.NotAttached", $"resource {gatewayId} is not attached to network {vpcId}");

    public static ApiException DifferentNetworks(string a, string b) => ApiErrors.InvalidParameterValue($"route table {a} and network gateway {b} belong to different networks");

    public static ApiException AllocationNotFound(string id) => new(400, "InvalidAllocationID.NotFound", $"The allocation ID '{id}' does not exist");

    public static ApiException AddressAssociationNotFound(string id) => new(400, "InvalidAssociationID.NotFound", $"The association ID '{id}' does not exist");

    public static ApiException AddressLimitExceeded() => new(400, "AddressLimitExceeded", "The maximum number of addresses has been reached.");

    public static ApiException AddressInUse(string allocationId) => new(400, "InvalidIPAddress.InUse", $"The address with allocation id [{allocationId}] is in use");

    public static ApiException InstanceNotFound(string instanceId) => new(400, "InvalidInstanceID.NotFound", $"The instance ID '{instanceId}' does not exist");

    public static ApiException NatGatewayNotFound(string id) => new(400, "NatGatewayNotFound", $"The Nat Gateway {id} was not found");

    public static ApiException NoPublicAddressPool() =>
        new(400, "UnsupportedOperation", "This platform has no public address pool: the operator sets Network:PublicAddresses:Cidr and :Gateway.");

    /// <summary>Several writers raced for the same thing too many times; the caller may simply retry.</summary>
    public static ApiException Busy() => new(503, "RequestLimitExceeded", "Too many concurrent changes to the same network resource; retry the request.");
}
