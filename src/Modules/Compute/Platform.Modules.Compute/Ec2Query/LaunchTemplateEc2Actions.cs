using Platform.Modules.Compute.AutoScaling.LaunchTemplates;
using Platform.Modules.Compute.Instances;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Ec2Query;
using Platform.Modules.Shared.Errors;
using static Platform.Modules.Shared.Ec2Query.Ec2QueryXml;

namespace Platform.Modules.Compute.Ec2Query;

/// <summary>
/// EC2's launch template actions (botocore's ec2 2016-11-15 shapes), bound to the requests the native Auto Scaling API sends
/// (<c>/api/v1/autoscaling/launch-templates</c>). Templates are named by <c>LaunchTemplateName</c>: the native requests take
/// a name, so <c>LaunchTemplateId</c> is refused as an unknown parameter rather than looked up twice.
/// </summary>
internal static class LaunchTemplateEc2Actions
{
    public static AwsQueryService Table() => new AwsQueryService("ec2", "2016-11-15", Namespace, AwsQueryDialect.Ec2)
        .Action("CreateLaunchTemplate", c =>
        {
            // The CLI always sends an idempotency token; the template's name is unique per account, so a retry is refused
            // as AlreadyExists instead of creating a second one.
            c.Parameters.Optional("ClientToken");
            return new CreateLaunchTemplate(c.Parameters.Optional("LaunchTemplateName"), c.Parameters.Optional("VersionDescription"), Data(c.Parameters));
        }, t => Element("launchTemplate", Template(t)))
        .Action("DescribeLaunchTemplates", c =>
        {
            c.Items["paging"] = AwsQueryPaging.Read(c.Parameters, "MaxResults", "NextToken", 200, invalidTokenCode: "InvalidPaginationToken");
            return new DescribeLaunchTemplates(c.Ids("LaunchTemplateName", 200));
        }, (c, found) =>
        {
            var (page, next) = ((AwsQueryPaging)c.Items["paging"]).Apply(found.LaunchTemplates, t => t.LaunchTemplateName);
            return new object?[] { Items("launchTemplates", page, Template), Value("nextToken", next) };
        })
        .Action("DeleteLaunchTemplate", c => new DeleteLaunchTemplate(c.Parameters.Required("LaunchTemplateName")), t => Element("launchTemplate", Template(t)))
        .Action("CreateLaunchTemplateVersion", c =>
        {
            c.Parameters.Optional("ClientToken");
            return new CreateLaunchTemplateVersion(c.Parameters.Required("LaunchTemplateName"), c.Parameters.Optional("SourceVersion"),
                c.Parameters.Optional("VersionDescription"), Data(c.Parameters));
        }, v => Element("launchTemplateVersion", Version(v)))
        .Action("DescribeLaunchTemplateVersions", c =>
        {
            c.Items["paging"] = AwsQueryPaging.Read(c.Parameters, "MaxResults", "NextToken", 200, invalidTokenCode: "InvalidPaginationToken");
            return new DescribeLaunchTemplateVersions(c.Parameters.Required("LaunchTemplateName"), c.Ids("LaunchTemplateVersion", 200));
        }, (c, found) =>
        {
            // Newest first, as EC2 lists them: the key orders by descending version number.
            var (page, next) = ((AwsQueryPaging)c.Items["paging"]).Apply(found.LaunchTemplateVersions,
                v => (long.MaxValue - v.VersionNumber).ToString("D19", System.Globalization.CultureInfo.InvariantCulture));
            return new object?[] { Items("launchTemplateVersionSet", page, Version), Value("nextToken", next) };
        })
        .Action("ModifyLaunchTemplate", c =>
        {
            c.Parameters.Optional("ClientToken");
            return new ModifyLaunchTemplate(c.Parameters.Required("LaunchTemplateName"), c.Parameters.Optional("SetDefaultVersion"));
        }, t => Element("launchTemplate", Template(t)));

    /// <summary>RequestLaunchTemplateData as the query protocol flattens it (<c>LaunchTemplateData.SecurityGroupId.1</c>, …).</summary>
    private static LaunchTemplateData? Data(AwsQueryParameters parameters)
    {
        if (parameters.Structure("LaunchTemplateData") is not { } data)
        {
            return null;
        }

        var groups = data.FlatStringList("SecurityGroupId").Concat(data.FlatStringList("SecurityGroup")).ToList();
        var tags = new List<TagSpecification>();
        foreach (var specification in data.FlatList("TagSpecification"))
        {
            var type = specification.Required("ResourceType");
            if (type != "instance")
            {
                throw ApiErrors.InvalidParameterValue($"'{type}' is not a valid taggable resource type for a launch template here: only instance.");
            }

            tags.AddRange(specification.FlatList("Tag").Select(t => new TagSpecification(t.Optional("Key"), t.Optional("Value") ?? "")));
        }

        return new LaunchTemplateData(data.Optional("ImageId"), data.Optional("InstanceType"), data.Optional("KeyName"), groups.Count == 0 ? null : groups,
            data.Optional("UserData"), tags.Count == 0 ? null : tags);
    }

    private static object?[] Template(LaunchTemplateResponse t) =>
    [
        Value("launchTemplateId", t.LaunchTemplateId),
        Value("launchTemplateName", t.LaunchTemplateName),
        Value("createTime", t.CreateTime),
        Value("defaultVersionNumber", t.DefaultVersionNumber),
        Value("latestVersionNumber", t.LatestVersionNumber),
    ];

    private static object?[] Version(LaunchTemplateVersionResponse v) =>
    [
        Value("launchTemplateId", v.LaunchTemplateId),
        Value("launchTemplateName", v.LaunchTemplateName),
        Value("versionNumber", v.VersionNumber),
        Value("versionDescription", v.VersionDescription),
        Value("createTime", v.CreateTime),
        Value("defaultVersion", v.DefaultVersion),
        Element("launchTemplateData",
            Value("imageId", v.LaunchTemplateData.ImageId),
            Value("instanceType", v.LaunchTemplateData.InstanceType),
            Value("keyName", v.LaunchTemplateData.KeyName),
            v.LaunchTemplateData.SecurityGroups is { Count: > 0 } groups ? Items("securityGroupIdSet", groups, g => g) : null,
            Value("userData", v.LaunchTemplateData.UserData),
            v.LaunchTemplateData.Tags is { Count: > 0 } tags
                ? Items("tagSpecificationSet", [tags], t => new object?[]
                {
                    Value("resourceType", "instance"),
                    TagSet(t.Select(tag => KeyValuePair.Create(tag.Key ?? "", tag.Value ?? ""))),
                })
                : null),
    ];
}
