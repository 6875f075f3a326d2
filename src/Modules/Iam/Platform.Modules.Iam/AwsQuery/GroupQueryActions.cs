using Platform.Modules.Iam.Groups;
using Platform.Modules.Shared.AwsQuery;
using static Platform.Modules.Shared.AwsQuery.AwsQueryXml;

namespace Platform.Modules.Iam.AwsQuery;

/// <summary>IAM's group actions on the query protocol, with botocore's iam 2010-05-08 shapes (Group, Users, Marker paging).</summary>
internal static class GroupQueryActions
{
    public static AwsQueryService Groups() => new AwsQueryService("iam", "2010-05-08", "https://iam.amazonaws.com/doc/2010-05-08/")
        .Action("CreateGroup", c => new CreateGroup(c.Parameters.Required("GroupName"), c.Parameters.Optional("Path")), g => Group("Group", g))
        .Action("GetGroup", c => new GetGroup(c.Parameters.Required("GroupName"), c.Parameters.OptionalInt("MaxItems"), c.Parameters.Optional("Marker")),
            r => new object?[]
            {
                Group("Group", r.Group),
                Members("Users", r.Users, u => IamQueryActions.User(null, u)),
                Value("IsTruncated", r.IsTruncated),
                Value("Marker", r.Marker),
            })
        .Action("ListGroups", c => new ListGroups(c.Parameters.Optional("PathPrefix"), c.Parameters.OptionalInt("MaxItems"), c.Parameters.Optional("Marker")),
            List)
        .Command("DeleteGroup", c => new DeleteGroup(c.Parameters.Required("GroupName")))
        .Command("AddUserToGroup", c => new AddUserToGroup(c.Parameters.Required("GroupName"), c.Parameters.Required("UserName")))
        .Command("RemoveUserFromGroup", c => new RemoveUserFromGroup(c.Parameters.Required("GroupName"), c.Parameters.Required("UserName")))
        .Action("ListGroupsForUser", c => new ListGroupsForUser(c.Parameters.Required("UserName")), List)
        .Command("AttachGroupPolicy", c => new AttachGroupPolicy(c.Parameters.Required("GroupName"), c.Parameters.Optional("PolicyArn")))
        .Command("DetachGroupPolicy", c => new DetachGroupPolicy(c.Parameters.Required("GroupName"), c.Parameters.Optional("PolicyArn")))
        .Action("ListAttachedGroupPolicies", c => new ListAttachedGroupPolicies(c.Parameters.Required("GroupName")), list => new object?[]
        {
            Members("AttachedPolicies", list.AttachedPolicies, p => new object?[] { Value("PolicyName", p.PolicyName), Value("PolicyArn", p.PolicyArn) }),
            Value("IsTruncated", false),
        })
        .Command("PutGroupPolicy", c => new PutGroupPolicy(c.Parameters.Required("GroupName"), c.Parameters.Required("PolicyName"),
            IamQueryActions.Document(c.Parameters.Optional("PolicyDocument"))))
        .Action("GetGroupPolicy", c => new GetGroupPolicy(c.Parameters.Required("GroupName"), c.Parameters.Required("PolicyName")), p => new object?[]
        {
            Value("GroupName", p.GroupName),
            Value("PolicyName", p.PolicyName),
            // IAM returns policy documents URL-encoded (RFC 3986); the SDKs decode them.
            Value("PolicyDocument", Uri.EscapeDataString(p.PolicyDocument)),
        })
        .Action("ListGroupPolicies", c => new ListGroupPolicies(c.Parameters.Required("GroupName")), list => new object?[]
        {
            Members("PolicyNames", list.PolicyNames, name => name),
            Value("IsTruncated", false),
        })
        .Command("DeleteGroupPolicy", c => new DeleteGroupPolicy(c.Parameters.Required("GroupName"), c.Parameters.Required("PolicyName")));

    private static object?[] List(GroupListResponse list) =>
    [
        Members("Groups", list.Groups, g => Group(null, g)),
        Value("IsTruncated", list.IsTruncated),
        Value("Marker", list.Marker),
    ];

    /// <summary>The Group shape; <paramref name="name"/> null gives its fields alone (a list's member).</summary>
    private static object Group(string? name, GroupResponse group)
    {
        object?[] fields =
        [
            Value("Path", group.Path),
            Value("GroupName", group.GroupName),
            Value("GroupId", group.GroupId),
            Value("Arn", group.Arn),
            Value("CreateDate", group.CreateDate),
        ];
        return name is null ? fields : Element(name, fields);
    }
}
