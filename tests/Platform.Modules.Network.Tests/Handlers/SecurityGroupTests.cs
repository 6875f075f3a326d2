using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Network.SecurityGroups;
using Platform.Modules.Network.Subnets;
using Platform.Modules.Network.Vpcs;
using static Platform.Modules.Network.Tests.Handlers.TestAccounts;

namespace Platform.Modules.Network.Tests.Handlers;

public sealed class SecurityGroupTests(NetworkTestDatabase network) : IClassFixture<NetworkTestDatabase>
{
    private const string Region = "test-1";

    private static RuleSpec Tcp(int port, string cidr = "0.0.0.0/0") => new("tcp", port, port, cidr, null, null);

    [Fact]
    public async Task A_new_VPC_has_a_default_group_that_admits_its_members_and_lets_everything_out()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.0.0.0/16"));
        var groups = await network.SendAsync(account, new DescribeSecurityGroups(Region, [], [], [vpc.VpcId]));
        var group = Assert.Single(groups.SecurityGroups);
        Assert.Equal("default", group.GroupName);
        var ingress = Assert.Single(group.IngressRules);
        Assert.Equal(("-1", group.GroupId), (ingress.IpProtocol, ingress.ReferencedGroupId));
        var egress = Assert.Single(group.EgressRules);
        Assert.Equal(("-1", "0.0.0.0/0"), (egress.IpProtocol, egress.CidrIpv4));

