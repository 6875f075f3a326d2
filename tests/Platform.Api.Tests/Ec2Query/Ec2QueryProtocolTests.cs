using System.Net;
using System.Text;
using System.Xml.Linq;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Ec2Query;

/// <summary>
/// EC2's query protocol below the CLI: the XML it answers and refuses with, DryRun both ways, paging, other accounts' ids,
/// hostile parameters that must change nothing; and the AWS SDK for .NET's EC2 client (AWSSDK.EC2) against the same port.
/// </summary>
public sealed class Ec2QueryProtocolTests : IAsyncLifetime
{
    private static readonly XNamespace Ec2 = "http://ec2.amazonaws.com/doc/2016-11-15/";

    private Ec2Cloud _cloud = null!;

    public async Task InitializeAsync() => _cloud = await Ec2Cloud.StartAsync();

    public async Task DisposeAsync() => await _cloud.DisposeAsync();

    [Fact]
    public async Task Given_query_requests_When_answered_or_refused_Then_the_XML_is_EC2s_and_a_refusal_changes_nothing()
    {
        var root = _cloud.Api.RootCredentials();
        using var signed = Client(root);

        var list = await signed.PostAsync("/", Form("Action=DescribeInstances&Version=2016-11-15"));
        var document = await OkAsync(list);
        Assert.Equal(Ec2 + "DescribeInstancesResponse", document.Name);
        Assert.Equal(list.Headers.GetValues("x-amz-request-id").Single(), document.Element(Ec2 + "requestId")!.Value);
        Assert.Empty(document.Element(Ec2 + "reservationSet")!.Elements());

        // Paging: five VPCs besides the default one, two pages of five with MaxResults, every VPC once.
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var vpc = await OkAsync(await signed.PostAsync("/", Form($"Action=CreateVpc&Version=2016-11-15&CidrBlock=10.{30 + i}.0.0/16")));
            created.Add(vpc.Element(Ec2 + "vpc")!.Element(Ec2 + "vpcId")!.Value);
        }

        var total = await CountAsync(signed, "DescribeVpcs", "vpcSet");
        Assert.InRange(total, 6, 10);
        var first = await OkAsync(await signed.PostAsync("/", Form("Action=DescribeVpcs&Version=2016-11-15&MaxResults=5")));
        var token = first.Element(Ec2 + "nextToken")!.Value;
        var second = await OkAsync(await signed.PostAsync("/", Form($"Action=DescribeVpcs&Version=2016-11-15&MaxResults=5&NextToken={Uri.EscapeDataString(token)}")));
        Assert.Null(second.Element(Ec2 + "nextToken"));
        var paged = first.Element(Ec2 + "vpcSet")!.Elements(Ec2 + "item").Concat(second.Element(Ec2 + "vpcSet")!.Elements(Ec2 + "item"))
            .Select(v => v.Element(Ec2 + "vpcId")!.Value).ToList();
        Assert.Equal(5, first.Element(Ec2 + "vpcSet")!.Elements(Ec2 + "item").Count());
        Assert.Equal(total, paged.Count);
        Assert.Equal(total, paged.Distinct().Count());
        Assert.Superset(created.ToHashSet(), paged.ToHashSet());

        // Filters with several values and wildcards.
        var filtered = await OkAsync(await signed.PostAsync("/", Form(
            "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=cidr&Filter.1.Value.1=10.30.0.0%2F16&Filter.1.Value.2=10.3%3F.0.0%2F16&Filter.2.Name=is-default&Filter.2.Value.1=false")));
        Assert.Equal(5, filtered.Element(Ec2 + "vpcSet")!.Elements(Ec2 + "item").Count());

