using System.Text.Json;
using Platform.Modules.Iam.AccessKeys;
using Platform.Modules.Iam.Identity;
using Platform.Modules.Iam.InlinePolicies;
using Platform.Modules.Iam.ManagedPolicies;
using Platform.Modules.Iam.Sts;
using Platform.Modules.Iam.Users;
using Platform.Modules.Shared.AwsQuery;
using static Platform.Modules.Shared.AwsQuery.AwsQueryXml;

namespace Platform.Modules.Iam.AwsQuery;

/// <summary>
/// IAM and STS on AWS's query protocol: names, shapes and errors of botocore's iam 2010-05-08 and sts 2011-06-15 models,
/// each action bound to the request the native API sends (roles in <see cref="RoleQueryActions"/>, groups in <see cref="GroupQueryActions"/>). The platform's own
/// extensions (accounts) stay on the native API.
/// </summary>
internal static class IamQueryActions
{
    public static AwsQueryService Iam() => new AwsQueryService("iam", "2010-05-08", "https://iam.amazonaws.com/doc/2010-05-08/")
        .Action("CreateUser", c => new CreateUser(c.Parameters.Required("UserName"), c.Parameters.Optional("Path"), RoleQueryActions.Tags(c.Parameters)),
            u => User("User", u, withTags: true))
        .Action("GetUser", c => new GetUser(c.Parameters.Optional("UserName")), u => User("User", u, withTags: true))
        .Command("UpdateUser", c => new UpdateUser(c.Parameters.Required("UserName"), c.Parameters.Optional("NewUserName"), c.Parameters.Optional("NewPath")))
        .Command("TagUser", c => new TagUser(c.Parameters.Required("UserName"), RoleQueryActions.Tags(c.Parameters) ?? []))
        .Command("UntagUser", c => new UntagUser(c.Parameters.Required("UserName"), c.Parameters.StringList("TagKeys")))
        .Action("ListUserTags", c => new ListUserTags(c.Parameters.Required("UserName")), list => new object?[]
        {
            Members("Tags", list.Tags, RoleQueryActions.Tag),
            Value("IsTruncated", false),
        })
        .Action("ListUsers", c => new ListUsers(c.Parameters.Optional("PathPrefix"), c.Parameters.OptionalInt("MaxItems"), c.Parameters.Optional("Marker")),
            list => new object?[]
            {
                Members("Users", list.Users, u => User(null, u)),
                Value("IsTruncated", list.IsTruncated),
                Value("Marker", list.Marker),
            })
        .Command("DeleteUser", c => new DeleteUser(c.Parameters.Required("UserName")))
        .Action("CreateAccessKey", c => new CreateAccessKey(c.Parameters.Optional("UserName")), key => Element("AccessKey",
            Value("UserName", key.UserName),
            Value("AccessKeyId", key.AccessKeyId),
            Value("Status", key.Status),
            Value("SecretAccessKey", key.SecretAccessKey),
            Value("CreateDate", key.CreateDate)))
        .Action("ListAccessKeys", c => new ListAccessKeys(c.Parameters.Optional("UserName")), list => new object?[]
        {
            Members("AccessKeyMetadata", list.AccessKeyMetadata, key => new object?[]
            {
                Value("UserName", key.UserName),
                Value("AccessKeyId", key.AccessKeyId),
                Value("Status", key.Status),
                Value("CreateDate", key.CreateDate),
            }),
            Value("IsTruncated", false),
        })
        .Command("UpdateAccessKey", c => new UpdateAccessKey(c.Parameters.Required("AccessKeyId"), c.Parameters.Optional("UserName"), c.Parameters.Optional("Status")))
        .Command("DeleteAccessKey", c => new DeleteAccessKey(c.Parameters.Required("AccessKeyId"), c.Parameters.Optional("UserName")))
        .Action("CreatePolicy", c => new CreatePolicy(c.Parameters.Required("PolicyName"), Document(c.Parameters.Optional("PolicyDocument")),
                c.Parameters.Optional("Path"), c.Parameters.Optional("Description")),
            p => Policy("Policy", p))
        .Action("GetPolicy", c => new GetPolicy(OwnPolicyName(c)), p => Policy("Policy", p))
        .Action("ListPolicies", c => new ListPolicies(c.Parameters.Optional("Scope")), list => new object?[]
        {
            Members("Policies", list.Policies, p => Policy(null, p)),
            Value("IsTruncated", false),
        })
        .Command("DeletePolicy", c => new DeletePolicy(OwnPolicyName(c)))
        .Action("CreatePolicyVersion", c => new CreatePolicyVersion(OwnPolicyName(c), Document(c.Parameters.Optional("PolicyDocument")),
                c.Parameters.OptionalBool("SetAsDefault") ?? false),
            v => Version("PolicyVersion", v))
        .Action("GetPolicyVersion", c => new GetPolicyVersion(OwnPolicyName(c), c.Parameters.Required("VersionId")), v => Version("PolicyVersion", v))
        .Action("ListPolicyVersions", c => new ListPolicyVersions(OwnPolicyName(c)), list => new object?[]
        {
            Members("Versions", list.Versions, v => Version(null, v)),
            Value("IsTruncated", false),
        })
        .Command("SetDefaultPolicyVersion", c => new SetDefaultPolicyVersion(OwnPolicyName(c), c.Parameters.Required("VersionId")))
        .Command("DeletePolicyVersion", c => new DeletePolicyVersion(OwnPolicyName(c), c.Parameters.Required("VersionId")))
        .Command("AttachUserPolicy", c => new AttachUserPolicy(c.Parameters.Required("UserName"), c.Parameters.Optional("PolicyArn")))
        .Command("DetachUserPolicy", c => new DetachUserPolicy(c.Parameters.Required("UserName"), c.Parameters.Optional("PolicyArn")))
        .Action("ListAttachedUserPolicies", c => new ListAttachedUserPolicies(c.Parameters.Required("UserName")), list => new object?[]
        {
            Members("AttachedPolicies", list.AttachedPolicies, p => new object?[] { Value("PolicyName", p.PolicyName), Value("PolicyArn", p.PolicyArn) }),
            Value("IsTruncated", false),
        })
        .Command("PutUserPolicy", c => new PutUserPolicy(c.Parameters.Required("UserName"), c.Parameters.Required("PolicyName"),
            Document(c.Parameters.Optional("PolicyDocument"))))
        .Action("GetUserPolicy", c => new GetUserPolicy(c.Parameters.Required("UserName"), c.Parameters.Required("PolicyName")), p => new object?[]
        {
            Value("UserName", p.UserName),
            Value("PolicyName", p.PolicyName),
            // IAM returns policy documents URL-encoded (RFC 3986); the SDKs decode them.
            Value("PolicyDocument", Uri.EscapeDataString(p.PolicyDocument)),
        })
        .Action("ListUserPolicies", c => new ListUserPolicies(c.Parameters.Required("UserName")), list => new object?[]
        {
            Members("PolicyNames", list.PolicyNames, name => name),
            Value("IsTruncated", false),
        })
        .Command("DeleteUserPolicy", c => new DeleteUserPolicy(c.Parameters.Required("UserName"), c.Parameters.Required("PolicyName")))
        .Include(RoleQueryActions.Roles())
        .Include(GroupQueryActions.Groups());

