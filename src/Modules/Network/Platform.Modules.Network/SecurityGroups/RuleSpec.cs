using System.Globalization;
using Platform.Modules.Network.Addressing;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Network.SecurityGroups;

/// <summary>
/// A rule as a caller writes it. <c>ip_protocol</c>: tcp, udp, icmp, -1 (all) or their numbers 6, 17, 1.
/// Ports: a range for tcp/udp; ICMP type and code for icmp (-1: any); none for -1. The other side is
/// either <c>cidr_ip</c> or <c>referenced_group_id</c> (a group of the same VPC).
/// </summary>
internal sealed record RuleSpec(string? IpProtocol, int? FromPort, int? ToPort, string? CidrIp, string? ReferencedGroupId, string? Description)
{
    public const int MaxRulesPerDirection = 60;

    /// <summary>Checks and normalizes (protocol names, ICMP's "any" as -1, no ports for all protocols), with EC2's codes.</summary>
    public NormalizedRule Normalize()
    {
        Parameter.Required(IpProtocol, "IpProtocol");
        var protocol = IpProtocol.ToLowerInvariant() switch
        {
            "tcp" or "6" => "tcp",
            "udp" or "17" => "udp",
            "icmp" or "1" => "icmp",
            "-1" or "all" => "-1",
            _ => throw ApiErrors.InvalidParameterValue($"Invalid value '{IpProtocol}' for IP protocol. Unknown protocol."),
        };

        int? from = null, to = null;
        switch (protocol)
        {
            case "tcp" or "udp":
                if (FromPort is null || ToPort is null)
                {
                    throw ApiErrors.InvalidParameterValue("Invalid value for portRange. Must specify both from and to ports with TCP/UDP.");
                }

                if (FromPort is < 0 or > 65535 || ToPort is < 0 or > 65535 || FromPort > ToPort)
                {
                    throw ApiErrors.InvalidParameterValue($"Invalid value for portRange: from port {FromPort} to port {ToPort}. Ports are 0 to 65535, from not above to.");
                }

                (from, to) = (FromPort, ToPort);
                break;
            case "icmp":
                (from, to) = (FromPort ?? -1, ToPort ?? -1);
                if (from is < -1 or > 255 || to is < -1 or > 255)
                {
                    throw ApiErrors.InvalidParameterValue($"Invalid value for ICMP type {from} or code {to}: each is -1 (any) or 0 to 255.");
                }

                break;
        }

        if ((CidrIp is null) == (ReferencedGroupId is null))
        {
            throw ApiErrors.InvalidParameterValue("Each rule names exactly one of cidr_ip and referenced_group_id.");
        }

        if (CidrIp is not null && !Ipv4Cidr.TryParse(CidrIp, out _))
        {
            throw NetworkErrors.InvalidCidr(CidrIp, "cidrIp");
        }

        if (Description is { Length: > 255 })
        {
            throw ApiErrors.InvalidParameterValue("Rule descriptions are at most 255 characters.");
        }

        return new NormalizedRule(protocol, from, to, CidrIp, ReferencedGroupId, Description);
    }
}

/// <summary>A checked rule; its <see cref="Key"/> is what makes two rules the same (the description does not).</summary>
internal sealed record NormalizedRule(string Protocol, int? FromPort, int? ToPort, string? CidrIp, string? ReferencedGroupId, string? Description)
{
    public (string, int?, int?, string?, string?) Key => (Protocol, FromPort, ToPort, CidrIp, ReferencedGroupId);

    public static NormalizedRule From(SecurityGroupRule rule) =>
        new(rule.Protocol, rule.FromPort, rule.ToPort, rule.CidrIpv4, rule.ReferencedGroupId, rule.Description);

    /// <summary>EC2's wording in InvalidPermission.Duplicate.</summary>
    public override string ToString()
    {
        var peer = CidrIp ?? ReferencedGroupId;
        var protocol = Protocol == "-1" ? "ALL" : Protocol.ToUpperInvariant();
        return FromPort is null
            ? $"peer: {peer}, {protocol}, ALLOW"
            : string.Create(CultureInfo.InvariantCulture, $"peer: {peer}, {protocol}, from port: {FromPort}, to port: {ToPort}, ALLOW");
    }
}