        // DryRun as the root: would succeed (412) and creates nothing; as a user with no policy: UnauthorizedOperation (403).
        var dry = await signed.PostAsync("/", Form("Action=CreateVpc&Version=2016-11-15&CidrBlock=10.40.0.0/16&DryRun=true"));
        Assert.Equal(("DryRunOperation", "Request would have succeeded, but DryRun flag is set."), await ErrorAsync(dry, (HttpStatusCode)412));
        var nobody = await _cloud.Native.CreateUserWithKeyAsync("no-policy", root.AccountId);
        using var denied = Client(nobody);
        var unauthorized = await denied.PostAsync("/", Form("Action=CreateVpc&Version=2016-11-15&CidrBlock=10.40.0.0/16&DryRun=true"));
        Assert.Equal("UnauthorizedOperation", (await ErrorAsync(unauthorized, HttpStatusCode.Forbidden)).Code);
        Assert.Equal("UnauthorizedOperation",
            (await ErrorAsync(await denied.PostAsync("/", Form("Action=DescribeVpcs&Version=2016-11-15")), HttpStatusCode.Forbidden)).Code);
        Assert.Equal(total, await CountAsync(signed, "DescribeVpcs", "vpcSet"));

        // A launch to check isolation and refusals against.
        var launched = await OkAsync(await signed.PostAsync("/", Form(
            $"Action=RunInstances&Version=2016-11-15&ImageId={_cloud.ImageId}&InstanceType=t3.micro&MinCount=1&MaxCount=1&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=iso")));
        var instanceId = launched.Element(Ec2 + "instancesSet")!.Element(Ec2 + "item")!.Element(Ec2 + "instanceId")!.Value;

        // Bad input: each refused in EC2's error XML, and nothing launched, tagged or stopped.
        foreach (var (form, status, code) in new[]
        {
            ("Version=2016-11-15", HttpStatusCode.BadRequest, "MissingAction"),
            ("Action=CreateKeyPair&Version=2016-11-15&KeyName=x&KeyType=ed25519", HttpStatusCode.BadRequest, "InvalidParameterValue"),
            ("Action=CreateKeyPair&Version=2016-11-15&KeyName=x&KeyFormat=ppk", HttpStatusCode.BadRequest, "InvalidParameterValue"),
            ("Action=CreateKeyPair&Version=2016-11-15&KeyName=x&TagSpecification.1.ResourceType=key-pair&TagSpecification.1.Tag.1.Key=a",
                HttpStatusCode.BadRequest, "UnknownParameter"),
            ("Action=CreateKeyPair&Version=2016-11-15", HttpStatusCode.BadRequest, "MissingParameter"),
            ("Action=DescribeInstances&Version=2015-10-01", HttpStatusCode.BadRequest, "NoSuchVersion"),
            ("Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-0123456789abcdef0", HttpStatusCode.BadRequest, "InvalidInstanceID.NotFound"),
            ("Action=DescribeInstances&Version=2016-11-15&InstanceId.2=" + instanceId, HttpStatusCode.BadRequest, "MalformedQueryString"),
            ("Action=DescribeInstances&Version=2016-11-15&InstanceId.01=" + instanceId, HttpStatusCode.BadRequest, "MalformedQueryString"),
            ("Action=DescribeInstances&Version=2016-11-15&InstanceId.99999=" + instanceId, HttpStatusCode.BadRequest, "MalformedQueryString"),
            ("Action=DescribeInstances&Version=2016-11-15&Filter.1.Value.1=x", HttpStatusCode.BadRequest, "InvalidParameterValue"),
            ("Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-id", HttpStatusCode.BadRequest, "InvalidParameterValue"),
            ("Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=flavour&Filter.1.Value.1=x", HttpStatusCode.BadRequest, "InvalidParameterValue"),
            ("Action=DescribeInstances&Version=2016-11-15&MaxResults=3", HttpStatusCode.BadRequest, "InvalidParameterValue"),
            ("Action=DescribeInstances&Version=2016-11-15&MaxResults=5&InstanceId.1=" + instanceId, HttpStatusCode.BadRequest, "InvalidParameterCombination"),
            ("Action=DescribeInstances&Version=2016-11-15&NextToken=garbage", HttpStatusCode.BadRequest, "InvalidPaginationToken"),
            ("Action=DescribeInstances&Version=2016-11-15&Shoe=left", HttpStatusCode.BadRequest, "UnknownParameter"),
            ($"Action=RunInstances&Version=2016-11-15&ImageId={_cloud.ImageId}&InstanceType=t3.micro&MinCount=1&MaxCount=2", HttpStatusCode.BadRequest,
                "UnsupportedOperation"),
            ($"Action=RunInstances&Version=2016-11-15&ImageId={_cloud.ImageId}&InstanceType=t3.micro&MinCount=1&MaxCount=1&Ipv6AddressCount=1",
                HttpStatusCode.BadRequest, "UnknownParameter"),
            ($"Action=RunInstances&Version=2016-11-15&ImageId={_cloud.ImageId}&InstanceType=t3.micro&MinCount=1&MaxCount=1&TagSpecification.1.ResourceType=volume&TagSpecification.1.Tag.1.Key=a",
                HttpStatusCode.BadRequest, "InvalidParameterValue"),
            ($"Action=CreateTags&Version=2016-11-15&ResourceId.1={instanceId}&ResourceId.2=i-0123456789abcdef0&Tag.1.Key=half&Tag.1.Value=done",
                HttpStatusCode.BadRequest, "InvalidInstanceID.NotFound"),
            ($"Action=StopInstances&Version=2016-11-15&InstanceId.1={instanceId}&InstanceId.2=i-0123456789abcdef0", HttpStatusCode.BadRequest,
                "InvalidInstanceID.NotFound"),
            ("Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3AName&Filter.1.Value.1=%FF", HttpStatusCode.BadRequest, "MalformedQueryString"),
        })
        {
            var response = await signed.PostAsync("/", Form(form));
            Assert.Equal(code, (await ErrorAsync(response, status)).Code);
        }

