using System.Net;
using System.Text.Json;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.TestEngine;
using Platform.Modules.Network.Contracts;

namespace Platform.Api.Tests.Network;

/// <summary>The VPC API through HTTP with requests signed by the AWS SDK's signer, and the contract Compute calls, through Mediator.</summary>
public sealed class VpcApiTests(SharedPlatformApp platform) : IClassFixture<SharedPlatformApp>
{
    private const string Api = "/api/v1/vpc";

    private HttpClient Ec2(TestCredentials credentials) => platform.App.SignedClient(credentials);

    [Fact]
    public async Task A_tenant_builds_a_VPC_with_a_subnet_and_a_group_and_takes_it_apart_again()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("vpc-builder");
        using var ec2 = Ec2(tenant);

        var vpc = await (await ec2.PostJsonAsync($"{Api}/vpcs", new { cidr_block = "10.0.0.0/16" })).AssertOkAsync();
        var vpcId = vpc.GetProperty("vpc_id").GetString()!;
        Assert.Matches("^vpc-[0-9a-f]{17}$", vpcId);
        Assert.Equal(("10.0.0.0/16", false, tenant.AccountId), (vpc.GetProperty("cidr_block").GetString(), vpc.GetProperty("is_default").GetBoolean(), vpc.GetProperty("owner_id").GetString()));

