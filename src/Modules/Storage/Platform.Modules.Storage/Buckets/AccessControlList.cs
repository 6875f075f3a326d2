using System.Text.Json;
using System.Text.Json.Serialization;
using System.Xml;
using System.Xml.Linq;
using Platform.Modules.Storage.S3;

namespace Platform.Modules.Storage.Buckets;

/// <summary>One ACL grant: a canonical user (an account's id here) or one of S3's predefined groups, and a permission.</summary>
internal sealed record AclGrant(
    [property: JsonPropertyName("t")] string Type,
    [property: JsonPropertyName("v")] string Grantee,
    [property: JsonPropertyName("p")] string Permission)
{
    public const string CanonicalUser = "CanonicalUser";
    public const string Group = "Group";

    public bool IsPublic => Type == Group && Grantee is AccessControlList.AllUsers or AccessControlList.AuthenticatedUsers;
}

/// <summary>
/// A bucket's or object's owner and ACL, as S3 keeps them: canned ACLs and grants become this one form. An account's
/// canonical user id is its account id. Kept as JSON on the bucket or version row; null there means the default, the owner's
/// full control alone (and, for an object, the bucket owner as its owner).
/// </summary>
internal sealed record AccessControlList(
    [property: JsonPropertyName("o")] string Owner,
    [property: JsonPropertyName("g")] IReadOnlyList<AclGrant> Grants)
{
    public const string AllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
    public const string AuthenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
    public const string LogDelivery = "http://acs.amazonaws.com/groups/s3/LogDelivery";

    /// <summary>
    /// The canonical user S3's aws-exec-read grants READ (EC2, reading AMI bundles), as S3 answers that ACL. No account of this
    /// platform has that id, so the grant lets no caller in; EC2 here boots images from its own store, not from buckets.
    /// </summary>
    public const string Ec2ExecReader = "6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c";

    public const string FullControl = "FULL_CONTROL";
    public const string Read = "READ";
    public const string WritePermission = "WRITE";
    public const string ReadAcp = "READ_ACP";
    public const string WriteAcp = "WRITE_ACP";

    private static readonly string[] Permissions = [FullControl, Read, WritePermission, ReadAcp, WriteAcp];
    private static readonly string[] Groups = [AllUsers, AuthenticatedUsers, LogDelivery];
    private static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    public static AccessControlList Private(string owner) => new(owner, [new AclGrant(AclGrant.CanonicalUser, owner, FullControl)]);

    public bool IsPublic => Grants.Any(g => g.IsPublic);

    /// <summary>Only the bucket owner's full control: what a bucket with ACLs disabled (BucketOwnerEnforced) accepts.</summary>
    public bool IsBucketOwnerFullControlOnly(string bucketOwner) =>
        Owner == bucketOwner && Grants.All(g => g.Type == AclGrant.CanonicalUser && g.Grantee == bucketOwner && g.Permission == FullControl);

    /// <summary>
    /// Whether a grant gives <paramref name="permission"/> (FULL_CONTROL gives every one) to the caller: anonymous callers are
    /// AllUsers; signed ones AllUsers, AuthenticatedUsers and, from another account than the resource's, their account's id
    /// (within the resource's account, the caller's own policies decide, as on S3).
    /// </summary>
    public bool Allows(string permission, string? callerAccount, string resourceAccount, bool ignorePublic) =>
        Grants.Any(g => (g.Permission == permission || g.Permission == FullControl) && !(ignorePublic && g.IsPublic) && g switch
        {
            { Type: AclGrant.Group, Grantee: AllUsers } => true,
            { Type: AclGrant.Group, Grantee: AuthenticatedUsers } => callerAccount is not null,
            { Type: AclGrant.CanonicalUser } => callerAccount is not null && callerAccount != resourceAccount && g.Grantee == callerAccount,
            _ => false,
        });

    public string ToJson() => JsonSerializer.Serialize(this);

    public static AccessControlList? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<AccessControlList>(json);

    /// <summary>Null when the ACL is the default one (<paramref name="defaultOwner"/>'s full control alone), else its JSON.</summary>
    public string? ToStored(string defaultOwner) => IsBucketOwnerFullControlOnly(defaultOwner) ? null : ToJson();

    /// <summary>A canned ACL (x-amz-acl) for this owner; InvalidArgument for a name S3 does not have.</summary>
    public static AccessControlList Canned(string name, string owner, string bucketOwner)
    {
        var grants = new List<AclGrant> { new(AclGrant.CanonicalUser, owner, FullControl) };
        switch (name)
        {
            case "private":
                break;
            case "public-read":
                grants.Add(new(AclGrant.Group, AllUsers, Read));
                break;
            case "public-read-write":
                grants.Add(new(AclGrant.Group, AllUsers, Read));
                grants.Add(new(AclGrant.Group, AllUsers, WritePermission));
                break;
            case "authenticated-read":
                grants.Add(new(AclGrant.Group, AuthenticatedUsers, Read));
                break;
            case "bucket-owner-read":
                AddBucketOwner(Read);
                break;
            case "bucket-owner-full-control":
                AddBucketOwner(FullControl);
                break;
            case "aws-exec-read":
                grants.Add(new(AclGrant.CanonicalUser, Ec2ExecReader, Read));
                break;
            case "log-delivery-write":
                grants.Add(new(AclGrant.Group, LogDelivery, WritePermission));
                grants.Add(new(AclGrant.Group, LogDelivery, ReadAcp));
                break;
            default:
                throw S3Errors.InvalidArgument("Invalid canned ACL");
        }

        return new AccessControlList(owner, grants);

        void AddBucketOwner(string permission)
        {
            // The bucket owner writing its own object: its full control already says it all.
            if (bucketOwner != owner)
            {
                grants.Add(new(AclGrant.CanonicalUser, bucketOwner, permission));
            }
        }
    }

    /// <summary>x-amz-grant-* headers: <c>id="…"</c>, <c>uri="…"</c> or <c>emailAddress="…"</c>, comma-separated.</summary>
    public static List<AclGrant> FromGrantHeaders(IEnumerable<(string Permission, string Value)> headers)
    {
        var grants = new List<AclGrant>();
        foreach (var (permission, value) in headers)
        {
            foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = part.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    throw S3Errors.InvalidArgument("Invalid grant header");
                }

                var type = part[..equals].Trim();
                var grantee = part[(equals + 1)..].Trim().Trim('"');
                grants.Add(type.ToLowerInvariant() switch
                {
                    "id" => new AclGrant(AclGrant.CanonicalUser, grantee, permission),
                    "uri" => new AclGrant(AclGrant.Group, grantee, permission),
                    "emailaddress" => throw UnresolvableEmail(),
                    _ => throw S3Errors.InvalidArgument("Invalid grant header"),
                });
            }
        }

        CheckGroups(grants);
        return grants;
    }

    /// <summary>An AccessControlPolicy document (PutBucketAcl, PutObjectAcl): its owner's id (null when absent) and its grants.</summary>
    public static (string? Owner, List<AclGrant> Grants) Parse(XElement root)
    {
        if (root.Name.LocalName != "AccessControlPolicy" || root.Children("AccessControlList").Count() != 1)
        {
            throw S3Errors.MalformedAclError();
        }

        var owner = root.Elements().FirstOrDefault(e => e.Name.LocalName == "Owner")?.Child("ID")?.Trim();
        var grants = new List<AclGrant>();
        var list = root.Elements().First(e => e.Name.LocalName == "AccessControlList");
        foreach (var grant in list.Elements())
        {
            var grantee = grant.Elements().FirstOrDefault(e => e.Name.LocalName == "Grantee");
            var permission = grant.Child("Permission")?.Trim();
            if (grant.Name.LocalName != "Grant" || grantee is null || permission is null || !Permissions.Contains(permission, StringComparer.Ordinal))
            {
                throw S3Errors.MalformedAclError();
            }

            var type = (string?)grantee.Attribute(Xsi + "type");
            grants.Add(type switch
            {
                AclGrant.CanonicalUser when grantee.Child("ID")?.Trim() is { Length: > 0 } id => new AclGrant(AclGrant.CanonicalUser, id, permission),
                AclGrant.Group when grantee.Child("URI")?.Trim() is { Length: > 0 } uri => new AclGrant(AclGrant.Group, uri, permission),
                "AmazonCustomerByEmail" => throw UnresolvableEmail(),
                _ => throw S3Errors.MalformedAclError(),
            });
        }

        CheckGroups(grants);
        return (owner, grants);
    }

    /// <summary>GetBucketAcl's and GetObjectAcl's answer.</summary>
    public void Write(XmlWriter w)
    {
        w.WriteStartElement("AccessControlPolicy", S3Xml.Namespace);
        w.WriteStartElement("Owner");
        w.WriteElementString("ID", Owner);
        w.WriteElementString("DisplayName", Owner);
        w.WriteEndElement();
        w.WriteStartElement("AccessControlList");
        foreach (var grant in Grants)
        {
            w.WriteStartElement("Grant");
            w.WriteStartElement("Grantee");
            w.WriteAttributeString("xmlns", "xsi", null, Xsi.NamespaceName);
            w.WriteAttributeString("xsi", "type", Xsi.NamespaceName, grant.Type);
            if (grant.Type == AclGrant.CanonicalUser)
            {
                w.WriteElementString("ID", grant.Grantee);
                w.WriteElementString("DisplayName", grant.Grantee);
            }
            else
            {
                w.WriteElementString("URI", grant.Grantee);
            }

            w.WriteEndElement();
            w.WriteElementString("Permission", grant.Permission);
            w.WriteEndElement();
        }

        w.WriteEndElement();
        w.WriteEndElement();
    }

    private static void CheckGroups(List<AclGrant> grants)
    {
        if (grants.Any(g => g.Type == AclGrant.Group && !Groups.Contains(g.Grantee, StringComparer.Ordinal)))
        {
            throw S3Errors.InvalidArgument("Invalid group uri");
        }
    }

    // Grants by e-mail address name an account by its root user's address, which this platform's accounts do not have.
    private static Shared.Errors.ApiException UnresolvableEmail() =>
        new(400, "UnresolvableGrantByEmailAddress", "The e-mail address you provided does not match any account on record.");
}

