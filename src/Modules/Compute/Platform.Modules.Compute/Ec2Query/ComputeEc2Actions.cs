using System.Text;
using System.Xml.Linq;
using Mediator;
using Platform.Modules.Compute.Images;
using Platform.Modules.Compute.Instances;
using Platform.Modules.Compute.Instances.Profiles;
using Platform.Modules.Compute.InstanceTypes;
using Platform.Modules.Compute.KeyPairs;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Compute.Regions;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Ec2Query;
using Platform.Modules.Shared.Errors;
using static Platform.Modules.Shared.Ec2Query.Ec2QueryXml;

namespace Platform.Modules.Compute.Ec2Query;

/// <summary>
/// Compute's part of EC2's query protocol (botocore's ec2 2016-11-15 names and shapes): instances, images, key pairs,
/// instance tags, instance types, regions and zones, each bound to the request the native API sends, so both answer
/// with the same rules and errors. Filters and pages are applied to what the native request returned.
/// CreateKeyPair answers the private key the platform made once and keeps only the public one. DescribeInstanceAttribute and
/// ModifyInstanceAttribute read and change the native attributes (termination and stop protection, shutdown behaviour,
/// user data, a stopped instance's type). Tags of every module's resources are in <see cref="TagEc2Actions"/>. Not here,
/// because the native API has no such rules: several instances per RunInstances.
/// </summary>
internal static class ComputeEc2Actions
{
    public static AwsQueryService Table() => new AwsQueryService("ec2", "2016-11-15", Namespace, AwsQueryDialect.Ec2)
        .Action("RunInstances", BindRunInstances, (c, launched) => new object?[]
        {
            Value("reservationId", ReservationId(launched.Instance.InstanceId)),
            Value("ownerId", c.Caller.AccountId),
            Items("groupSet", Array.Empty<string>(), _ => null),
            Items("instancesSet", [launched.Instance], Instance),
        })
        .Action("DescribeInstances", c =>
        {
            var ids = c.Ids("InstanceId");
            c.ReadFilters(InstanceFilterNames);
            c.ReadPaging(5, 1000, ids.Count);
            return new DescribeInstances(ids, [], []);
        }, (c, found) =>
        {
            var filtered = c.Filters().Apply(found.Instances, InstanceField, i => i.Tags.Select(t => KeyValuePair.Create(t.Key, t.Value)));
            var (page, next) = c.Paging().Apply(filtered, i => i.InstanceId);
            return new object?[]
            {
                Items("reservationSet", page, i => new object?[]
                {
                    Value("reservationId", ReservationId(i.InstanceId)),
                    Value("ownerId", c.Caller.AccountId),
                    Items("groupSet", Array.Empty<string>(), _ => null),
                    Items("instancesSet", [i], Instance),
                }),
                Value("nextToken", next),
            };
        })
        .Action("DescribeInstanceStatus", c =>
        {
            var ids = c.Ids("InstanceId");
            c.Items["all"] = c.Parameters.OptionalBool("IncludeAllInstances") ?? false;
            c.ReadFilters("instance-state-name", "availability-zone", "instance-status.status", "system-status.status");
            c.ReadPaging(5, 1000, ids.Count);
            return new DescribeInstances(ids, [], []);
        }, (c, found) =>
        {
            // EC2 reports running instances only, unless asked for all.
            var shown = found.Instances.Where(i => (bool)c.Items["all"] || i.State == InstanceStates.Running);
            var filtered = c.Filters().Apply(shown, (i, name) => name switch
            {
                "instance-state-name" => [i.State],
                "availability-zone" => [i.AvailabilityZone],
                "instance-status.status" => [i.InstanceStatus],
                "system-status.status" => [i.SystemStatus],
                _ => null,
            });
            var (page, next) = c.Paging().Apply(filtered, i => i.InstanceId);
            return new object?[]
            {
                Items("instanceStatusSet", page, i => new object?[]
                {
                    Value("instanceId", i.InstanceId),
                    Value("availabilityZone", i.AvailabilityZone),
                    State("instanceState", i.State),
                    Status("systemStatus", i.SystemStatus),
                    Status("instanceStatus", i.InstanceStatus),
                }),
                Value("nextToken", next),
            };
        })
        .Each("StartInstances", c => Instances(c, id => new StartInstance(id)), (_, changes) => StateChanges(changes), CheckInstances)
        .Each("StopInstances", c => Instances(c, id => new StopInstance(id)), (_, changes) => StateChanges(changes), CheckInstances)
        .Each("TerminateInstances", c => Instances(c, id => new TerminateInstance(id)), (_, changes) => StateChanges(changes), CheckInstances)
        .Each("RebootInstances", c => Instances(c, id => new RebootInstance(id)), (_, _) => Value("return", true), CheckInstances)
        .Action("ModifyInstanceMetadataOptions", c => new ModifyInstanceMetadataOptions(c.Parameters.Required("InstanceId"), MetadataOptions(c.Parameters)),
            modified => new object?[]
            {
                Value("instanceId", modified.InstanceId),
                Element("instanceMetadataOptions", MetadataOptionsXml(modified.InstanceMetadataOptions)),
            })
        .Action("AssociateIamInstanceProfile", c => new AssociateIamInstanceProfile(c.Parameters.Required("InstanceId"), ProfileSpecification(c.Parameters)),
            association => Element("iamInstanceProfileAssociation", Association(association)))
        .Action("ReplaceIamInstanceProfileAssociation", c =>
                new ReplaceIamInstanceProfileAssociation(c.Parameters.Required("AssociationId"), ProfileSpecification(c.Parameters)),
            association => Element("iamInstanceProfileAssociation", Association(association)))
        .Action("DisassociateIamInstanceProfile", c => new DisassociateIamInstanceProfile(c.Parameters.Required("AssociationId")),
            association => Element("iamInstanceProfileAssociation", Association(association)))
        .Action("DescribeIamInstanceProfileAssociations", c =>
        {
            var ids = c.Ids("AssociationId");
            c.ReadFilters("instance-id", "state");
            c.ReadPaging(5, 1000, ids.Count);
            return new DescribeIamInstanceProfileAssociations(ids);
        }, (c, found) =>
        {
            var filtered = c.Filters().Apply(found.Associations, (a, name) => name switch
            {
                "instance-id" => [a.InstanceId],
                "state" => [a.State],
                _ => null,
            });
            var (page, next) = c.Paging().Apply(filtered, a => a.AssociationId);
            return new object?[] { Items("iamInstanceProfileAssociationSet", page, Association), Value("nextToken", next) };
        })
        .Action("GetConsoleOutput", c =>
        {
            // The console's tail as the server last reported it is the latest there is: both values of Latest answer it.
            _ = c.Parameters.OptionalBool("Latest");
            return new GetConsoleOutput(c.Parameters.Required("InstanceId"));
        }, console => new object?[]
        {
            Value("instanceId", console.InstanceId),
            Value("timestamp", console.Timestamp),
            Value("output", console.Output),
        })
        .Action("DescribeInstanceAttribute", c =>
        {
            var attribute = c.Parameters.Required("Attribute");
            if (!DescribedAttributes.Contains(attribute))
            {
                throw ApiErrors.InvalidParameterValue(
                    $"Value ({attribute}) for parameter attribute is invalid. Supported here: {string.Join(", ", DescribedAttributes)}.");
            }

            c.Items["attribute"] = attribute;
            return new DescribeInstanceAttributes(c.Parameters.Required("InstanceId"));
        }, (c, found) => InstanceAttribute(found, (string)c.Items["attribute"]))
        .Action("ModifyInstanceAttribute", c => new ModifyInstanceAttribute(c.Parameters.Required("InstanceId"), AttributeChange(c.Parameters)),
            _ => Value("return", true))
        .Action("DescribeInstanceCreditSpecifications", c =>
        {
            var ids = c.Ids("InstanceId");
            c.ReadFilters("instance-id");
            c.ReadPaging(5, 1000, ids.Count);
            return new DescribeInstances(ids, [], []);
        }, (c, found) =>
        {
            // Only burstable (T) types have a credit specification. The platform never holds a guest to a baseline and
            // charges no surplus credits: a T instance may use its vCPUs fully for as long as it likes, which is EC2's unlimited.
            var burstable = found.Instances.Where(i => i.InstanceType.StartsWith('t') && i.State != InstanceStates.Terminated);
            var (page, next) = c.Paging().Apply(c.Filters().Apply(burstable, (i, name) => name == "instance-id" ? [i.InstanceId] : null), i => i.InstanceId);
            return new object?[]
            {
                Items("instanceCreditSpecificationSet", page, i => new object?[] { Value("instanceId", i.InstanceId), Value("cpuCredits", "unlimited") }),
                Value("nextToken", next),
            };
        })
        .Action("DescribeImages", c =>
        {
            var ids = c.Ids("ImageId");
            c.Items["owners"] = c.Ids("Owner");
            c.ReadFilters("image-id", "name", "state", "owner-id", "is-public", "image-type", "architecture");
            c.ReadPaging(5, 1000, ids.Count);
            return new DescribeImages(ids);
        }, (c, found) =>
        {
            var owners = ((IReadOnlyList<string>)c.Items["owners"]).Select(o => o == "self" ? c.Caller.AccountId : o).ToList();
            var owned = owners.Count == 0 ? found.Images : found.Images.Where(i => owners.Contains(i.OwnerId));
            var filtered = c.Filters().Apply(owned, (i, name) => name switch
            {
                "image-id" => [i.ImageId],
                "name" => [i.Name],
                "state" => [i.State],
                "owner-id" => [i.OwnerId],
                "is-public" => [i.Public ? "true" : "false"],
                "image-type" => ["machine"],
                "architecture" => ["x86_64"],
                _ => null,
            });
            var (page, next) = c.Paging().Apply(filtered, i => i.ImageId);
            return new object?[] { Items("imagesSet", page, Image), Value("nextToken", next) };
        })
        .Command("DeregisterImage", c => new DeregisterImage(c.Parameters.Required("ImageId")))
        .Action("ImportKeyPair", c => new ImportKeyPair(c.Parameters.Required("KeyName"), PublicKeyMaterial(c.Parameters.Required("PublicKeyMaterial"))),
            key => new object?[]
            {
                Value("keyFingerprint", key.KeyFingerprint),
                Value("keyName", key.KeyName),
                Value("keyPairId", key.KeyPairId),
            })
        .Action("CreateKeyPair", c => new CreateKeyPair(c.Parameters.Required("KeyName"), c.Parameters.Optional("KeyType"), c.Parameters.Optional("KeyFormat")),
            key => new object?[]
            {
                Value("keyFingerprint", key.KeyFingerprint),
                Value("keyMaterial", key.KeyMaterial),
                Value("keyName", key.KeyName),
                Value("keyPairId", key.KeyPairId),
            })
        .Action("DescribeKeyPairs", c =>
        {
            var names = c.Ids("KeyName");
            c.Items["keyPairIds"] = c.Ids("KeyPairId");
            c.Items["publicKey"] = c.Parameters.OptionalBool("IncludePublicKey") ?? false;
            c.ReadFilters("key-name", "key-pair-id", "fingerprint", "key-type");
            return new DescribeKeyPairs(names);
        }, (c, found) =>
        {
            var ids = (IReadOnlyList<string>)c.Items["keyPairIds"];
            if (ids.FirstOrDefault(id => found.KeyPairs.All(k => k.KeyPairId != id)) is { } missing)
            {
                throw new ApiException(400, "InvalidKeyPair.NotFound", $"The key pair '{missing}' does not exist");
            }

            var keys = ids.Count == 0 ? found.KeyPairs : found.KeyPairs.Where(k => ids.Contains(k.KeyPairId));
            var filtered = c.Filters().Apply(keys, (k, name) => name switch
            {
                "key-name" => [k.KeyName],
                "key-pair-id" => [k.KeyPairId],
                "fingerprint" => [k.KeyFingerprint],
                "key-type" => [k.KeyType],
                _ => null,
            });
            var withPublicKey = (bool)c.Items["publicKey"];
            return Items("keySet", filtered, k => new object?[]
            {
                Value("keyPairId", k.KeyPairId),
                Value("keyFingerprint", k.KeyFingerprint),
                Value("keyName", k.KeyName),
                Value("keyType", k.KeyType),
                Value("publicKey", withPublicKey ? k.PublicKey : null),
                Value("createTime", k.CreateTime),
            });
        })
        .Command("DeleteKeyPair", c => new DeleteKeyPair(c.Parameters.Required("KeyName")))
        .Action("DescribeInstanceTypes", c =>
        {
            var names = c.Ids("InstanceType");
            c.ReadFilters("instance-type", "vcpu-info.default-vcpus", "memory-info.size-in-mib");
            c.ReadPaging(5, 100);
            return new DescribeInstanceTypes(names);
        }, (c, found) =>
        {
            var filtered = c.Filters().Apply(found.InstanceTypes, (t, name) => name switch
            {
                "instance-type" => [t.InstanceType],
                "vcpu-info.default-vcpus" => [t.Vcpus.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                "memory-info.size-in-mib" => [t.MemoryMib.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                _ => null,
            });
            var (page, next) = c.Paging().Apply(filtered, t => t.InstanceType);
            return new object?[]
            {
                Items("instanceTypeSet", page, t => new object?[]
                {
                    Value("instanceType", t.InstanceType),
                    Items("supportedUsageClasses", ["on-demand"], u => u),
                    Items("supportedVirtualizationTypes", ["hvm"], v => v),
                    Element("processorInfo", Items("supportedArchitectures", ["x86_64"], a => a)),
                    Element("vCpuInfo", Value("defaultVCpus", t.Vcpus)),
                    Element("memoryInfo", Value("sizeInMiB", t.MemoryMib)),
                    Value("burstablePerformanceSupported", t.InstanceType.StartsWith('t')),
                }),
                Value("nextToken", next),
            };
        })
        .Action("DescribeRegions", c =>
        {
            c.Items["names"] = c.Ids("RegionName");
            _ = c.Parameters.OptionalBool("AllRegions");
            c.ReadFilters("region-name", "endpoint", "opt-in-status");
            return new DescribeRegions();
        }, (c, found) =>
        {
            var names = (IReadOnlyList<string>)c.Items["names"];
            if (names.FirstOrDefault(n => !found.Regions.Contains(n)) is { } unknown)
            {
                throw new ApiException(400, "InvalidParameterValue", $"Invalid region: {unknown}");
            }

            var filtered = c.Filters().Apply(found.Regions, (r, name) => name switch
            {
                "region-name" => [r],
                "opt-in-status" => ["opt-in-not-required"],
                _ => null,
            });
            return Items("regionInfo", filtered, r => new object?[] { Value("regionName", r), Value("optInStatus", "opt-in-not-required") });
        })
        .Action("DescribeAvailabilityZones", c =>
        {
            c.Items["names"] = c.Ids("ZoneName");
            c.Items["ids"] = c.Ids("ZoneId");
            _ = c.Parameters.OptionalBool("AllAvailabilityZones");
            c.ReadFilters("zone-name", "zone-id", "region-name", "state", "zone-type", "opt-in-status");
            return new DescribeAvailabilityZones();
        }, (c, found) =>
        {
            var names = (IReadOnlyList<string>)c.Items["names"];
            var ids = (IReadOnlyList<string>)c.Items["ids"];
            if (names.Concat(ids).FirstOrDefault(n => found.AvailabilityZones.All(z => z.ZoneName != n && z.ZoneId != n)) is { } unknown)
            {
                throw new ApiException(400, "InvalidParameterValue", $"The zone '{unknown}' does not exist.");
            }

            var named = found.AvailabilityZones.Where(z => (names.Count == 0 && ids.Count == 0) || names.Contains(z.ZoneName) || ids.Contains(z.ZoneId));
            var filtered = c.Filters().Apply(named, (z, name) => name switch
            {
                "zone-name" => [z.ZoneName],
                "zone-id" => [z.ZoneId],
                "region-name" => [z.RegionName],
                "state" => [z.State],
                "zone-type" => ["availability-zone"],
                "opt-in-status" => ["opt-in-not-required"],
                _ => null,
            });
            return Items("availabilityZoneInfo", filtered, z => new object?[]
            {
                Value("zoneName", z.ZoneName),
                Value("zoneState", z.State),
                Value("regionName", z.RegionName),
                Value("zoneId", z.ZoneId),
                Value("zoneType", "availability-zone"),
                Value("optInStatus", "opt-in-not-required"),
                Value("groupName", z.RegionName),
                Value("networkBorderGroup", z.RegionName),
                Items("messageSet", Array.Empty<string>(), _ => null),
            });
        });

    /// <summary>The filters DescribeInstances answers (the ones the CLI and Terraform use), each read from the native answer.</summary>
    private static readonly string[] InstanceFilterNames =
    [
        "instance-id", "instance-state-name", "instance-state-code", "instance-type", "image-id", "vpc-id", "subnet-id", "availability-zone",
        "key-name", "private-ip-address", "network-interface.network-interface-id", "instance.group-id", "client-token", "iam-instance-profile.arn",
        "iam-instance-profile.id", "tag:", "instance-lifecycle", "spot-instance-request-id",
    ];

    private static IEnumerable<string?>? InstanceField(InstanceResponse i, string name)
    {
        string?[]? values = name switch
        {
        "instance-id" => [i.InstanceId],
        "instance-state-name" => [i.State],
        "instance-state-code" => [i.StateCode.ToString(System.Globalization.CultureInfo.InvariantCulture)],
        "instance-type" => [i.InstanceType],
        "image-id" => [i.ImageId],
        "vpc-id" => [i.VpcId],
        "subnet-id" => [i.SubnetId],
        "availability-zone" => [i.AvailabilityZone],
        "key-name" => [i.KeyName],
        "private-ip-address" => [i.PrivateIpAddress],
        "network-interface.network-interface-id" => [i.NetworkInterfaceId],
        "instance.group-id" => [.. i.SecurityGroups],
        "client-token" => [i.ClientToken],
        "iam-instance-profile.arn" => [i.IamInstanceProfile?.Arn],
        "iam-instance-profile.id" => [i.IamInstanceProfile?.Id],
        "instance-lifecycle" => [i.InstanceLifecycle],
        "spot-instance-request-id" => [i.SpotInstanceRequestId],
        _ => null,
        };
        return values;
    }

    private static RunInstances BindRunInstances(AwsQueryCall c)
    {
        var p = c.Parameters;
        var min = p.OptionalInt("MinCount") ?? throw ApiErrors.MissingParameter("The request must contain the parameter MinCount.");
        var max = p.OptionalInt("MaxCount") ?? throw ApiErrors.MissingParameter("The request must contain the parameter MaxCount.");
        if (min < 1 || max < min)
        {
            throw ApiErrors.InvalidParameterValue($"Value ({min}) for parameter minCount is invalid. Expected a value between 1 and maxCount ({max}).");
        }

        if (max > 1)
        {
            // The native launch places one instance; launching fewer than asked without saying so would be a lie.
            throw new ApiException(400, "UnsupportedOperation", "This platform launches one instance per request: MinCount and MaxCount must be 1.");
        }

        var groups = c.Ids("SecurityGroupId").Concat(c.Ids("SecurityGroup")).ToList();
        var subnetId = p.Optional("SubnetId");
        if (PrimaryInterface(p) is { } primary)
        {
            // Terraform's aws_instance with a subnet_id sends its subnet and groups on NetworkInterface.1 (device 0), as EC2 takes them.
            if (subnetId is not null || groups.Count > 0)
            {
                throw new ApiException(400, "InvalidParameterCombination",
                    "Network interfaces and an instance-level subnet ID or security groups may not be specified on the same request.");
            }

            subnetId = primary.SubnetId;
            groups = [.. primary.Groups];
        }

        RefuseUnlessDefault(p.OptionalBool("EbsOptimized"), false, "EbsOptimized", "This platform has no EBS-optimized instances: EbsOptimized must be false.");
        RefuseUnlessDefault(p.Structure("Monitoring")?.OptionalBool("Enabled"), false, "Monitoring.Enabled",
            "This platform has no detailed monitoring: Monitoring.Enabled must be false.");
        RefuseUnlessDefault(p.Structure("HibernationOptions")?.OptionalBool("Configured"), false, "HibernationOptions.Configured",
            "This platform does not hibernate instances: HibernationOptions.Configured must be false.");
        if (p.Structure("CreditSpecification")?.Required("CpuCredits") is { } credits && credits != "unlimited")
        {
            // What DescribeInstanceCreditSpecifications answers for every burstable instance: no baseline is enforced.
            throw new ApiException(400, "UnsupportedOperation", $"This platform's burstable instances are unlimited: CpuCredits '{credits}' is not supported.");
        }
        var tags = new List<TagSpecification>();
        foreach (var specification in p.FlatList("TagSpecification"))
        {
            var type = specification.Required("ResourceType");
            if (type != "instance")
            {
                throw ApiErrors.InvalidParameterValue($"'{type}' is not a valid taggable resource type for this operation.");
            }

            tags.AddRange(specification.FlatList("Tag").Select(t => new TagSpecification(t.Optional("Key"), t.Optional("Value") ?? "")));
        }

        // Terraform sends Placement.AvailabilityZone empty when no zone is configured: no zone asked for.
        var zone = p.Structure("Placement")?.Optional("AvailabilityZone") is { Length: > 0 } asked ? asked : null;
        var attributes = new InstanceAttributeOptions(p.OptionalBool("DisableApiTermination"), p.OptionalBool("DisableApiStop"),
            p.Optional("InstanceInitiatedShutdownBehavior"));
        return new RunInstances(p.Optional("InstanceType"), p.Optional("ImageId"), p.Optional("KeyName"), groups.Count == 0 ? null : groups,
            p.Optional("ClientToken"), zone, tags.Count == 0 ? null : tags, subnetId,
            p.Optional("UserData"), p.Structure("MetadataOptions") is { } options ? MetadataOptions(options) : null,
            IamInstanceProfile: p.Structure("IamInstanceProfile") is null ? null : ProfileSpecification(p),
            InstanceMarketOptions: p.Structure("InstanceMarketOptions") is { } market ? MarketOptions(market) : null,
            Attributes: attributes == InstanceAttributeOptions.Defaults ? null : attributes,
            LaunchTemplate: p.Structure("LaunchTemplate") is { } template
                ? new LaunchTemplateSpecification(template.Optional("LaunchTemplateId"), template.Optional("LaunchTemplateName"), template.Optional("Version"))
                : null);
    }

    private static void RefuseUnlessDefault(bool? value, bool supported, string name, string message)
    {
        if (value is { } given && given != supported)
        {
            throw new ApiException(400, "UnsupportedOperation", $"{message} ({name}={(given ? "true" : "false")})");
        }
    }

    /// <summary>
    /// RunInstances' NetworkInterface.N as the platform can launch it: one interface, device 0, made in the given subnet with
    /// the given groups (what the launch's SubnetId and SecurityGroupId make). An existing interface, several, or addresses are refused.
    /// </summary>
    private static (string? SubnetId, IReadOnlyList<string> Groups)? PrimaryInterface(AwsQueryParameters p)
    {
        var interfaces = p.FlatList("NetworkInterface");
        if (interfaces.Count == 0)
        {
            return null;
        }

        if (interfaces.Count > 1)
        {
            throw new ApiException(400, "UnsupportedOperation", "This platform launches an instance with one network interface.");
        }

        var only = interfaces[0];
        if (only.OptionalInt("DeviceIndex") is not 0)
        {
            throw ApiErrors.InvalidParameterValue("The network interface of a launch must have DeviceIndex 0.");
        }

        if (only.Optional("NetworkInterfaceId") is not null)
        {
            throw new ApiException(400, "UnsupportedOperation", "This platform makes the instance's network interface at launch: NetworkInterfaceId is not supported.");
        }

        RefuseUnlessDefault(only.OptionalBool("AssociatePublicIpAddress"), false, "NetworkInterface.1.AssociatePublicIpAddress",
            "No address outside the VPC is given to an instance at launch (associate an elastic IP instead)");
        RefuseUnlessDefault(only.OptionalBool("DeleteOnTermination"), true, "NetworkInterface.1.DeleteOnTermination",
            "An instance's network interface is released when it terminates");
        return (only.Optional("SubnetId"), only.FlatStringList("SecurityGroupId"));
    }

    /// <summary>InstanceMarketOptions.MarketType and its SpotOptions (MaxPrice, SpotInstanceType, InstanceInterruptionBehavior).</summary>
    private static InstanceMarketOptions MarketOptions(AwsQueryParameters market)
    {
        var spot = market.Structure("SpotOptions");
        return new InstanceMarketOptions(market.Optional("MarketType"), spot is null ? null
            : new SpotMarketOptions(spot.Optional("MaxPrice"), spot.Optional("SpotInstanceType"), spot.Optional("InstanceInterruptionBehavior")));
    }

    /// <summary>EC2's IamInstanceProfile.Arn / IamInstanceProfile.Name; null when neither is given (the request refuses it).</summary>
    private static IamInstanceProfileSpecification? ProfileSpecification(AwsQueryParameters p) =>
        p.Structure("IamInstanceProfile") is { } profile ? new IamInstanceProfileSpecification(profile.Optional("Arn"), profile.Optional("Name")) : null;

    private static object?[] Association(IamInstanceProfileAssociationResponse a) =>
    [
        Value("associationId", a.AssociationId),
        Value("instanceId", a.InstanceId),
        Element("iamInstanceProfile", Value("arn", a.IamInstanceProfile.Arn), Value("id", a.IamInstanceProfile.Id)),
        Value("state", a.State),
        Value("timestamp", a.Timestamp),
    ];

    private static MetadataOptionsBody MetadataOptions(AwsQueryParameters options) =>
        new(options.Optional("HttpTokens"), options.OptionalInt("HttpPutResponseHopLimit"), options.Optional("HttpEndpoint"));

    private static object?[] MetadataOptionsXml(InstanceMetadataOptionsResponse options) =>
    [
        Value("state", options.State),
        Value("httpTokens", options.HttpTokens),
        Value("httpPutResponseHopLimit", options.HttpPutResponseHopLimit),
        Value("httpEndpoint", options.HttpEndpoint),
    ];

    private static List<IRequest<InstanceStateChange>> Instances(AwsQueryCall c, Func<string, IRequest<InstanceStateChange>> request)
    {
        var ids = c.Ids("InstanceId");
        if (ids.Count == 0)
        {
            throw ApiErrors.MissingParameter("The request must contain the parameter InstanceId.");
        }

        return [.. ids.Distinct(StringComparer.Ordinal).Select(request)];
    }

    /// <summary>Every id of the call, looked up first: an unknown, malformed or other account's id refuses the whole call.</summary>
    private static DescribeInstances CheckInstances(AwsQueryCall c) => new DescribeInstances([.. c.Parameters.FlatStringList("InstanceId")], [], []);

    private static XElement StateChanges(IReadOnlyList<InstanceStateChange> changes) => Items("instancesSet", changes, change => new object?[]
    {
        Value("instanceId", change.InstanceId),
        State("currentState", change.CurrentState),
        State("previousState", change.PreviousState),
    });

    private static XElement State(string name, string state) => Element(name, Value("code", InstanceStates.Code(state)), Value("name", state));

    /// <summary>EC2's status summary: ok, impaired, initializing or not-applicable, with its reachability check.</summary>
    private static XElement Status(string name, string status) => Element(name,
        Value("status", status),
        Items("details", status == "not-applicable" ? [] : new[] { status }, s => new object?[]
        {
            Value("name", "reachability"),
            Value("status", s switch { "ok" => "passed", "impaired" => "failed", _ => "initializing" }),
        }));

    /// <summary>One reservation per launch (a launch makes one instance), named after it.</summary>
    private static string ReservationId(string instanceId) => "r-" + instanceId[2..];

    private static object?[] Instance(InstanceResponse i) =>
    [
        Value("instanceId", i.InstanceId),
        Value("imageId", i.ImageId),
        State("instanceState", i.State),
        Value("reason", i.StateReason ?? ""),
        Value("keyName", i.KeyName),
        Value("amiLaunchIndex", 0),
        Value("instanceType", i.InstanceType),
        Value("launchTime", i.LaunchTime ?? i.CreatedAt),
        Element("placement", Value("availabilityZone", i.AvailabilityZone), Value("tenancy", "default")),
        Value("subnetId", i.SubnetId),
        Value("vpcId", i.VpcId),
        Value("privateIpAddress", i.PrivateIpAddress),
        Items("groupSet", i.SecurityGroups, g => Value("groupId", g)),
        i.StateReason is { } reason ? Element("stateReason", Value("code", reason.Split(':')[0]), Value("message", reason)) : null,
        Value("architecture", "x86_64"),
        Value("virtualizationType", "hvm"),
        Value("clientToken", i.ClientToken ?? ""),
        Value("instanceLifecycle", i.InstanceLifecycle),
        Value("spotInstanceRequestId", i.SpotInstanceRequestId),
        i.MetadataOptions is { } metadataOptions ? Element("metadataOptions", MetadataOptionsXml(metadataOptions)) : null,
        i.IamInstanceProfile is { } profile ? Element("iamInstanceProfile", Value("arn", profile.Arn), Value("id", profile.Id)) : null,
        i.Tags.Count == 0 ? null : TagSet(i.Tags.Select(t => KeyValuePair.Create(t.Key, t.Value))),
        Items("networkInterfaceSet", i.NetworkInterfaceId is null ? [] : new[] { i }, n => new object?[]
        {
            Value("networkInterfaceId", n.NetworkInterfaceId),
            Value("subnetId", n.SubnetId),
            Value("vpcId", n.VpcId),
            Value("ownerId", null),
            Value("status", n.State == InstanceStates.Terminated ? "available" : "in-use"),
            Value("macAddress", n.MacAddress),
            Value("privateIpAddress", n.PrivateIpAddress),
            Items("groupSet", n.SecurityGroups, g => Value("groupId", g)),
            Element("attachment", Value("deviceIndex", 0), Value("status", n.State == InstanceStates.Terminated ? "detached" : "attached")),
        }),
    ];

    private static object?[] Image(ImageResponse i) =>
    [
        Value("imageId", i.ImageId),
        Value("imageState", i.State),
        Value("imageOwnerId", i.OwnerId),
        Value("creationDate", i.CreationDate),
        Value("isPublic", i.Public),
        Value("architecture", "x86_64"),
        Value("imageType", "machine"),
        Value("name", i.Name),
        Value("description", i.Description),
        Value("virtualizationType", "hvm"),
    ];

    /// <summary>The attributes whose value the platform really has; the others are refused rather than guessed.</summary>
    private static readonly string[] DescribedAttributes =
        ["instanceType", "groupSet", "disableApiTermination", "disableApiStop", "instanceInitiatedShutdownBehavior", "userData"];

    private static object?[] InstanceAttribute(InstanceAttributesResponse i, string attribute) =>
    [
        Value("instanceId", i.InstanceId),
        attribute switch
        {
            "instanceType" => Element("instanceType", Value("value", i.InstanceType)),
            "groupSet" => Items("groupSet", i.SecurityGroups, g => Value("groupId", g)),
            "disableApiTermination" => Element("disableApiTermination", Value("value", i.DisableApiTermination)),
            "disableApiStop" => Element("disableApiStop", Value("value", i.DisableApiStop)),
            "instanceInitiatedShutdownBehavior" => Element("instanceInitiatedShutdownBehavior", Value("value", i.InstanceInitiatedShutdownBehavior)),
            // EC2 answers an empty userData for an instance without any.
            _ => Element("userData", Value("value", i.UserData)),
        },
    ];

    /// <summary>
    /// ModifyInstanceAttribute's one attribute, as the SDKs send it (<c>DisableApiTermination.Value</c>, <c>DisableApiStop.Value</c>,
    /// <c>InstanceInitiatedShutdownBehavior.Value</c>, <c>UserData.Value</c>) or as the CLI's <c>--attribute … --value …</c>
    /// (<c>Attribute</c>, <c>Value</c>), and <c>InstanceType.Value</c> (a stopped instance's new type); the other attributes
    /// EC2 has are not recognized.
    /// </summary>
    private static ModifyInstanceAttributeBody AttributeChange(AwsQueryParameters p)
    {
        var given = new List<(string Name, string Value)>();
        foreach (var name in (string[])["DisableApiTermination", "DisableApiStop", "InstanceInitiatedShutdownBehavior", "UserData", "InstanceType"])
        {
            if (p.Structure(name) is { } structure)
            {
                given.Add((char.ToLowerInvariant(name[0]) + name[1..], structure.Required("Value")));
            }
        }

        if (p.Optional("Attribute") is { } attribute)
        {
            given.Add((attribute, p.Required("Value")));
        }
        else if (p.Optional("Value") is not null)
        {
            throw ApiErrors.MissingParameter("The request must contain the parameter Attribute.");
        }

        if (given.Count == 0)
        {
            // An attribute the platform does not have is then refused as an unknown parameter, and none at all by the request's check.
            return new ModifyInstanceAttributeBody(null, null, null, null);
        }

        if (given.Count > 1)
        {
            throw new ApiException(400, "InvalidParameterCombination",
                $"Fields for multiple attribute types specified: {string.Join(", ", given.Select(g => g.Name))}");
        }

        var (which, value) = given[0];
        return which switch
        {
            "disableApiTermination" => new ModifyInstanceAttributeBody(AttributeBool(which, value), null, null, null),
            "disableApiStop" => new ModifyInstanceAttributeBody(null, AttributeBool(which, value), null, null),
            "instanceInitiatedShutdownBehavior" => new ModifyInstanceAttributeBody(null, null, value, null),
            "userData" when p.Optional("Attribute") is null => new ModifyInstanceAttributeBody(null, null, null, value),
            "instanceType" => new ModifyInstanceAttributeBody(null, null, null, null, value),
            _ => throw ApiErrors.InvalidParameterValue(
                $"Value ({which}) for parameter attribute is invalid. Supported here: instanceType, disableApiTermination, disableApiStop, instanceInitiatedShutdownBehavior, userData (as UserData.Value)."),
        };
    }

    private static bool AttributeBool(string attribute, string value) => value switch
    {
        "true" => true,
        "false" => false,
        _ => throw ApiErrors.InvalidParameterValue($"Value ({value}) for parameter {attribute} is invalid. Expected: true or false."),
    };

    /// <summary>The query protocol carries the key as a blob (base64 of the OpenSSH line), which the native request takes as text.</summary>
    private static string PublicKeyMaterial(string blob)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(blob));
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            throw ApiErrors.InvalidParameterValue("Value for parameter PublicKeyMaterial is invalid: it must be the base64 of an OpenSSH public key.");
        }
    }
}
