using System.Text.Json;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Ec2Query;

/// <summary>
/// Elastic IPs on EC2's query protocol, driven by pyenv's awscli 1 as a user would: addresses allocated from the operator's
/// pool with their tags, described by ids, public IPs and filters, associated with an instance, moved to another only with
/// AllowReassociation, disassociated and released; the account's limit; the errors AWS would print, each leaving things as they
/// were; another account that cannot see or change any of it, a user without the permission refused, and DryRun.
/// </summary>
public sealed class ElasticIpEc2CliTests : IAsyncLifetime
{
    private const string Cli = AwsCli.Pyenv;

    private static readonly Dictionary<string, string> Pool = new()
    {
        ["Network__PublicAddresses__Cidr"] = "198.51.100.0/24",
        ["Network__PublicAddresses__Gateway"] = "198.51.100.1",
        ["Network__PublicAddresses__PerAccountLimit"] = "2",
    };

    private Ec2Cloud _cloud = null!;

    public async Task InitializeAsync() => _cloud = await Ec2Cloud.StartAsync(Pool);

    public async Task DisposeAsync() => await _cloud.DisposeAsync();

    [Fact]
    public async Task Given_awscli_1_When_it_allocates_associates_moves_and_releases_elastic_IPs_Then_it_prints_what_AWS_would()
    {
        var root = _cloud.Api.RootCredentials();
        Task<JsonElement> Ec2(params string[] arguments) => _cloud.JsonAsync(Cli, root, ["ec2", .. arguments]);
        Task<string> Fails(string code, string operation, params string[] arguments) => _cloud.FailsAsync(Cli, root, code, operation, ["ec2", .. arguments]);
        async Task<JsonElement> Address(string allocationId) =>
            Assert.Single((await Ec2("describe-addresses", "--allocation-ids", allocationId)).GetProperty("Addresses").EnumerateArray());

        var vpcId = (await Ec2("create-vpc", "--cidr-block", "10.62.0.0/16")).GetProperty("Vpc").GetProperty("VpcId").GetString()!;
        var subnetId = (await Ec2("create-subnet", "--vpc-id", vpcId, "--cidr-block", "10.62.1.0/24", "--availability-zone", Ec2Cloud.Zone))
            .GetProperty("Subnet").GetProperty("SubnetId").GetString()!;
        var igw = (await Ec2("create-internet-gateway")).GetProperty("InternetGateway").GetProperty("InternetGatewayId").GetString()!;
        var web = (await Ec2("run-instances", "--image-id", _cloud.ImageId, "--instance-type", "t3.micro", "--subnet-id", subnetId))
            .GetProperty("Instances")[0];
        var webId = web.GetProperty("InstanceId").GetString()!;
        var webIp = web.GetProperty("PrivateIpAddress").GetString()!;
        var spareId = (await Ec2("run-instances", "--image-id", _cloud.ImageId, "--instance-type", "t3.micro", "--subnet-id", subnetId))
            .GetProperty("Instances")[0].GetProperty("InstanceId").GetString()!;

        // Allocated from the pool, with its tag; what the platform has not is refused and allocates nothing.
        var allocated = await Ec2("allocate-address", "--domain", "vpc", "--tag-specifications", "ResourceType=elastic-ip,Tags=[{Key=Name,Value=web}]");
        var allocationId = allocated.GetProperty("AllocationId").GetString()!;
        var publicIp = allocated.GetProperty("PublicIp").GetString()!;
        Assert.StartsWith("eipalloc-", allocationId, StringComparison.Ordinal);
        Assert.StartsWith("198.51.100.", publicIp, StringComparison.Ordinal);
        Assert.Equal(("vpc", "us-east-1", "amazon"), (allocated.GetProperty("Domain").GetString(), allocated.GetProperty("NetworkBorderGroup").GetString(),
            allocated.GetProperty("PublicIpv4Pool").GetString()));
        await Fails("UnsupportedOperation", "AllocateAddress", "allocate-address", "--domain", "standard");
        await Fails("InvalidParameterValue", "AllocateAddress", "allocate-address", "--address", "203.0.113.5");
        await Fails("InvalidParameterValue", "AllocateAddress", "allocate-address", "--network-border-group", "us-west-2");
        await Fails("InvalidParameterValue", "AllocateAddress", "allocate-address", "--tag-specifications", "ResourceType=vpc,Tags=[{Key=a,Value=b}]");
        await Fails("DryRunOperation", "AllocateAddress", "allocate-address", "--dry-run", "--domain", "vpc");
        Assert.Equal([allocationId], (await Ec2("describe-addresses", "--query", "Addresses[].AllocationId")).EnumerateArray().Select(a => a.GetString()));

        var described = Assert.Single((await Ec2("describe-addresses", "--public-ips", publicIp)).GetProperty("Addresses").EnumerateArray());
        Assert.Equal((allocationId, "vpc"), (described.GetProperty("AllocationId").GetString(), described.GetProperty("Domain").GetString()));
        Assert.False(described.TryGetProperty("AssociationId", out _));
        Assert.Equal("web", described.GetProperty("Tags")[0].GetProperty("Value").GetString());
        Assert.Equal([publicIp], (await Ec2("describe-addresses", "--filters", "Name=tag:Name,Values=web", "Name=domain,Values=vpc", "--query", "Addresses[].PublicIp"))
            .EnumerateArray().Select(a => a.GetString()));
        await Fails("InvalidAllocationID.NotFound", "DescribeAddresses", "describe-addresses", "--allocation-ids", "eipalloc-0123456789abcdef0");
        await Fails("InvalidAddress.NotFound", "DescribeAddresses", "describe-addresses", "--public-ips", "198.51.100.254");
        await Fails("InvalidParameterValue", "DescribeAddresses", "describe-addresses", "--filters", "Name=colour,Values=red");

        // Associated only once the VPC has an internet gateway.
        await Fails("Gateway.NotAttached", "AssociateAddress", "associate-address", "--allocation-id", allocationId, "--instance-id", webId);
        await Ec2("attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpcId);
        var associationId = (await Ec2("associate-address", "--allocation-id", allocationId, "--instance-id", webId)).GetProperty("AssociationId").GetString()!;
        Assert.StartsWith("eipassoc-", associationId, StringComparison.Ordinal);
        var mapped = await Address(allocationId);
        Assert.Equal((associationId, webId, webIp, root.AccountId), (mapped.GetProperty("AssociationId").GetString(), mapped.GetProperty("InstanceId").GetString(),
            mapped.GetProperty("PrivateIpAddress").GetString(), mapped.GetProperty("NetworkInterfaceOwnerId").GetString()));
        var webInterface = mapped.GetProperty("NetworkInterfaceId").GetString()!;
        Assert.StartsWith("eni-", webInterface, StringComparison.Ordinal);
        Assert.Equal([publicIp], (await Ec2("describe-addresses", "--filters", $"Name=instance-id,Values={webId}", $"Name=association-id,Values={associationId}",
            "--query", "Addresses[].PublicIp")).EnumerateArray().Select(a => a.GetString()));

        // Moved to another instance only with AllowReassociation; the gateway stays while an address is mapped; it is not released while associated.
        await Fails("Resource.AlreadyAssociated", "AssociateAddress", "associate-address", "--allocation-id", allocationId, "--instance-id", spareId);
        await Fails("InvalidParameterCombination", "AssociateAddress", "associate-address", "--allocation-id", allocationId);
        await Fails("InvalidParameterCombination", "AssociateAddress", "associate-address", "--public-ip", publicIp, "--instance-id", spareId);
        await Fails("InvalidInstanceID.NotFound", "AssociateAddress", "associate-address", "--allocation-id", allocationId, "--instance-id", "i-0123456789abcdef0",
            "--allow-reassociation");
        await Fails("DependencyViolation", "DetachInternetGateway", "detach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpcId);
        await Fails("InvalidIPAddress.InUse", "ReleaseAddress", "release-address", "--allocation-id", allocationId);
        Assert.Equal(webId, (await Address(allocationId)).GetProperty("InstanceId").GetString());
        var movedId = (await Ec2("associate-address", "--allocation-id", allocationId, "--instance-id", spareId, "--allow-reassociation"))
            .GetProperty("AssociationId").GetString()!;
        Assert.NotEqual(associationId, movedId);
        Assert.Equal((spareId, movedId), ((await Address(allocationId)).GetProperty("InstanceId").GetString(), (await Address(allocationId)).GetProperty("AssociationId").GetString()));
        await Fails("InvalidAssociationID.NotFound", "DisassociateAddress", "disassociate-address", "--association-id", associationId);

        // Another account sees none of it and changes nothing; a user without the permission is refused.
        var stranger = await _cloud.Native.CreateAccountAsync("address-stranger");
        Task<string> StrangerFails(string code, string operation, params string[] arguments) => _cloud.FailsAsync(Cli, stranger, code, operation, ["ec2", .. arguments]);
        await StrangerFails("InvalidAllocationID.NotFound", "DescribeAddresses", "describe-addresses", "--allocation-ids", allocationId);
        await StrangerFails("InvalidAddress.NotFound", "DescribeAddresses", "describe-addresses", "--public-ips", publicIp);
        await StrangerFails("InvalidAssociationID.NotFound", "DisassociateAddress", "disassociate-address", "--association-id", movedId);
        await StrangerFails("InvalidAllocationID.NotFound", "ReleaseAddress", "release-address", "--allocation-id", allocationId);
        await StrangerFails("InvalidAllocationID.NotFound", "AssociateAddress", "associate-address", "--allocation-id", allocationId, "--instance-id", webId,
            "--allow-reassociation");
        Assert.Equal(0, (await _cloud.JsonAsync(Cli, stranger, "ec2", "describe-addresses", "--query", "Addresses[]")).GetArrayLength());
        var admin = _cloud.Native;
        var reader = await admin.CreateUserWithKeyAsync("address-reader", root.AccountId);
        await admin.AttachAsync("address-reader", await admin.CreatePolicyAsync("address-read", IamSetup.Document(new { Effect = "Allow", Action = "ec2:Describe*", Resource = "*" })));
        await Eventually.TrueAsync(async () => (await _cloud.CliAsync(Cli, reader, ["ec2", "describe-addresses"])).Exit == 0, TimeSpan.FromSeconds(90),
            "the reader's policy did not take effect");
        await _cloud.FailsAsync(Cli, reader, "UnauthorizedOperation", "DisassociateAddress", ["ec2", "disassociate-address", "--association-id", movedId]);
        await _cloud.FailsAsync(Cli, reader, "UnauthorizedOperation", "AllocateAddress", ["ec2", "allocate-address", "--domain", "vpc"]);
        var still = await Address(allocationId);
        Assert.Equal((spareId, movedId), (still.GetProperty("InstanceId").GetString(), still.GetProperty("AssociationId").GetString()));
        Assert.Equal(1, (await Ec2("describe-addresses", "--query", "Addresses[]")).GetArrayLength());

        // The account's limit (two here): a third allocation is refused and leaves two.
        var second = (await Ec2("allocate-address", "--domain", "vpc")).GetProperty("AllocationId").GetString()!;
        await Fails("AddressLimitExceeded", "AllocateAddress", "allocate-address", "--domain", "vpc");
        Assert.Equal(2, (await Ec2("describe-addresses", "--query", "Addresses[]")).GetArrayLength());

        // Disassociated, then released; the gateway can go once nothing is mapped.
        await Fails("InvalidParameterCombination", "DisassociateAddress", "disassociate-address", "--public-ip", publicIp);
        await Ec2("disassociate-address", "--association-id", movedId);
        var loose = await Address(allocationId);
        Assert.False(loose.TryGetProperty("AssociationId", out _));
        Assert.False(loose.TryGetProperty("InstanceId", out _));
        await Ec2("release-address", "--allocation-id", allocationId);
        await Ec2("release-address", "--allocation-id", second);
        await Fails("InvalidAllocationID.NotFound", "ReleaseAddress", "release-address", "--allocation-id", allocationId);
        Assert.Equal(0, (await Ec2("describe-addresses", "--query", "Addresses[]")).GetArrayLength());
        await Ec2("detach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpcId);
        await Ec2("delete-internet-gateway", "--internet-gateway-id", igw);
        await Ec2("terminate-instances", "--instance-ids", webId, spareId);
        await Ec2("wait", "instance-terminated", "--instance-ids", webId, spareId);
        await Eventually.TrueAsync(async () => (await _cloud.CliAsync(Cli, root, ["ec2", "delete-subnet", "--subnet-id", subnetId])).Exit == 0,
            TimeSpan.FromSeconds(90), "the subnet stayed in use");
        await Ec2("delete-vpc", "--vpc-id", vpcId);
    }
}
