using Mediator;

namespace Platform.Modules.Network.Contracts;

/// <summary>
/// Gives an instance its primary network interface: a MAC address, a private address from the subnet
/// (never handed out twice, even to concurrent launches) and its security groups. Compute's launch
/// sends it; it carries the account explicitly and checks no IAM permission of its own (the launch
/// authorized <c>ec2:RunInstances</c>).
/// <para>
/// Without <see cref="SubnetId"/> the account's default VPC is used (made on first use) and its default
/// subnet in <see cref="AvailabilityZone"/>, or in the first configured zone. Without groups the VPC's
/// <c>default</c> group is used. Groups are given by id, by name (looked up in the subnet's VPC), or both.
/// </para>
/// <para>
/// Idempotent per instance: asking again for an instance that already has an interface returns that
/// interface, so a retried launch does not take a second address.
/// </para>
/// Errors (<c>Platform.Modules.Shared.Errors.ApiException</c>, AWS codes): InvalidSubnetID.NotFound,
/// InvalidGroup.NotFound, InvalidParameter (group of another VPC), InvalidParameterValue (unknown zone,
/// zone differing from the subnet's), VPCIdNotSpecified (no default VPC), InsufficientFreeAddressesInSubnet.
/// </summary>
public sealed record CreateInstanceInterface(
    string AccountId,
    string InstanceId,
    string? SubnetId = null,
    IReadOnlyList<string>? SecurityGroupIds = null,
    IReadOnlyList<string>? SecurityGroupNames = null,
    string? AvailabilityZone = null) : IRequest<InstanceInterface>;

/// <summary>
/// An instance's interface as the host and the guest need it.
/// </summary>
/// <param name="NetworkInterfaceId">eni-… id.</param>
/// <param name="MacAddress">Lower-case, colon-separated, locally administered (02:…).</param>
/// <param name="PrivateIpAddress">Dotted IPv4 address from the subnet.</param>
/// <param name="PrefixLength">The subnet's prefix length (the guest's netmask).</param>
/// <param name="Gateway">The subnet's router: its network address + 1, as in AWS.</param>
/// <param name="SubnetCidrBlock">The subnet's CIDR, e.g. <c>10.0.1.0/24</c>.</param>
/// <param name="VpcIsolationId">
/// A small positive integer, unique per VPC across the platform and stable for the VPC's life: the
/// VNI between servers, or mapped to a local VLAN tag on a server.
/// </param>
public sealed record InstanceInterface(
    string NetworkInterfaceId,
    string MacAddress,
    string PrivateIpAddress,
    int PrefixLength,
    string Gateway,
    string SubnetId,
    string SubnetCidrBlock,
    string VpcId,
    string AvailabilityZone,
    int VpcIsolationId,
    IReadOnlyList<string> SecurityGroupIds);