        var instances = await OkAsync(await signed.PostAsync("/", Form("Action=DescribeInstances&Version=2016-11-15")));
        Assert.Equal("InvalidKeyPair.NotFound", (await ErrorAsync(await signed.PostAsync("/", Form("Action=DescribeKeyPairs&Version=2016-11-15&KeyName.1=x")),
            HttpStatusCode.BadRequest)).Code);

        // CreateKeyPair: an RSA 2048 private key answered once in PEM, EC2's fingerprint of a key it made (SHA-1 of the PKCS#8 DER),
        // the key pair described after; the same name again is a duplicate.
        var made = await OkAsync(await signed.PostAsync("/", Form("Action=CreateKeyPair&Version=2016-11-15&KeyName=made")));
        var material = made.Element(Ec2 + "keyMaterial")!.Value;
        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", material, StringComparison.Ordinal);
        var madeKey = Assert.Single((await OkAsync(await signed.PostAsync("/", Form("Action=DescribeKeyPairs&Version=2016-11-15&KeyName.1=made&IncludePublicKey=true"))))
            .Element(Ec2 + "keySet")!.Elements(Ec2 + "item"));
        Assert.Equal(made.Element(Ec2 + "keyPairId")!.Value, madeKey.Element(Ec2 + "keyPairId")!.Value);
        Assert.Equal("rsa", madeKey.Element(Ec2 + "keyType")!.Value);
        using (var rsa = System.Security.Cryptography.RSA.Create())
        {
            rsa.ImportFromPem(material);
            Assert.Equal(2048, rsa.KeySize);
#pragma warning disable CA5350 // EC2's fingerprint of a key it made is SHA-1.
            Assert.Equal(string.Join(':', System.Security.Cryptography.SHA1.HashData(rsa.ExportPkcs8PrivateKey()).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))),
                made.Element(Ec2 + "keyFingerprint")!.Value);
