using System.Text.Json;
using Platform.Api.Tests.S3;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Ec2Query;

/// <summary>
/// EC2 on its own query protocol (<c>POST /</c> on the API's port, signed for <c>ec2</c>), driven by the real aws CLIs as a
/// user would: Debian's awscli 2 and pyenv's awscli 1 tour regions, a VPC with its subnet and security group, a key pair,
/// a launch on a simulated server with filters and <c>--query</c>, tags (on the instance, and one create-tags across a VPC, subnet,
/// group, volume and instance), the CLI's own waiters through stop, start and
/// terminate, a volume, and the errors AWS would print. One class per CLI, so the two tours (each minutes of CLI calls
/// and waiter polls) run side by side, each on its own cloud.
/// </summary>
public abstract class Ec2QueryCliTests(string cli) : IAsyncLifetime
{
    private const string PublicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIvab17OmLqHlBE2vCJLg3x+0xIfsvVz2oofKH4KfS9B tour";

    private Ec2Cloud _cloud = null!;

    public async Task InitializeAsync() => _cloud = await Ec2Cloud.StartAsync();

    public async Task DisposeAsync() => await _cloud.DisposeAsync();

    [Fact]
    public async Task Given_a_real_aws_CLI_When_it_tours_a_VPC_a_launch_tags_waiters_and_a_volume_Then_it_prints_what_AWS_would()
    {
        var root = _cloud.Api.RootCredentials();
        var tour = cli == AwsCli.Debian ? "tour-v2" : "tour-v1";
        var octet = cli == AwsCli.Debian ? "20" : "21";
        Task<JsonElement> Ec2(params string[] arguments) => _cloud.JsonAsync(cli, root, ["ec2", .. arguments]);
        Task<string> Fails(string code, string operation, params string[] arguments) => _cloud.FailsAsync(cli, root, code, operation, ["ec2", .. arguments]);

        var regions = await Ec2("describe-regions");
        Assert.Equal(["us-east-1"], regions.GetProperty("Regions").EnumerateArray().Select(r => r.GetProperty("RegionName").GetString()));
        var zones = await Ec2("describe-availability-zones", "--filters", "Name=state,Values=available");
        var zone = Assert.Single(zones.GetProperty("AvailabilityZones").EnumerateArray());
        Assert.Equal(Ec2Cloud.Zone, zone.GetProperty("ZoneName").GetString());
        Assert.Equal("us-east-1", zone.GetProperty("RegionName").GetString());
        var attributes = await Ec2("describe-account-attributes", "--attribute-names", "supported-platforms");
        Assert.Equal("VPC", attributes.GetProperty("AccountAttributes")[0].GetProperty("AttributeValues")[0].GetProperty("AttributeValue").GetString());

        // A VPC, its subnet and a security group with rules, in both of the CLI's forms.
        var vpc = (await Ec2("create-vpc", "--cidr-block", $"10.{octet}.0.0/16", "--tag-specifications", $"ResourceType=vpc,Tags=[{{Key=Name,Value={tour}}}]"))
            .GetProperty("Vpc");
        var vpcId = vpc.GetProperty("VpcId").GetString()!;
        Assert.StartsWith("vpc-", vpcId, StringComparison.Ordinal);
        Assert.Equal(tour, Assert.Single(vpc.GetProperty("Tags").EnumerateArray()).GetProperty("Value").GetString());
        Assert.False(vpc.GetProperty("IsDefault").GetBoolean());
        var byCidr = await Ec2("describe-vpcs", "--filters", $"Name=cidr,Values=10.{octet}.0.0/16", "--query", "Vpcs[].VpcId");
        Assert.Equal([vpcId], byCidr.EnumerateArray().Select(v => v.GetString()));

        var subnet = (await Ec2("create-subnet", "--vpc-id", vpcId, "--cidr-block", $"10.{octet}.1.0/24", "--availability-zone", Ec2Cloud.Zone))
            .GetProperty("Subnet");
        var subnetId = subnet.GetProperty("SubnetId").GetString()!;
        Assert.Equal(vpcId, subnet.GetProperty("VpcId").GetString());
        Assert.Equal(Ec2Cloud.Zone, subnet.GetProperty("AvailabilityZone").GetString());
        Assert.True(subnet.GetProperty("AvailableIpAddressCount").GetInt32() > 200);

        var groupId = (await Ec2("create-security-group", "--group-name", "web-" + tour, "--description", "web servers", "--vpc-id", vpcId))
            .GetProperty("GroupId").GetString()!;
        await Ec2("authorize-security-group-ingress", "--group-id", groupId, "--protocol", "tcp", "--port", "22", "--cidr", "192.0.2.0/24");
        var added = await Ec2("authorize-security-group-ingress", "--group-id", groupId, "--ip-permissions",
            "IpProtocol=tcp,FromPort=80,ToPort=80,IpRanges=[{CidrIp=10.0.0.0/8,Description=inside}]");
        Assert.True(added.GetProperty("Return").GetBoolean());
        Assert.Equal(80, Assert.Single(added.GetProperty("SecurityGroupRules").EnumerateArray()).GetProperty("FromPort").GetInt32());
        await Fails("InvalidPermission.Duplicate", "AuthorizeSecurityGroupIngress",
            "authorize-security-group-ingress", "--group-id", groupId, "--protocol", "tcp", "--port", "22", "--cidr", "192.0.2.0/24");
        var group = Assert.Single((await Ec2("describe-security-groups", "--group-ids", groupId)).GetProperty("SecurityGroups").EnumerateArray());
        Assert.Equal("web-" + tour, group.GetProperty("GroupName").GetString());
        var ports = group.GetProperty("IpPermissions").EnumerateArray()
            .Select(p => (p.GetProperty("FromPort").GetInt32(), p.GetProperty("IpRanges")[0].GetProperty("CidrIp").GetString())).Order().ToList();
        Assert.Equal([(22, "192.0.2.0/24"), (80, "10.0.0.0/8")], ports);

        var keyFile = Path.Combine(_cloud.Work, tour + ".pub");
        await File.WriteAllTextAsync(keyFile, PublicKey + "\n");
        var key = await Ec2("import-key-pair", "--key-name", tour, "--public-key-material", "fileb://" + keyFile);
        Assert.Equal(tour, key.GetProperty("KeyName").GetString());
        var fingerprint = key.GetProperty("KeyFingerprint").GetString();
        Assert.False(string.IsNullOrEmpty(fingerprint));
        await Fails("InvalidKeyPair.Duplicate", "ImportKeyPair", "import-key-pair", "--key-name", tour, "--public-key-material", "fileb://" + keyFile);
        var described = await Ec2("describe-key-pairs", "--key-names", tour, "--query", "KeyPairs[].[KeyName,KeyFingerprint,KeyType]");
        Assert.Equal([tour, fingerprint, "ed25519"], Assert.Single(described.EnumerateArray()).EnumerateArray().Select(k => k.GetString()));

        // DryRun: checked and refused with AWS's own code, and nothing launched.
        await Fails("DryRunOperation", "RunInstances", "run-instances", "--dry-run", "--image-id", _cloud.ImageId, "--instance-type", "t3.micro",
            "--subnet-id", subnetId);
        Assert.Equal(0, (await Ec2("describe-instances", "--filters", $"Name=subnet-id,Values={subnetId}", "--query", "Reservations[].Instances[]"))
            .GetArrayLength());

        var launchArguments = new[]
        {
            "run-instances", "--image-id", _cloud.ImageId, "--instance-type", "t3.micro", "--key-name", tour, "--subnet-id", subnetId,
            "--security-group-ids", groupId, "--client-token", "token-" + tour, "--metadata-options", "HttpTokens=required,HttpPutResponseHopLimit=2",
            "--tag-specifications", $"ResourceType=instance,Tags=[{{Key=Name,Value={tour}}},{{Key=team,Value=blue}}]",
        };
        var launched = Assert.Single((await Ec2(launchArguments)).GetProperty("Instances").EnumerateArray());
        var instanceId = launched.GetProperty("InstanceId").GetString()!;
        Assert.Equal("pending", launched.GetProperty("State").GetProperty("Name").GetString());
        Assert.Equal(0, launched.GetProperty("State").GetProperty("Code").GetInt32());
        Assert.Equal(subnetId, launched.GetProperty("SubnetId").GetString());
        Assert.Equal(groupId, launched.GetProperty("SecurityGroups")[0].GetProperty("GroupId").GetString());
        Assert.Equal(("required", 2, "enabled"), (launched.GetProperty("MetadataOptions").GetProperty("HttpTokens").GetString(),
            launched.GetProperty("MetadataOptions").GetProperty("HttpPutResponseHopLimit").GetInt32(), launched.GetProperty("MetadataOptions").GetProperty("HttpEndpoint").GetString()));
        var modified = await Ec2("modify-instance-metadata-options", "--instance-id", instanceId, "--http-endpoint", "disabled");
        Assert.Equal(("disabled", "required"), (modified.GetProperty("InstanceMetadataOptions").GetProperty("HttpEndpoint").GetString(),
            modified.GetProperty("InstanceMetadataOptions").GetProperty("HttpTokens").GetString()));
        Assert.Equal("disabled", (await Ec2("describe-instances", "--instance-ids", instanceId, "--query", "Reservations[0].Instances[0].MetadataOptions.HttpEndpoint")).GetString());
        await Fails("InvalidParameterValue", "ModifyInstanceMetadataOptions", "modify-instance-metadata-options", "--instance-id", instanceId,
            "--http-put-response-hop-limit", "65");

        // The same client token answers the same launch.
        Assert.Equal(instanceId, (await Ec2(launchArguments)).GetProperty("Instances")[0].GetProperty("InstanceId").GetString());

        await Ec2("wait", "instance-running", "--instance-ids", instanceId);
        var running = await Ec2("describe-instances", "--filters", "Name=instance-state-name,Values=running", $"Name=tag:Name,Values={tour}",
            $"Name=vpc-id,Values={vpcId}", "--query", "Reservations[].Instances[].[InstanceId,InstanceType,Placement.AvailabilityZone,KeyName,PrivateIpAddress]");
        var row = Assert.Single(running.EnumerateArray());
        Assert.Equal(instanceId, row[0].GetString());
        Assert.Equal("t3.micro", row[1].GetString());
        Assert.Equal(Ec2Cloud.Zone, row[2].GetString());
        Assert.Equal(tour, row[3].GetString());
        Assert.StartsWith($"10.{octet}.1.", row[4].GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await Ec2("describe-instances", "--filters", "Name=tag:Name,Values=nobody", "--query", "Reservations[]")).GetArrayLength());
        Assert.Equal(1, (await Ec2("describe-instances", "--filters", "Name=tag-key,Values=team", $"Name=image-id,Values={_cloud.ImageId}",
            "Name=instance-type,Values=t3.*", $"Name=subnet-id,Values={subnetId}", "--query", "Reservations[].Instances[]")).GetArrayLength());