        await AssertFailsAsync(() => network.SendAsync(account, new DeleteSecurityGroup(Region, group.GroupId)), "CannotDelete");
    }

    [Fact]
    public async Task Rules_are_added_checked_for_duplicates_and_removed_by_content_or_id()
    {
        var account = New();
        var group = await network.SendAsync(account, new CreateSecurityGroup(Region, "web", "web servers", null));
        Assert.Empty(group.IngressRules);
        Assert.Single(group.EgressRules);

        var added = await network.SendAsync(account, new AuthorizeSecurityGroupRules(Region, group.GroupId, false,
            [Tcp(22), new RuleSpec("6", 80, 443, "10.0.0.0/8", null, "http"), new RuleSpec("icmp", null, null, "0.0.0.0/0", null, null)]));
        Assert.Equal(3, added.SecurityGroupRules.Count);
        Assert.Equal(("tcp", 80, 443), (added.SecurityGroupRules[1].IpProtocol, added.SecurityGroupRules[1].FromPort, added.SecurityGroupRules[1].ToPort));
        Assert.Equal((-1, -1), (added.SecurityGroupRules[2].FromPort, added.SecurityGroupRules[2].ToPort));

        var duplicate = await AssertFailsAsync(() => network.SendAsync(account, new AuthorizeSecurityGroupRules(Region, group.GroupId, false, [Tcp(8080), Tcp(22)])),
            "InvalidPermission.Duplicate");
        Assert.Contains("peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW", duplicate.Message, StringComparison.Ordinal);
        // All or nothing: 8080 was not added either.
        Assert.Equal(3, (await Describe(account, group.GroupId)).IngressRules.Count);

        await AssertFailsAsync(() => network.SendAsync(account, new RevokeSecurityGroupRules(Region, group.GroupId, false, [Tcp(23)], null)), "InvalidPermission.NotFound");
        await network.SendAsync(account, new RevokeSecurityGroupRules(Region, group.GroupId, false, [Tcp(22)], null));
        await network.SendAsync(account, new RevokeSecurityGroupRules(Region, group.GroupId, false, null, [added.SecurityGroupRules[2].SecurityGroupRuleId]));
        var left = Assert.Single((await Describe(account, group.GroupId)).IngressRules);
        Assert.Equal(80, left.FromPort);
        await AssertFailsAsync(() => network.SendAsync(account, new RevokeSecurityGroupRules(Region, group.GroupId, false, null, ["sgr-00000000000000000"])),
            "InvalidSecurityGroupRuleId.NotFound");

        // Every change announced itself through the outbox.
        var announced = await network.QueryAsync(db => db.OutboxMessages.CountAsync(m => m.Payload.Contains(group.GroupId) && m.Type.Contains(nameof(SecurityGroupRulesChanged))));
        Assert.Equal(3, announced);
    }

    [Theory]
    [InlineData("gre", 1, 1, "0.0.0.0/0", "InvalidParameterValue")]
    [InlineData("tcp", null, 22, "0.0.0.0/0", "InvalidParameterValue")]
    [InlineData("tcp", 23, 22, "0.0.0.0/0", "InvalidParameterValue")]
    [InlineData("udp", 0, 65536, "0.0.0.0/0", "InvalidParameterValue")]
    [InlineData("icmp", 256, -1, "0.0.0.0/0", "InvalidParameterValue")]
    [InlineData("tcp", 22, 22, "10.0.0.1/8", "InvalidParameterValue")]
    [InlineData("tcp", 22, 22, null, "InvalidParameterValue")]
    [InlineData(null, 22, 22, "0.0.0.0/0", "MissingParameter")]
    public async Task Given_a_malformed_rule_Then_it_is_refused(string? protocol, int? from, int? to, string? cidr, string code) =>
        await AssertFailsAsync(() => network.SendAsync(New(), new AuthorizeSecurityGroupRules(Region, "sg-00000000000000000", false,
            [new RuleSpec(protocol, from, to, cidr, null, null)])), code);

    [Fact]
    public async Task A_direction_holds_at_most_60_rules()
    {
        var account = New();
        var group = await network.SendAsync(account, new CreateSecurityGroup(Region, "many", "many rules", null));
        await network.SendAsync(account, new AuthorizeSecurityGroupRules(Region, group.GroupId, false, Enumerable.Range(1, 60).Select(p => Tcp(p)).ToList()));
        await AssertFailsAsync(() => network.SendAsync(account, new AuthorizeSecurityGroupRules(Region, group.GroupId, false, [Tcp(1000)])), "RulesPerSecurityGroupLimitExceeded");
        // Egress counts apart: it has its one default rule and room for 59 more.
        await network.SendAsync(account, new AuthorizeSecurityGroupRules(Region, group.GroupId, true, Enumerable.Range(1, 59).Select(p => Tcp(p)).ToList()));
        await AssertFailsAsync(() => network.SendAsync(account, new AuthorizeSecurityGroupRules(Region, group.GroupId, true, [Tcp(1000)])), "RulesPerSecurityGroupLimitExceeded");
    }

    [Fact]
    public async Task Concurrent_additions_never_exceed_the_limit()
    {
        var account = New();
        var group = await network.SendAsync(account, new CreateSecurityGroup(Region, "race", "racing rules", null));
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await network.SendAsync(account, new AuthorizeSecurityGroupRules(Region, group.GroupId, false, Enumerable.Range(i * 100, 10).Select(p => Tcp(p)).ToList()));
                return true;
            }
            catch (Shared.Errors.ApiException e) when (e.Code == "RulesPerSecurityGroupLimitExceeded")
            {
                return false;
            }
        }));
        Assert.Equal(6, results.Count(ok => ok));
        Assert.Equal(60, (await Describe(account, group.GroupId)).IngressRules.Count);
    }

    [Fact]
    public async Task Group_references_stay_inside_the_VPC_and_block_deletion_of_the_named_group()
    {
        var account = New();
        var vpc = await network.SendAsync(account, new CreateVpc(Region, "10.0.0.0/16"));
        var app = await network.SendAsync(account, new CreateSecurityGroup(Region, "app", "app", vpc.VpcId));
        var db = await network.SendAsync(account, new CreateSecurityGroup(Region, "db", "db", vpc.VpcId));
        var elsewhere = await network.SendAsync(account, new CreateSecurityGroup(Region, "elsewhere", "in the default VPC", null));

        await AssertFailsAsync(() => network.SendAsync(account, new AuthorizeSecurityGroupRules(Region, db.GroupId, false,
            [new RuleSpec("tcp", 5432, 5432, null, elsewhere.GroupId, null)])), "InvalidGroup.NotFound");
        await network.SendAsync(account, new AuthorizeSecurityGroupRules(Region, db.GroupId, false, [new RuleSpec("tcp", 5432, 5432, null, app.GroupId, null)]));

        await AssertFailsAsync(() => network.SendAsync(account, new DeleteSecurityGroup(Region, app.GroupId)), "DependencyViolation");
        await AssertFailsAsync(() => network.SendAsync(account, new DeleteVpc(Region, vpc.VpcId)), "DependencyViolation");
        await network.SendAsync(account, new DeleteSecurityGroup(Region, db.GroupId));
        await network.SendAsync(account, new DeleteSecurityGroup(Region, app.GroupId));
        await network.SendAsync(account, new DeleteVpc(Region, vpc.VpcId));
    }

    [Fact]
    public async Task Group_names_are_unique_per_VPC_and_default_is_reserved()
    {
        var account = New();
        await network.SendAsync(account, new CreateSecurityGroup(Region, "web", "web", null));
        await AssertFailsAsync(() => network.SendAsync(account, new CreateSecurityGroup(Region, "web", "again", null)), "InvalidGroup.Duplicate");
        await AssertFailsAsync(() => network.SendAsync(account, new CreateSecurityGroup(Region, "default", "mine", null)), "InvalidGroup.Reserved");
        await AssertFailsAsync(() => network.SendAsync(account, new CreateSecurityGroup(Region, "sg-1", "looks like an id", null)), "InvalidParameterValue");
        var other = await network.SendAsync(account, new CreateVpc(Region, "10.0.0.0/16"));
        await network.SendAsync(account, new CreateSecurityGroup(Region, "web", "same name, other VPC", other.VpcId));
    }

    private async Task<SecurityGroupResponse> Describe(string account, string groupId) =>
        (await network.SendAsync(account, new DescribeSecurityGroups(Region, [groupId], [], []))).SecurityGroups.Single();
}