        var subnet = await (await ec2.PostJsonAsync($"{Api}/subnets", new { vpc_id = vpcId, cidr_block = "10.0.1.0/24" })).AssertOkAsync();
        var subnetId = subnet.GetProperty("subnet_id").GetString()!;
        Assert.Equal(251, subnet.GetProperty("available_ip_address_count").GetInt32());
        Assert.Equal("us-east-1a", subnet.GetProperty("availability_zone").GetString());
        Assert.Equal($"arn:aws:ec2:us-east-1:{tenant.AccountId}:subnet/{subnetId}", subnet.GetProperty("subnet_arn").GetString());
        await (await ec2.PostJsonAsync($"{Api}/subnets", new { vpc_id = vpcId, cidr_block = "10.0.1.0/25" })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSubnet.Conflict");
        await (await ec2.PostJsonAsync($"{Api}/subnets", new { vpc_id = vpcId, cidr_block = "192.168.0.0/24" })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSubnet.Range");

        var group = await (await ec2.PostJsonAsync($"{Api}/security-groups", new { group_name = "web", description = "web servers", vpc_id = vpcId })).AssertOkAsync();
        var groupId = group.GetProperty("group_id").GetString()!;
        var added = await (await ec2.PostJsonAsync($"{Api}/security-groups/{groupId}/ingress-rules", new
        {
            rules = new object[]
            {
                new { ip_protocol = "tcp", from_port = 443, to_port = 443, cidr_ip = "0.0.0.0/0", description = "https" },
                new { ip_protocol = "icmp", from_port = -1, to_port = -1, referenced_group_id = groupId },
            },
        })).AssertOkAsync();
        var ruleIds = added.GetProperty("security_group_rules").EnumerateArray().Select(r => r.GetProperty("security_group_rule_id").GetString()!).ToList();
        Assert.Equal(2, ruleIds.Count);
        await (await ec2.PostJsonAsync($"{Api}/security-groups/{groupId}/ingress-rules", new
        {
            rules = new[] { new { ip_protocol = "6", from_port = 443, to_port = 443, cidr_ip = "0.0.0.0/0" } },
        })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidPermission.Duplicate");

        // The change goes out through Network's outbox at once, for Compute to push to the hosts.
        await Eventually.TrueAsync(async () => await Database.ScalarAsync<long>(platform.App.DatabasePath,
                $"SELECT COUNT(*) FROM network_outbox_messages WHERE processed_at IS NOT NULL AND payload LIKE '%{groupId}%' AND type LIKE 'Platform.Modules.Network.Contracts.SecurityGroupRulesChanged,%'") == 1,
            TimeSpan.FromSeconds(90), "SecurityGroupRulesChanged was not dispatched");

        var described = await (await ec2.GetAsync($"{Api}/security-groups?group_id={groupId}")).AssertOkAsync();
        var only = described.GetProperty("security_groups").EnumerateArray().Single();
        Assert.Equal(2, only.GetProperty("ingress_rules").GetArrayLength());
        Assert.Equal("-1", only.GetProperty("egress_rules").EnumerateArray().Single().GetProperty("ip_protocol").GetString());

        await (await ec2.PostJsonAsync($"{Api}/security-groups/{groupId}/ingress-rules/revoke", new
        {
            rules = new[] { new { ip_protocol = "tcp", from_port = 22, to_port = 22, cidr_ip = "0.0.0.0/0" } },
        })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidPermission.NotFound");
        await (await ec2.PostJsonAsync($"{Api}/security-groups/{groupId}/ingress-rules/revoke", new
        {
            rules = new[] { new { ip_protocol = "tcp", from_port = 443, to_port = 443, cidr_ip = "0.0.0.0/0" } },
        })).AssertOkAsync();
        await (await ec2.DeleteAsync($"{Api}/security-groups/{groupId}/ingress-rules/{ruleIds[1]}")).AssertOkAsync();
        await (await ec2.DeleteAsync($"{Api}/security-groups/{groupId}/egress-rules/{ruleIds[1]}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSecurityGroupRuleId.NotFound");
        Assert.Equal(0, (await (await ec2.GetAsync($"{Api}/security-groups/{groupId}")).AssertOkAsync()).GetProperty("ingress_rules").GetArrayLength());

        await (await ec2.DeleteAsync($"{Api}/vpcs/{vpcId}")).AssertErrorAsync(HttpStatusCode.BadRequest, "DependencyViolation");
        await (await ec2.DeleteAsync($"{Api}/security-groups/{groupId}")).AssertOkAsync();
        await (await ec2.DeleteAsync($"{Api}/subnets/{subnetId}")).AssertOkAsync();
        await (await ec2.DeleteAsync($"{Api}/vpcs/{vpcId}")).AssertOkAsync();
        await (await ec2.GetAsync($"{Api}/vpcs/{vpcId}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVpcID.NotFound");
    }

    [Fact]
    public async Task Every_account_has_a_default_VPC_with_a_default_subnet_and_group()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("vpc-defaults");
        using var ec2 = Ec2(tenant);

        var vpcs = await (await ec2.GetAsync($"{Api}/vpcs")).AssertOkAsync();
        var vpc = vpcs.GetProperty("vpcs").EnumerateArray().Single();
        Assert.True(vpc.GetProperty("is_default").GetBoolean());
        Assert.Equal("172.31.0.0/16", vpc.GetProperty("cidr_block").GetString());
        var vpcId = vpc.GetProperty("vpc_id").GetString();

        var subnets = await (await ec2.GetAsync($"{Api}/subnets?vpc_id={vpcId}")).AssertOkAsync();
        var subnet = subnets.GetProperty("subnets").EnumerateArray().Single();
        Assert.Equal(("172.31.0.0/20", true), (subnet.GetProperty("cidr_block").GetString(), subnet.GetProperty("default_for_az").GetBoolean()));

        var groups = await (await ec2.GetAsync($"{Api}/security-groups?group_name=default")).AssertOkAsync();
        Assert.Equal(vpcId, groups.GetProperty("security_groups").EnumerateArray().Single().GetProperty("vpc_id").GetString());
    }

    [Fact]
    public async Task Launch_side_contract_gives_interfaces_that_describe_and_pin_their_subnet_and_groups()
    {
        using var management = platform.RootClient();
        var tenant = await management.CreateAccountAsync("vpc-launcher");
        using var ec2 = Ec2(tenant);
        var vpcId = (await (await ec2.PostJsonAsync($"{Api}/vpcs", new { cidr_block = "10.1.0.0/16" })).AssertOkAsync()).GetProperty("vpc_id").GetString()!;
        var subnetId = (await (await ec2.PostJsonAsync($"{Api}/subnets", new { vpc_id = vpcId, cidr_block = "10.1.0.0/24" })).AssertOkAsync()).GetProperty("subnet_id").GetString()!;
        var groupId = (await (await ec2.PostJsonAsync($"{Api}/security-groups", new { group_name = "app", description = "app", vpc_id = vpcId })).AssertOkAsync())
            .GetProperty("group_id").GetString()!;

        // What Compute's launch does: one Mediator request through Network's contracts.
        InstanceInterface eni;
        await using (var scope = platform.App.Services.CreateAsyncScope())
        {
            eni = await scope.ServiceProvider.GetRequiredService<ISender>().Send(
                new CreateInstanceInterface(tenant.AccountId, "i-0123456789abcdef0", subnetId, [groupId]));
        }

        Assert.Equal(("10.1.0.4", "10.1.0.1", 24, vpcId), (eni.PrivateIpAddress, eni.Gateway, eni.PrefixLength, eni.VpcId));

        var described = await (await ec2.GetAsync($"{Api}/network-interfaces?instance_id=i-0123456789abcdef0")).AssertOkAsync();
        var one = described.GetProperty("network_interfaces").EnumerateArray().Single();
        Assert.Equal(eni.NetworkInterfaceId, one.GetProperty("network_interface_id").GetString());
        Assert.Equal(eni.MacAddress, one.GetProperty("mac_address").GetString());
        Assert.Equal("i-0123456789abcdef0", one.GetProperty("attachment").GetProperty("instance_id").GetString());
        Assert.Equal(groupId, one.GetProperty("groups").EnumerateArray().Single().GetProperty("group_id").GetString());
        var subnet = await (await ec2.GetAsync($"{Api}/subnets/{subnetId}")).AssertOkAsync();
        Assert.Equal(250, subnet.GetProperty("available_ip_address_count").GetInt32());

        await (await ec2.DeleteAsync($"{Api}/subnets/{subnetId}")).AssertErrorAsync(HttpStatusCode.BadRequest, "DependencyViolation");
        await (await ec2.DeleteAsync($"{Api}/security-groups/{groupId}")).AssertErrorAsync(HttpStatusCode.BadRequest, "DependencyViolation");

        await using (var scope = platform.App.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ISender>().Send(new ReleaseInstanceInterfaces(tenant.AccountId, "i-0123456789abcdef0"));
        }

        await (await ec2.DeleteAsync($"{Api}/security-groups/{groupId}")).AssertOkAsync();
        await (await ec2.DeleteAsync($"{Api}/subnets/{subnetId}")).AssertOkAsync();
    }

    [Fact]
    public async Task Given_two_accounts_Then_neither_sees_nor_touches_the_others_network()
    {
        using var management = platform.RootClient();
        var a = await management.CreateAccountAsync("vpc-tenant-a");
        var b = await management.CreateAccountAsync("vpc-tenant-b");
        using var ec2A = Ec2(a);
        using var ec2B = Ec2(b);
        var vpcId = (await (await ec2A.PostJsonAsync($"{Api}/vpcs", new { cidr_block = "10.0.0.0/16" })).AssertOkAsync()).GetProperty("vpc_id").GetString()!;
        var subnetId = (await (await ec2A.PostJsonAsync($"{Api}/subnets", new { vpc_id = vpcId, cidr_block = "10.0.0.0/24" })).AssertOkAsync()).GetProperty("subnet_id").GetString()!;
        var groupId = (await (await ec2A.PostJsonAsync($"{Api}/security-groups", new { group_name = "a", description = "a", vpc_id = vpcId })).AssertOkAsync())
            .GetProperty("group_id").GetString()!;

        // Same CIDR in B: allowed, and a different network.
        var vpcOfB = (await (await ec2B.PostJsonAsync($"{Api}/vpcs", new { cidr_block = "10.0.0.0/16" })).AssertOkAsync()).GetProperty("vpc_id").GetString()!;
        var error = await (await ec2B.GetAsync($"{Api}/vpcs?vpc_id={vpcId}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVpcID.NotFound");
        Assert.DoesNotContain(a.AccountId, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await (await ec2B.DeleteAsync($"{Api}/vpcs/{vpcId}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVpcID.NotFound");
        await (await ec2B.PostJsonAsync($"{Api}/subnets", new { vpc_id = vpcId, cidr_block = "10.0.5.0/24" })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVpcID.NotFound");
        await (await ec2B.GetAsync($"{Api}/subnets/{subnetId}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSubnetID.NotFound");
        await (await ec2B.DeleteAsync($"{Api}/subnets/{subnetId}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidSubnetID.NotFound");
        await (await ec2B.GetAsync($"{Api}/security-groups/{groupId}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidGroup.NotFound");
        await (await ec2B.DeleteAsync($"{Api}/security-groups/{groupId}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidGroup.NotFound");
        await (await ec2B.PostJsonAsync($"{Api}/security-groups/{groupId}/ingress-rules", new
        {
            rules = new[] { new { ip_protocol = "tcp", from_port = 22, to_port = 22, cidr_ip = "0.0.0.0/0" } },
        })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidGroup.NotFound");

        var groupOfB = (await (await ec2B.PostJsonAsync($"{Api}/security-groups", new { group_name = "b", description = "b", vpc_id = vpcOfB })).AssertOkAsync())
            .GetProperty("group_id").GetString()!;
        await (await ec2B.PostJsonAsync($"{Api}/security-groups/{groupOfB}/ingress-rules", new
        {
            rules = new[] { new { ip_protocol = "-1", referenced_group_id = groupId } },
        })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidGroup.NotFound");

        // Repeated filters: B's own VPC and A's in one call is still NotFound; B's two are both listed.
        await (await ec2B.GetAsync($"{Api}/vpcs?vpc_id={vpcOfB}&vpc_id={vpcId}")).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVpcID.NotFound");
        var secondOfB = (await (await ec2B.PostJsonAsync($"{Api}/vpcs", new { cidr_block = "10.0.0.0/16" })).AssertOkAsync()).GetProperty("vpc_id").GetString()!;
        var both = await (await ec2B.GetAsync($"{Api}/vpcs?vpc_id={vpcOfB}&vpc_id={secondOfB}")).AssertOkAsync();
        Assert.Equal(new[] { vpcOfB, secondOfB }.Order(StringComparer.Ordinal),
            both.GetProperty("vpcs").EnumerateArray().Select(v => v.GetProperty("vpc_id").GetString()!).Order(StringComparer.Ordinal));
        await (await ec2B.PostJsonAsync($"{Api}/security-groups/{groupOfB}/egress-rules", new
        {
            rules = new[] { new { ip_protocol = "-1", cidr_ip = "0.0.0.0/0" } },
        })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidPermission.Duplicate");

        var listedByB = await (await ec2B.GetAsync($"{Api}/vpcs")).AssertOkAsync();
        var idsOfB = listedByB.GetProperty("vpcs").EnumerateArray().Select(v => v.GetProperty("vpc_id").GetString()).ToList();
        Assert.Contains(vpcOfB, idsOfB);
        Assert.DoesNotContain(vpcId, idsOfB);
        var groupsOfB = await (await ec2B.GetAsync($"{Api}/security-groups")).AssertOkAsync();
        Assert.DoesNotContain(groupsOfB.GetProperty("security_groups").EnumerateArray(), g => g.GetProperty("group_id").GetString() == groupId);
        await (await ec2A.GetAsync($"{Api}/vpcs/{vpcId}")).AssertOkAsync();
    }

    [Fact]
    public async Task A_user_needs_ec2_permissions_and_bad_input_gets_EC2s_codes()
    {
        using var root = platform.RootClient();
        var nora = await root.CreateUserWithKeyAsync("nora-vpc", platform.Root.AccountId);
        using var ec2 = Ec2(nora);
        await (await ec2.GetAsync($"{Api}/vpcs")).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");

        await (await root.PutJsonAsync("/api/v1/iam/users/nora-vpc/policies/describe", new
        {
            policy_document = IamSetup.Document(new { Effect = "Allow", Action = "ec2:Describe*", Resource = "*" }),
        })).AssertOkAsync();
        await (await ec2.GetAsync($"{Api}/vpcs")).AssertOkAsync();
        await (await ec2.PostJsonAsync($"{Api}/vpcs", new { cidr_block = "10.0.0.0/16" })).AssertErrorAsync(HttpStatusCode.Forbidden, "AccessDenied");

        await (await root.PutJsonAsync("/api/v1/iam/users/nora-vpc/policies/create", new
        {
            policy_document = IamSetup.Document(new { Effect = "Allow", Action = "ec2:CreateVpc", Resource = $"arn:aws:ec2:us-east-1:{platform.Root.AccountId}:vpc/*" }),
        })).AssertOkAsync();
        await (await ec2.PostJsonAsync($"{Api}/vpcs", new { cidr_block = "10.0.0.0/8" })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidVpc.Range");
        await (await ec2.PostJsonAsync($"{Api}/vpcs", new { cidr_block = "10.0.0.300/16" })).AssertErrorAsync(HttpStatusCode.BadRequest, "InvalidParameterValue");
        await (await ec2.PostJsonAsync($"{Api}/vpcs", new { })).AssertErrorAsync(HttpStatusCode.BadRequest, "MissingParameter");
        await (await ec2.PostRawAsync($"{Api}/vpcs", """{"cidr_block":"10.0.0.0/16","tenancy":"dedicated"}""")).AssertErrorAsync(HttpStatusCode.BadRequest, "UnknownParameter");
        var made = await (await ec2.PostJsonAsync($"{Api}/vpcs", new { cidr_block = "10.0.0.0/16" })).AssertOkAsync();
        Assert.Equal(JsonValueKind.String, made.GetProperty("vpc_id").ValueKind);
    }
}