        await Ec2("create-tags", "--resources", instanceId, "--tags", "Key=env,Value=test");
        var tags = await Ec2("describe-tags", "--filters", $"Name=resource-id,Values={instanceId}", "--query", "Tags[].[Key,Value,ResourceType]");
        Assert.Equal(["Name", "env", "team"], tags.EnumerateArray().Select(t => t[0].GetString()).Order(StringComparer.Ordinal));
        Assert.All(tags.EnumerateArray(), t => Assert.Equal("instance", t[2].GetString()));
        await Ec2("delete-tags", "--resources", instanceId, "--tags", "Key=team");
        Assert.Equal(0, (await Ec2("describe-instances", "--filters", "Name=tag-key,Values=team", $"Name=instance-id,Values={instanceId}",
            "--query", "Reservations[]")).GetArrayLength());

        var stopBehaviour = await Ec2("describe-instance-attribute", "--instance-id", instanceId, "--attribute", "instanceInitiatedShutdownBehavior");
        Assert.Equal("stop", stopBehaviour.GetProperty("InstanceInitiatedShutdownBehavior").GetProperty("Value").GetString());
        var apiStop = await Ec2("describe-instance-attribute", "--instance-id", instanceId, "--attribute", "disableApiStop");
        Assert.False(apiStop.GetProperty("DisableApiStop").GetProperty("Value").GetBoolean());
        // Termination protection: on, terminate refused as AWS refuses it, off again with the --attribute/--value form.
        await Ec2("modify-instance-attribute", "--instance-id", instanceId, "--disable-api-termination");
        Assert.True((await Ec2("describe-instance-attribute", "--instance-id", instanceId, "--attribute", "disableApiTermination"))
            .GetProperty("DisableApiTermination").GetProperty("Value").GetBoolean());
        await Fails("OperationNotPermitted", "TerminateInstances", "terminate-instances", "--instance-ids", instanceId);
        await Ec2("modify-instance-attribute", "--instance-id", instanceId, "--attribute", "disableApiTermination", "--value", "false");
        Assert.False((await Ec2("describe-instance-attribute", "--instance-id", instanceId, "--attribute", "disableApiTermination"))
            .GetProperty("DisableApiTermination").GetProperty("Value").GetBoolean());
        Assert.Equal(instanceId, (await Ec2("get-console-output", "--instance-id", instanceId)).GetProperty("InstanceId").GetString());
        var status = Assert.Single((await Ec2("describe-instance-status", "--instance-ids", instanceId)).GetProperty("InstanceStatuses").EnumerateArray());
        Assert.Equal("running", status.GetProperty("InstanceState").GetProperty("Name").GetString());