#pragma warning restore CA5350
            // The public key kept (ssh-rsa: name, e, n as SSH strings) is the private key's: its modulus is the same.
            var blob = Convert.FromBase64String(madeKey.Element(Ec2 + "publicKey")!.Value.Split(' ')[1]);
            int Read(ref int at) { var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(blob.AsSpan(at)); at += 4 + length; return length; }
            var offset = 0;
            Read(ref offset);
            Read(ref offset);
            var modulusLength = Read(ref offset);
            Assert.Equal(rsa.ExportParameters(false).Modulus, blob[(offset - modulusLength)..offset].SkipWhile(b => b == 0).ToArray());
        }

        Assert.Equal("InvalidKeyPair.Duplicate", (await ErrorAsync(await signed.PostAsync("/", Form("Action=CreateKeyPair&Version=2016-11-15&KeyName=made")),
            HttpStatusCode.BadRequest)).Code);
        var only = Assert.Single(instances.Descendants(Ec2 + "instancesSet").Elements(Ec2 + "item"));
        Assert.Equal(instanceId, only.Element(Ec2 + "instanceId")!.Value);
        Assert.Equal(["Name"], only.Element(Ec2 + "tagSet")!.Elements(Ec2 + "item").Select(t => t.Element(Ec2 + "key")!.Value));
        Assert.NotEqual("stopping", only.Element(Ec2 + "instanceState")!.Element(Ec2 + "name")!.Value);

        // Another account sees none of it: its ids are NotFound there, and nothing of the first account changes.
        var tenant = await _cloud.Native.CreateAccountAsync("ec2-tenant");
        using var other = Client(tenant);
        Assert.Equal("InvalidInstanceID.NotFound", (await ErrorAsync(await other.PostAsync("/", Form(
            $"Action=TerminateInstances&Version=2016-11-15&InstanceId.1={instanceId}")), HttpStatusCode.BadRequest)).Code);
        Assert.Equal("InvalidInstanceID.NotFound", (await ErrorAsync(await other.PostAsync("/", Form(
            $"Action=CreateTags&Version=2016-11-15&ResourceId.1={instanceId}&Tag.1.Key=mine")), HttpStatusCode.BadRequest)).Code);
        Assert.Equal("InvalidVpcID.NotFound", (await ErrorAsync(await other.PostAsync("/", Form(
            $"Action=DeleteVpc&Version=2016-11-15&VpcId={created[0]}")), HttpStatusCode.BadRequest)).Code);
        Assert.Equal(0, await CountAsync(other, "DescribeInstances", "reservationSet"));
        Assert.Equal("InvalidKeyPair.NotFound", (await ErrorAsync(await other.PostAsync("/", Form("Action=DescribeKeyPairs&Version=2016-11-15&KeyName.1=made")),
            HttpStatusCode.BadRequest)).Code);
        await OkAsync(await signed.PostAsync("/", Form($"Action=DescribeVpcs&Version=2016-11-15&VpcId.1={created[0]}")));

        // Refusals before the action runs are EC2's XML too: an unknown key, a wrong secret.
        using var unknownKey = Client(new TestCredentials("AKIAUNKNOWNKEY000000", "secret", root.AccountId));
        Assert.Equal("AuthFailure", (await ErrorAsync(await unknownKey.PostAsync("/", Form("Action=DescribeVpcs&Version=2016-11-15")),
            HttpStatusCode.Forbidden)).Code);
        using var wrongSecret = Client(root with { SecretAccessKey = root.SecretAccessKey[..^2] + "xx" });
        Assert.Equal("SignatureDoesNotMatch", (await ErrorAsync(await wrongSecret.PostAsync("/", Form("Action=DescribeVpcs&Version=2016-11-15")),
            HttpStatusCode.Forbidden)).Code);
    }

    [Fact]
    public async Task Given_the_AWS_SDK_for_NET_When_it_builds_a_VPC_and_runs_stops_and_terminates_an_instance_Then_every_call_answers_as_EC2()
    {
        var root = _cloud.Api.RootCredentials();
        using var ec2 = new AmazonEC2Client(new BasicAWSCredentials(root.AccessKeyId, root.SecretAccessKey), new AmazonEC2Config
        {
            ServiceURL = _cloud.Api.BaseAddress.ToString(),
            AuthenticationRegion = "us-east-1",
            HttpClientFactory = new TrustingFactory(_cloud.Api),
            MaxErrorRetry = 0,
        });

        var key = (await ec2.CreateKeyPairAsync(new CreateKeyPairRequest { KeyName = "sdk-made" })).KeyPair;
        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", key.KeyMaterial, StringComparison.Ordinal);
        Assert.Equal("sdk-made", key.KeyName);
        Assert.Equal(key.KeyPairId, Assert.Single((await ec2.DescribeKeyPairsAsync(new DescribeKeyPairsRequest { KeyNames = ["sdk-made"] })).KeyPairs).KeyPairId);

        var regions = await ec2.DescribeRegionsAsync(new DescribeRegionsRequest());
        Assert.Equal("us-east-1", Assert.Single(regions.Regions).RegionName);
        var zones = await ec2.DescribeAvailabilityZonesAsync(new DescribeAvailabilityZonesRequest());
        Assert.Equal(Ec2Cloud.Zone, Assert.Single(zones.AvailabilityZones).ZoneName);

        var vpc = (await ec2.CreateVpcAsync(new CreateVpcRequest { CidrBlock = "10.50.0.0/16" })).Vpc;
        var subnet = (await ec2.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpc.VpcId, CidrBlock = "10.50.7.0/24", AvailabilityZone = Ec2Cloud.Zone })).Subnet;
        Assert.Equal(vpc.VpcId, subnet.VpcId);
        var groupId = (await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest { GroupName = "sdk", Description = "from the SDK", VpcId = vpc.VpcId }))
            .GroupId;
        await ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest
        {
            GroupId = groupId,
            IpPermissions = [new IpPermission { IpProtocol = "tcp", FromPort = 443, ToPort = 443, Ipv4Ranges = [new IpRange { CidrIp = "0.0.0.0/0" }] }],
        });
        var group = Assert.Single((await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [groupId] })).SecurityGroups);
        Assert.Equal(443, Assert.Single(group.IpPermissions).FromPort);

        var dryRun = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = _cloud.ImageId, InstanceType = InstanceType.T3Micro, MinCount = 1, MaxCount = 1, SubnetId = subnet.SubnetId, DryRun = true,
        }));
        Assert.Equal("DryRunOperation", dryRun.ErrorCode);

        var launched = Assert.Single((await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = _cloud.ImageId,
            InstanceType = InstanceType.T3Micro,
            MinCount = 1,
            MaxCount = 1,
            SubnetId = subnet.SubnetId,
            SecurityGroupIds = [groupId],
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Instance, Tags = [new Tag("Name", "sdk")] }],
        })).Reservation.Instances);
        Assert.Equal(InstanceStateName.Pending, launched.State.Name);

        await Eventually.TrueAsync(async () => (await StateAsync(ec2, launched.InstanceId)) == InstanceStateName.Running, TimeSpan.FromSeconds(90),
            "the instance did not run");
        var byTag = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest
        {
            Filters = [new Filter("tag:Name", ["sdk"]), new Filter("instance-state-name", ["running"]), new Filter("subnet-id", [subnet.SubnetId])],
        });
        var instance = Assert.Single(Assert.Single(byTag.Reservations).Instances);
        Assert.Equal(launched.InstanceId, instance.InstanceId);
        Assert.Equal(groupId, Assert.Single(instance.SecurityGroups).GroupId);
        Assert.Equal(Ec2Cloud.Zone, instance.Placement.AvailabilityZone);

        var missing = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = ["i-0123456789abcdef0"] }));
        Assert.Equal("InvalidInstanceID.NotFound", missing.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.False(string.IsNullOrEmpty(missing.RequestId));

        var stopping = Assert.Single((await ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [launched.InstanceId] })).StoppingInstances);
        Assert.Equal(InstanceStateName.Stopping, stopping.CurrentState.Name);
        await Eventually.TrueAsync(async () => (await StateAsync(ec2, launched.InstanceId)) == InstanceStateName.Stopped, TimeSpan.FromSeconds(90),
            "the instance did not stop");
        var terminating = Assert.Single((await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [launched.InstanceId] }))
            .TerminatingInstances);
        Assert.Equal(InstanceStateName.Stopped, terminating.PreviousState.Name);
        await Eventually.TrueAsync(async () => (await StateAsync(ec2, launched.InstanceId)) == InstanceStateName.Terminated, TimeSpan.FromSeconds(90),
            "the instance did not terminate");

        // A launch from a launch template: the template's image and tags, the call's type, subnet and Name tag over the template's,
        // and EC2's aws:ec2launchtemplate:* tags on the instance.
        var template = (await ec2.CreateLaunchTemplateAsync(new CreateLaunchTemplateRequest
        {
            LaunchTemplateName = "sdk-template",
            LaunchTemplateData = new RequestLaunchTemplateData
            {
                ImageId = _cloud.ImageId,
                InstanceType = InstanceType.T3Small,
                TagSpecifications =
                [
                    new LaunchTemplateTagSpecificationRequest { ResourceType = ResourceType.Instance, Tags = [new Tag("Role", "web"), new Tag("Name", "from-template")] },
                ],
            },
        })).LaunchTemplate;
        var fromTemplate = Assert.Single((await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            MinCount = 1,
            MaxCount = 1,
            LaunchTemplate = new LaunchTemplateSpecification { LaunchTemplateName = "sdk-template", Version = "$Latest" },
            InstanceType = InstanceType.T3Micro,
            SubnetId = subnet.SubnetId,
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Instance, Tags = [new Tag("Name", "override")] }],
        })).Reservation.Instances);
        var described = (await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [fromTemplate.InstanceId] })).Reservations[0].Instances[0];
        Assert.Equal(_cloud.ImageId, described.ImageId);
        Assert.Equal(InstanceType.T3Micro, described.InstanceType);
        Assert.Equal(subnet.SubnetId, described.SubnetId);
        Assert.Equal(
            new Dictionary<string, string> { ["Name"] = "override", ["Role"] = "web", ["aws:ec2launchtemplate:id"] = template.LaunchTemplateId, ["aws:ec2launchtemplate:version"] = "1" },
            described.Tags.ToDictionary(t => t.Key, t => t.Value));
        var byTemplateId = Assert.Single((await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            MinCount = 1, MaxCount = 1, LaunchTemplate = new LaunchTemplateSpecification { LaunchTemplateId = template.LaunchTemplateId },
        })).Reservation.Instances);
        Assert.Equal(InstanceType.T3Small, byTemplateId.InstanceType);
        foreach (var (specification, code) in new[]
        {
            (new LaunchTemplateSpecification { LaunchTemplateName = "no-such-template" }, "InvalidLaunchTemplateName.NotFoundException"),
            (new LaunchTemplateSpecification { LaunchTemplateId = template.LaunchTemplateId, Version = "7" }, "InvalidLaunchTemplateId.VersionNotFound"),
            (new LaunchTemplateSpecification { LaunchTemplateId = template.LaunchTemplateId, LaunchTemplateName = "sdk-template" }, "InvalidParameterCombination"),
        })
        {
            var refused = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.RunInstancesAsync(new RunInstancesRequest { MinCount = 1, MaxCount = 1, LaunchTemplate = specification }));
            Assert.Equal(code, refused.ErrorCode);
        }

        await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [fromTemplate.InstanceId, byTemplateId.InstanceId] });
        Assert.Equal(3, (await ec2.DescribeInstancesAsync(new DescribeInstancesRequest())).Reservations.Count);

        // The SDK's paginator follows nextToken to the end.
        var vpcIds = new List<string>();
        await foreach (var page in ec2.Paginators.DescribeVpcs(new DescribeVpcsRequest { MaxResults = 5 }).Responses)
        {
            vpcIds.AddRange(page.Vpcs.Select(v => v.VpcId));
        }

        Assert.Contains(vpc.VpcId, vpcIds);
        Assert.Equal(vpcIds.Count, vpcIds.Distinct().Count());
    }

    [Fact]
    public async Task Given_instance_attributes_When_modified_through_the_SDK_Then_termination_and_stop_protection_and_shutdown_behaviour_are_enforced()
    {
        var root = _cloud.Api.RootCredentials();
        using var ec2 = Sdk(root);
        var launched = Assert.Single((await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = _cloud.ImageId, InstanceType = InstanceType.T3Micro, MinCount = 1, MaxCount = 1, DisableApiTermination = true,
        })).Reservation.Instances).InstanceId;
        await Eventually.TrueAsync(async () => (await StateAsync(ec2, launched)) == InstanceStateName.Running, TimeSpan.FromSeconds(90), "the instance did not run");

        async Task<InstanceAttribute> AttributeAsync(InstanceAttributeName name) =>
            (await ec2.DescribeInstanceAttributeAsync(new DescribeInstanceAttributeRequest { InstanceId = launched, Attribute = name })).InstanceAttribute;
        async Task<string> RefusedAsync(Func<Task> call) => (await Assert.ThrowsAsync<AmazonEC2Exception>(call)).ErrorCode;

        // Termination protection from the launch: TerminateInstances is refused and the instance runs on.
        Assert.True((await AttributeAsync(InstanceAttributeName.DisableApiTermination)).DisableApiTermination);
        Assert.Equal("OperationNotPermitted", await RefusedAsync(() => ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [launched] })));
        Assert.Equal(InstanceStateName.Running, await StateAsync(ec2, launched));

        // Stop protection by ModifyInstanceAttribute; a dry run, another account, a user without ec2:ModifyInstanceAttribute and bad
        // values change nothing.
        Assert.Equal("DryRunOperation", await RefusedAsync(() => ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest
        {
            InstanceId = launched, DisableApiStop = true, DryRun = true,
        })));
        Assert.False((await AttributeAsync(InstanceAttributeName.DisableApiStop)).DisableApiStop);
        var nobody = await _cloud.Native.CreateUserWithKeyAsync("no-attributes", root.AccountId);
        using (var denied = Sdk(nobody))
        {
            Assert.Equal("UnauthorizedOperation", await RefusedAsync(() => denied.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest
            {
                InstanceId = launched, DisableApiTermination = false,
            })));
            Assert.Equal("UnauthorizedOperation", await RefusedAsync(() => denied.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest
            {
                InstanceId = launched, DisableApiTermination = false, DryRun = true,
            })));
        }

        using (var other = Sdk(await _cloud.Native.CreateAccountAsync("attribute-tenant")))
        {
            Assert.Equal("InvalidInstanceID.NotFound", await RefusedAsync(() => other.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest
            {
                InstanceId = launched, DisableApiTermination = false,
            })));
        }

        using var signed = Client(root);
        foreach (var (form, code) in new[]
        {
            ($"InstanceId={launched}&DisableApiStop.Value=true&DisableApiTermination.Value=false", "InvalidParameterCombination"),
            ($"InstanceId={launched}&InstanceInitiatedShutdownBehavior.Value=hibernate", "InvalidParameterValue"),
            ($"InstanceId={launched}&DisableApiStop.Value=maybe", "InvalidParameterValue"),
            ($"InstanceId={launched}&InstanceType.Value=t3.large", "IncorrectInstanceState"),
            ($"InstanceId={launched}&InstanceType.Value=x9.huge", "InvalidInstanceAttributeValue"),
            ($"InstanceId={launched}&SourceDestCheck.Value=false", "UnknownParameter"),
            ($"InstanceId={launched}", "MissingParameter"),
            ($"InstanceId={launched}&UserData.Value={Convert.ToBase64String("#!/bin/sh\n"u8)}", "IncorrectInstanceState"),
        })
        {
            var response = await signed.PostAsync("/", Form("Action=ModifyInstanceAttribute&Version=2016-11-15&" + form));
            Assert.Equal(code, (await ErrorAsync(response, HttpStatusCode.BadRequest)).Code);
        }

        Assert.False((await AttributeAsync(InstanceAttributeName.DisableApiStop)).DisableApiStop);
        Assert.True((await AttributeAsync(InstanceAttributeName.DisableApiTermination)).DisableApiTermination);
        Assert.Equal("stop", (await AttributeAsync(InstanceAttributeName.InstanceInitiatedShutdownBehavior)).InstanceInitiatedShutdownBehavior);

        await ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest { InstanceId = launched, DisableApiStop = true });
        Assert.True((await AttributeAsync(InstanceAttributeName.DisableApiStop)).DisableApiStop);
        Assert.Equal("OperationNotPermitted", await RefusedAsync(() => ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [launched] })));
        Assert.Equal(InstanceStateName.Running, await StateAsync(ec2, launched));

        // Unprotected, it stops; its user data changes while stopped (the CLI's --attribute/--value form for the flag).
        var unprotect = await signed.PostAsync("/", Form($"Action=ModifyInstanceAttribute&Version=2016-11-15&InstanceId={launched}&Attribute=disableApiStop&Value=false"));
        await OkAsync(unprotect);
        await ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [launched] });
        await Eventually.TrueAsync(async () => (await StateAsync(ec2, launched)) == InstanceStateName.Stopped, TimeSpan.FromSeconds(90), "the instance did not stop");
        var script = "#!/bin/sh\necho modified\n"u8.ToArray();
        await ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest
        {
            InstanceId = launched, UserData = new SecureBlobAttributeValue { Value = new MemoryStream(script) },
        });
        Assert.Equal(Convert.ToBase64String(script), (await AttributeAsync(InstanceAttributeName.UserData)).UserData);

        // Its type too, while stopped (the SDK's InstanceType.Value; the CLI's --attribute instanceType --value form), read back by
        // DescribeInstanceAttribute and DescribeInstances.
        await ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest { InstanceId = launched, InstanceType = InstanceType.T3Small });
        Assert.Equal(InstanceType.T3Small, (await AttributeAsync(InstanceAttributeName.InstanceType)).InstanceType);
        await OkAsync(await signed.PostAsync("/", Form($"Action=ModifyInstanceAttribute&Version=2016-11-15&InstanceId={launched}&Attribute=instanceType&Value=t2.small")));
        Assert.Equal(InstanceType.T2Small,
            (await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [launched] })).Reservations[0].Instances[0].InstanceType);

        // Shutdown behaviour terminate: the guest powering itself off terminates the instance, protected from termination as it
        // still is (EC2's protection holds against the API only).
        await ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest { InstanceId = launched, InstanceInitiatedShutdownBehavior = "terminate" });
        await ec2.StartInstancesAsync(new StartInstancesRequest { InstanceIds = [launched] });
        await Eventually.TrueAsync(async () => (await StateAsync(ec2, launched)) == InstanceStateName.Running, TimeSpan.FromSeconds(90), "the instance did not start");
        _cloud.PowerOffGuest(launched);
        await Eventually.TrueAsync(async () => (await StateAsync(ec2, launched)) == InstanceStateName.Terminated, TimeSpan.FromSeconds(90),
            "the guest's own shutdown did not terminate the instance");
        var reason = (await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [launched] })).Reservations[0].Instances[0].StateReason;
        Assert.Equal("Client.InstanceInitiatedShutdown", reason.Code);
        Assert.Equal("IncorrectInstanceState", await RefusedAsync(() => ec2.ModifyInstanceAttributeAsync(new ModifyInstanceAttributeRequest
        {
            InstanceId = launched, DisableApiStop = true,
        })));
    }

    private static async Task<InstanceStateName> StateAsync(AmazonEC2Client ec2, string instanceId) =>
        (await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] })).Reservations[0].Instances[0].State.Name;

    private AmazonEC2Client Sdk(TestCredentials credentials) => new(new BasicAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey), new AmazonEC2Config
    {
        ServiceURL = _cloud.Api.BaseAddress.ToString(),
        AuthenticationRegion = "us-east-1",
        HttpClientFactory = new TrustingFactory(_cloud.Api),
        MaxErrorRetry = 0,
    });

    private HttpClient Client(TestCredentials credentials) =>
        new(new SdkSigningHandler(credentials, "ec2") { InnerHandler = _cloud.Api.CreateHandler() }) { BaseAddress = _cloud.Api.BaseAddress };

    private static StringContent Form(string body) => new(body, Encoding.UTF8, "application/x-www-form-urlencoded");

    private static async Task<int> CountAsync(HttpClient client, string action, string set) =>
        (await OkAsync(await client.PostAsync("/", Form($"Action={action}&Version=2016-11-15")))).Element(Ec2 + set)!.Elements(Ec2 + "item").Count();

    private static async Task<XElement> OkAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {text}");
        Assert.StartsWith("text/xml", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        return XDocument.Parse(text).Root!;
    }

    /// <summary>EC2's error document: <c>&lt;Response&gt;&lt;Errors&gt;&lt;Error&gt;</c>, no namespace, <c>RequestID</c> as the header's.</summary>
    private static async Task<(string Code, string Message)> ErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{response.StatusCode}: {text}");
        var root = XDocument.Parse(text).Root!;
        Assert.Equal("Response", root.Name.LocalName);
        Assert.Equal(XNamespace.None, root.Name.Namespace);
        var error = root.Element("Errors")!.Element("Error")!;
        Assert.Equal(response.Headers.GetValues("x-amz-request-id").Single(), root.Element("RequestID")!.Value);
        return (error.Element("Code")!.Value, error.Element("Message")!.Value);
    }

    private sealed class TrustingFactory(ApiProcess api) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(api.CreateHandler());
    }
}