    public static AwsQueryService Sts() => new AwsQueryService("sts", "2011-06-15", "https://sts.amazonaws.com/doc/2011-06-15/")
        .Action("GetCallerIdentity", _ => new GetCallerIdentity(), identity => new object?[]
        {
            Value("UserId", identity.UserId),
            Value("Account", identity.Account),
            Value("Arn", identity.Arn),
        })
        .Action("AssumeRole", c => new AssumeRole(c.Parameters.Required("RoleArn"), c.Parameters.Required("RoleSessionName"),
                c.Parameters.OptionalInt("DurationSeconds"), c.Parameters.Optional("Policy"), c.Parameters.Optional("ExternalId")),
            r => new object?[]
            {
                Credentials(r.Credentials),
                Element("AssumedRoleUser", Value("AssumedRoleId", r.AssumedRoleUser.AssumedRoleId), Value("Arn", r.AssumedRoleUser.Arn)),
                Value("PackedPolicySize", r.PackedPolicySize),
            })
        .Action("GetSessionToken", c => new GetSessionToken(c.Parameters.OptionalInt("DurationSeconds")), r => new object?[] { Credentials(r.Credentials) });

    private static System.Xml.Linq.XElement Credentials(SessionCredentialsResponse credentials) => Element("Credentials",
        Value("AccessKeyId", credentials.AccessKeyId),
        Value("SecretAccessKey", credentials.SecretAccessKey),
        Value("SessionToken", credentials.SessionToken),
        Value("Expiration", credentials.Expiration));

