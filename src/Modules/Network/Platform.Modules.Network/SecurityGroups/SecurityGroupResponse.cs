using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Tagging;

namespace Platform.Modules.Network.SecurityGroups;

internal sealed record SecurityGroupRuleResponse(
    string SecurityGroupRuleId,
    string GroupId,
    bool IsEgress,
    string IpProtocol,
    int? FromPort,
    int? ToPort,
    string? CidrIpv4,
    string? ReferencedGroupId,
    string? Description)
{
    public static SecurityGroupRuleResponse From(SecurityGroupRule rule) =>
        new(rule.Id, rule.GroupId, rule.IsEgress, rule.Protocol, rule.FromPort, rule.ToPort, rule.CidrIpv4, rule.ReferencedGroupId, rule.Description);
}

internal sealed record SecurityGroupResponse(
    string GroupId,
    string GroupName,
    string Description,
    string VpcId,
    string OwnerId,
    string SecurityGroupArn,
    IReadOnlyList<SecurityGroupRuleResponse> IngressRules,
    IReadOnlyList<SecurityGroupRuleResponse> EgressRules)
{
    /// <summary>The resource's tags (EC2's tagSet), by key.</summary>
    public IReadOnlyList<ResourceTag> Tags { get; init; } = [];

    public static SecurityGroupResponse From(SecurityGroup group, string region, IEnumerable<SecurityGroupRule> rules)
    {
        var ordered = rules.Where(r => r.GroupId == group.Id).OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).ToList();
        return new(group.Id, group.GroupName, group.Description, group.VpcId, group.AccountId, NetworkArns.SecurityGroup(region, group.AccountId, group.Id),
            ordered.Where(r => !r.IsEgress).Select(SecurityGroupRuleResponse.From).ToList(),
            ordered.Where(r => r.IsEgress).Select(SecurityGroupRuleResponse.From).ToList());
    }
}

internal sealed record SecurityGroupListResponse(IReadOnlyList<SecurityGroupResponse> SecurityGroups);

internal sealed record SecurityGroupRulesResponse(IReadOnlyList<SecurityGroupRuleResponse> SecurityGroupRules);