/// <summary>Which ACL, and which permission in it, can grant an S3 action (S3's "Mapping of ACL permissions and access policy permissions").</summary>
internal static class AclPermissions
{
    /// <summary>The permission the bucket's ACL must give; null when the bucket's ACL does not speak for the action.</summary>
    public static string? OnBucket(string action) => action switch
    {
        "s3:ListBucket" or "s3:ListBucketVersions" or "s3:ListBucketMultipartUploads" => AccessControlList.Read,
        "s3:PutObject" or "s3:DeleteObject" => AccessControlList.WritePermission,
        "s3:GetBucketAcl" => AccessControlList.ReadAcp,
        "s3:PutBucketAcl" => AccessControlList.WriteAcp,
        _ => null,
    };

    /// <summary>The permission the object's ACL must give; null when the object's ACL does not speak for the action.</summary>
    public static string? OnObject(string action) => action switch
    {
        "s3:GetObject" or "s3:GetObjectVersion" or "s3:GetObjectAttributes" or "s3:GetObjectVersionAttributes" => AccessControlList.Read,
        "s3:GetObjectAcl" or "s3:GetObjectVersionAcl" => AccessControlList.ReadAcp,
        "s3:PutObjectAcl" or "s3:PutObjectVersionAcl" => AccessControlList.WriteAcp,
        _ => null,
    };
}