    /// <summary>The user shape; <paramref name="name"/> null gives its fields alone (a list's member).</summary>
    internal static object User(string? name, UserResponse user, bool withTags = false)
    {
        object?[] fields =
        [
            Value("Path", user.Path),
            Value("UserName", user.UserName),
            Value("UserId", user.UserId),
            Value("Arn", user.Arn),
            Value("CreateDate", user.CreateDate),
            withTags && user.Tags is { Count: > 0 } ? Members("Tags", user.Tags, RoleQueryActions.Tag) : null,
        ];
        return name is null ? fields : Element(name, fields);
    }

    private static object Policy(string? name, PolicyResponse policy)
    {
        object?[] fields =
        [
            Value("PolicyName", policy.PolicyName),
            Value("PolicyId", policy.PolicyId),
            Value("Arn", policy.Arn),
            Value("Path", policy.Path),
            Value("DefaultVersionId", policy.DefaultVersionId),
            Value("AttachmentCount", policy.AttachmentCount),
            Value("PermissionsBoundaryUsageCount", 0),
            Value("IsAttachable", policy.IsAttachable),
            Value("Description", policy.Description),
            Value("CreateDate", policy.CreateDate),
            Value("UpdateDate", policy.UpdateDate),
        ];
        return name is null ? fields : Element(name, fields);
    }

    /// <summary>The PolicyVersion shape; the document (URL-encoded, as IAM sends it) only where IAM sends it.</summary>
    private static object Version(string? name, PolicyVersionResponse version)
    {
        object?[] fields =
        [
            version.Document is null ? null : Value("Document", Uri.EscapeDataString(version.Document)),
            Value("VersionId", version.VersionId),
            Value("IsDefaultVersion", version.IsDefaultVersion),
            Value("CreateDate", version.CreateDate),
        ];
        return name is null ? fields : Element(name, fields);
    }

    /// <summary>The query protocol carries a policy as JSON text; the native request takes it as a JSON string, as AWS's own JSON does.</summary>
    internal static JsonElement? Document(string? text) => text is null ? null : JsonSerializer.SerializeToElement(text);

    /// <summary>
    /// The native API names an account's own policies; IAM's query actions take the ARN. Another account's policy (or an
    /// AWS managed one, which has no GetPolicy here yet) reads as absent, as attaching it does.
    /// </summary>
    private static string OwnPolicyName(AwsQueryCall call)
    {
        var arn = call.Parameters.Required("PolicyArn");
        var own = IamArns.Policy(call.Caller.AccountId, "/", "");
        return arn.StartsWith(own, StringComparison.Ordinal) && arn.Length > own.Length && !arn[own.Length..].Contains('/', StringComparison.Ordinal)
            ? arn[own.Length..]
            : throw PolicyLookup.NoSuchPolicy(arn);
    }
}
