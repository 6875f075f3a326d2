using Platform.Modules.Iam.InstanceProfiles;
using Platform.Modules.Iam.Roles;
using Platform.Modules.Shared.AwsQuery;
using static Platform.Modules.Shared.AwsQuery.AwsQueryXml;

namespace Platform.Modules.Iam.AwsQuery;

/// <summary>IAM's role actions on the query protocol, with botocore's iam 2010-05-08 shapes (Role, Tags.member.N, Marker paging).</summary>
internal static class RoleQueryActions
{
    public static AwsQueryService Roles() => new AwsQueryService("iam", "2010-05-08", "https://iam.amazonaws.com/doc/2010-05-08/")
        .Action("CreateRole", c => new CreateRole(c.Parameters.Required("RoleName"), IamQueryActions.Document(c.Parameters.Optional("AssumeRolePolicyDocument")),
                c.Parameters.Optional("Path"), c.Parameters.Optional("Description"), c.Parameters.OptionalInt("MaxSessionDuration"), Tags(c.Parameters)),
            r => Role("Role", r, withTags: true))
        .Action("GetRole", c => new GetRole(c.Parameters.Required("RoleName")), r => Role("Role", r, withTags: true))
        .Action("ListRoles", c => new ListRoles(c.Parameters.Optional("PathPrefix"), c.Parameters.OptionalInt("MaxItems"), c.Parameters.Optional("Marker")),
            list => new object?[]
            {
                Members("Roles", list.Roles, r => Role(null, r, withTags: false)),
                Value("IsTruncated", list.IsTruncated),
                Value("Marker", list.Marker),
            })
        .Command("UpdateAssumeRolePolicy", c => new UpdateAssumeRolePolicy(c.Parameters.Required("RoleName"),
            IamQueryActions.Document(c.Parameters.Optional("PolicyDocument"))))
        .Command("UpdateRole", c => new UpdateRole(c.Parameters.Required("RoleName"), c.Parameters.Optional("Description"), c.Parameters.OptionalInt("MaxSessionDuration")))
        .Command("DeleteRole", c => new DeleteRole(c.Parameters.Required("RoleName")))
        .Command("AttachRolePolicy", c => new AttachRolePolicy(c.Parameters.Required("RoleName"), c.Parameters.Optional("PolicyArn")))
        .Command("DetachRolePolicy", c => new DetachRolePolicy(c.Parameters.Required("RoleName"), c.Parameters.Optional("PolicyArn")))
        .Action("ListAttachedRolePolicies", c => new ListAttachedRolePolicies(c.Parameters.Required("RoleName")), list => new object?[]
        {
            Members("AttachedPolicies", list.AttachedPolicies, p => new object?[] { Value("PolicyName", p.PolicyName), Value("PolicyArn", p.PolicyArn) }),
            Value("IsTruncated", false),
        })
        .Command("PutRolePolicy", c => new PutRolePolicy(c.Parameters.Required("RoleName"), c.Parameters.Required("PolicyName"),
            IamQueryActions.Document(c.Parameters.Optional("PolicyDocument"))))
        .Action("GetRolePolicy", c => new GetRolePolicy(c.Parameters.Required("RoleName"), c.Parameters.Required("PolicyName")), p => new object?[]
        {
            Value("RoleName", p.RoleName),
            Value("PolicyName", p.PolicyName),
            Value("PolicyDocument", Uri.EscapeDataString(p.PolicyDocument)),
        })
        .Action("ListRolePolicies", c => new ListRolePolicies(c.Parameters.Required("RoleName")), list => new object?[]
        {
            Members("PolicyNames", list.PolicyNames, name => name),
            Value("IsTruncated", false),
        })
        .Command("DeleteRolePolicy", c => new DeleteRolePolicy(c.Parameters.Required("RoleName"), c.Parameters.Required("PolicyName")))
        .Command("TagRole", c => new TagRole(c.Parameters.Required("RoleName"), Tags(c.Parameters) ?? []))
        .Command("UntagRole", c => new UntagRole(c.Parameters.Required("RoleName"), c.Parameters.StringList("TagKeys")))
        .Action("ListRoleTags", c => new ListRoleTags(c.Parameters.Required("RoleName")), list => new object?[]
        {
            Members("Tags", list.Tags, Tag),
            Value("IsTruncated", false),
        })
        .Action("CreateInstanceProfile", c => new CreateInstanceProfile(c.Parameters.Required("InstanceProfileName"), c.Parameters.Optional("Path")),
            p => Profile("InstanceProfile", p))
        .Action("GetInstanceProfile", c => new GetInstanceProfile(c.Parameters.Required("InstanceProfileName")), p => Profile("InstanceProfile", p))
        .Action("ListInstanceProfiles", c => new ListInstanceProfiles(c.Parameters.Optional("PathPrefix"), c.Parameters.OptionalInt("MaxItems"),
                c.Parameters.Optional("Marker")),
            list => new object?[]
            {
                Members("InstanceProfiles", list.InstanceProfiles, p => Profile(null, p)),
                Value("IsTruncated", list.IsTruncated),
                Value("Marker", list.Marker),
            })
        .Command("DeleteInstanceProfile", c => new DeleteInstanceProfile(c.Parameters.Required("InstanceProfileName")))
        .Command("AddRoleToInstanceProfile", c => new AddRoleToInstanceProfile(c.Parameters.Required("InstanceProfileName"), c.Parameters.Required("RoleName")))
        .Command("RemoveRoleFromInstanceProfile", c => new RemoveRoleFromInstanceProfile(c.Parameters.Required("InstanceProfileName"),
            c.Parameters.Required("RoleName")));

    private static object Profile(string? name, InstanceProfileResponse profile)
    {
        object?[] fields =
        [
            Value("Path", profile.Path),
            Value("InstanceProfileName", profile.InstanceProfileName),
            Value("InstanceProfileId", profile.InstanceProfileId),
            Value("Arn", profile.Arn),
            Value("CreateDate", profile.CreateDate),
            Members("Roles", profile.Roles, r => Role(null, r, withTags: false)),
        ];
        return name is null ? fields : Element(name, fields);
    }

    internal static List<RoleTag>? Tags(AwsQueryParameters parameters)
    {
        var tags = parameters.List("Tags");
        return tags.Count == 0 ? null : tags.Select(t => new RoleTag(t.Required("Key"), t.Optional("Value") ?? "")).ToList();
    }

    internal static object?[] Tag(RoleTag tag) => [Value("Key", tag.Key), Value("Value", tag.Value)];

    /// <summary>The Role shape; IAM sends the trust policy URL-encoded (RFC 3986), as every policy document it returns.</summary>
    private static object Role(string? name, RoleResponse role, bool withTags)
    {
        object?[] fields =
        [
            Value("Path", role.Path),
            Value("RoleName", role.RoleName),
            Value("RoleId", role.RoleId),
            Value("Arn", role.Arn),
            Value("CreateDate", role.CreateDate),
            Value("AssumeRolePolicyDocument", Uri.EscapeDataString(role.AssumeRolePolicyDocument)),
            Value("Description", role.Description),
            Value("MaxSessionDuration", role.MaxSessionDuration),
            withTags && role.Tags.Count > 0 ? Members("Tags", role.Tags, Tag) : null,
        ];
        return name is null ? fields : Element(name, fields);
    }
}