        // Errors as the CLI prints AWS's.
        await Fails("InvalidInstanceID.NotFound", "DescribeInstances", "describe-instances", "--instance-ids", "i-0123456789abcdef0");
        await Fails("InvalidInstanceID.Malformed", "DescribeInstances", "describe-instances", "--instance-ids", "not-an-instance");
        await Fails("InvalidParameterValue", "DescribeInstances", "describe-instances", "--filters", "Name=flavour,Values=vanilla");
        await Fails("InvalidAMIID.NotFound", "RunInstances", "run-instances", "--image-id", "ami-0123456789abcdef0", "--instance-type", "t3.micro");
        await Fails("DryRunOperation", "TerminateInstances", "terminate-instances", "--dry-run", "--instance-ids", instanceId);

        // A volume in the instance's zone, attached and detached.
        var volume = await Ec2("create-volume", "--availability-zone", Ec2Cloud.Zone, "--size", "1");
        var volumeId = volume.GetProperty("VolumeId").GetString()!;
        Assert.Equal(1, volume.GetProperty("Size").GetInt32());
        await Ec2("wait", "volume-available", "--volume-ids", volumeId);

        // One create-tags naming resources of Network, Storage and Compute; the describes of each filter by it and print it.
        await Ec2("create-tags", "--resources", vpcId, subnetId, groupId, volumeId, instanceId, "--tags", "Key=env,Value=tour", "Key=owner,Value=");
        var tagged = await Ec2("describe-tags", "--filters", "Name=key,Values=env", "--query", "Tags[].[ResourceType,ResourceId,Value]");
        Assert.Equal([("instance", instanceId), ("security-group", groupId), ("subnet", subnetId), ("volume", volumeId), ("vpc", vpcId)],
            tagged.EnumerateArray().Select(t => (t[0].GetString(), t[1].GetString())).Order());
        Assert.All(tagged.EnumerateArray(), t => Assert.Equal("tour", t[2].GetString()));
        Assert.Equal([vpcId], (await Ec2("describe-vpcs", "--filters", "Name=tag:env,Values=tour", $"Name=tag:Name,Values={tour}", "--query", "Vpcs[].VpcId"))
            .EnumerateArray().Select(v => v.GetString()));
        Assert.Equal([subnetId], (await Ec2("describe-subnets", "--filters", "Name=tag-key,Values=owner", "--query", "Subnets[].SubnetId"))
            .EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("tour", (await Ec2("describe-security-groups", "--group-ids", groupId, "--query", "SecurityGroups[0].Tags[?Key=='env'].Value | [0]")).GetString());
        Assert.Equal([volumeId], (await Ec2("describe-volumes", "--filters", "Name=tag:env,Values=tour", "--query", "Volumes[].VolumeId"))
            .EnumerateArray().Select(v => v.GetString()));
        // All or nothing: a subnet that is not there refuses the call, and the VPC takes no tag.
        await Fails("InvalidSubnetID.NotFound", "CreateTags", "create-tags", "--resources", vpcId, "subnet-0123456789abcdef0", "--tags", "Key=half,Value=done");
        await Fails("InvalidParameterValue", "CreateTags", "create-tags", "--resources", vpcId, "--tags", "Key=aws:mine,Value=x");
        await Ec2("delete-tags", "--resources", vpcId, volumeId, "--tags", "Key=env");
        Assert.Equal(["instance", "security-group", "subnet"], (await Ec2("describe-tags", "--filters", "Name=key,Values=env,half", "--query", "Tags[].ResourceType")).EnumerateArray().Select(t => t.GetString()).Order());
        var attached = await Ec2("attach-volume", "--volume-id", volumeId, "--instance-id", instanceId, "--device", "/dev/sdf");
        Assert.Equal("attaching", attached.GetProperty("State").GetString());
        await Ec2("wait", "volume-in-use", "--volume-ids", volumeId);
        await Eventually.TrueAsync(async () =>
        {
            var inUse = await Ec2("describe-volumes", "--filters", $"Name=attachment.instance-id,Values={instanceId}", "--query", "Volumes[].Attachments[].State");
            return inUse.GetArrayLength() == 1 && inUse[0].GetString() == "attached";
        }, TimeSpan.FromSeconds(90), "the volume was not attached");
        await Ec2("detach-volume", "--volume-id", volumeId);
        await Ec2("wait", "volume-available", "--volume-ids", volumeId);
        await Ec2("delete-volume", "--volume-id", volumeId);
        await Ec2("wait", "volume-deleted", "--volume-ids", volumeId);

        // Stop, start, terminate, each awaited with the CLI's own waiter.
        var stopping = Assert.Single((await Ec2("stop-instances", "--instance-ids", instanceId)).GetProperty("StoppingInstances").EnumerateArray());
        Assert.Equal("running", stopping.GetProperty("PreviousState").GetProperty("Name").GetString());
        Assert.Equal("stopping", stopping.GetProperty("CurrentState").GetProperty("Name").GetString());
        await Ec2("wait", "instance-stopped", "--instance-ids", instanceId);
        await Fails("IncorrectInstanceState", "RebootInstances", "reboot-instances", "--instance-ids", instanceId);
        await Ec2("start-instances", "--instance-ids", instanceId);
        await Ec2("wait", "instance-running", "--instance-ids", instanceId);
        var terminating = Assert.Single((await Ec2("terminate-instances", "--instance-ids", instanceId)).GetProperty("TerminatingInstances").EnumerateArray());
        Assert.Equal("shutting-down", terminating.GetProperty("CurrentState").GetProperty("Name").GetString());
        await Ec2("wait", "instance-terminated", "--instance-ids", instanceId);

        await Ec2("delete-key-pair", "--key-name", tour);
        // The terminated instance's interface is released by Network once it hears of it, as on AWS: until then the group
        // and the subnet are in use (DependencyViolation), which clients such as Terraform retry.
        await Eventually.TrueAsync(async () => (await _cloud.CliAsync(cli, root, ["ec2", "delete-security-group", "--group-id", groupId])).Exit == 0,
            TimeSpan.FromSeconds(90), "the security group stayed in use");
        await Ec2("delete-subnet", "--subnet-id", subnetId);
        await Ec2("delete-vpc", "--vpc-id", vpcId);
        await Fails("InvalidVpcID.NotFound", "DescribeVpcs", "describe-vpcs", "--vpc-ids", vpcId);
    }
}

/// <summary>The tour with Debian's awscli 2.</summary>
public sealed class Ec2QueryAwsCli2Tests() : Ec2QueryCliTests(AwsCli.Debian);

/// <summary>The tour with pyenv's awscli 1.</summary>
public sealed class Ec2QueryAwsCli1Tests() : Ec2QueryCliTests(AwsCli.Pyenv);
