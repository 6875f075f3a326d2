using System.Text.Json;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>Issue 16 item 5 with boto3 against the API as its own process: NotImplemented sub-resources, white-space keys, CreateBucket again.</summary>
public sealed class Boto3RoutingTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("platform-boto3-").FullName;
    private ApiProcess _api = null!;

    public async Task InitializeAsync() => _api = await ApiProcess.StartAsync(Path.Combine(_work, "data"));

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Given_boto3_When_it_calls_sub_resources_not_implemented_and_uses_white_space_keys_Then_S3s_answers_and_nothing_lost()
    {
        var result = await Boto3.RunAsync(_api, _work, """
            out = {}
            out["public_access_block"] = code_of(lambda: s3.put_public_access_block(Bucket="never-made",
                PublicAccessBlockConfiguration={"BlockPublicAcls": True}))
            out["ownership_controls"] = code_of(lambda: s3.put_bucket_ownership_controls(Bucket="never-made",
                OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}))
            out["object_lock"] = code_of(lambda: s3.put_object_lock_configuration(Bucket="never-made",
                ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}))
            out["buckets_after"] = [b["Name"] for b in s3.list_buckets()["Buckets"]]

            s3.create_bucket(Bucket="boto-keys")
            out["create_again"] = code_of(lambda: s3.create_bucket(Bucket="boto-keys"))
            out["delete_cors"] = code_of(lambda: s3.delete_bucket_cors(Bucket="boto-keys"))
            out["delete_website"] = code_of(lambda: s3.delete_bucket_website(Bucket="boto-keys"))
            out["head_after"] = code_of(lambda: s3.head_bucket(Bucket="boto-keys"))

            keys = [" ", "\t", "\r", "\r\n", " x ", "a b", "a+b"]
            for k in keys:
                s3.put_object(Bucket="boto-keys", Key=k, Body=k.encode())
            out["legal_hold"] = code_of(lambda: s3.put_object_legal_hold(Bucket="boto-keys", Key=" ", LegalHold={"Status": "ON"}))
            out["bodies"] = [s3.get_object(Bucket="boto-keys", Key=k)["Body"].read().decode() for k in keys]
            # boto3 asks for encoding-type=url and decodes the answer with unquote_plus.
            out["listed_v1"] = [o["Key"] for o in s3.list_objects(Bucket="boto-keys")["Contents"]]
            out["listed_v2"] = [o["Key"] for o in s3.list_objects_v2(Bucket="boto-keys")["Contents"]]
            deleted = s3.delete_objects(Bucket="boto-keys", Delete={"Objects": [{"Key": k} for k in keys]})
            out["deleted"] = sorted(d["Key"] for d in deleted.get("Deleted", []))
            out["errors"] = deleted.get("Errors", [])
            out["left"] = s3.list_objects_v2(Bucket="boto-keys").get("KeyCount")

            # ACLs as boto3 sends them: the AccessControlPolicy body, canned ACLs on copy and multipart, anonymous reads.
            from botocore import UNSIGNED
            anonymous = boto3.client("s3", endpoint_url=os.environ["PLATFORM_S3"], region_name="us-east-1",
                                     config=Config(signature_version=UNSIGNED, s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
            s3.create_bucket(Bucket="boto-acl", ObjectOwnership="BucketOwnerPreferred")
            out["ownership"] = s3.get_bucket_ownership_controls(Bucket="boto-acl")["OwnershipControls"]["Rules"][0]["ObjectOwnership"]
            owner = s3.get_bucket_acl(Bucket="boto-acl")["Owner"]
            s3.put_object(Bucket="boto-acl", Key="k", Body=b"acl")
            out["anonymous_before"] = code_of(lambda: anonymous.get_object(Bucket="boto-acl", Key="k"))
            def policy(*grants):
                return {"Owner": owner, "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"}, *grants]}
            all_users = {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}
            s3.put_object_acl(Bucket="boto-acl", Key="k", AccessControlPolicy=policy({"Grantee": all_users, "Permission": "READ"}))
            def grants(key):
                return sorted(g["Permission"] + " " + (g["Grantee"].get("URI") or g["Grantee"].get("ID")) for g in s3.get_object_acl(Bucket="boto-acl", Key=key)["Grants"])
            out["object_grants"] = grants("k")
            out["anonymous_after"] = anonymous.get_object(Bucket="boto-acl", Key="k")["Body"].read().decode()
            out["bad_group"] = code_of(lambda: s3.put_object_acl(Bucket="boto-acl", Key="k",
                AccessControlPolicy=policy({"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/Nobody"}, "Permission": "READ"})))
            out["bad_permission"] = code_of(lambda: s3.put_object_acl(Bucket="boto-acl", Key="k",
                AccessControlPolicy=policy({"Grantee": all_users, "Permission": "EVERYTHING"})))
            out["by_email"] = code_of(lambda: s3.put_object_acl(Bucket="boto-acl", Key="k",
                AccessControlPolicy=policy({"Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "a@example.com"}, "Permission": "READ"})))
            out["both"] = code_of(lambda: s3.put_object_acl(Bucket="boto-acl", Key="k", ACL="private", GrantRead='uri="http://acs.amazonaws.com/groups/global/AllUsers"'))
            out["grants_kept"] = grants("k")
            s3.copy_object(Bucket="boto-acl", Key="copy", CopySource={"Bucket": "boto-acl", "Key": "k"}, ACL="authenticated-read")
            out["copy_grants"] = grants("copy")
            upload = s3.create_multipart_upload(Bucket="boto-acl", Key="parts", ACL="public-read")
            part = s3.upload_part(Bucket="boto-acl", Key="parts", UploadId=upload["UploadId"], PartNumber=1, Body=b"part")
            s3.complete_multipart_upload(Bucket="boto-acl", Key="parts", UploadId=upload["UploadId"],
                MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
            out["multipart_grants"] = grants("parts")
            attributes = s3.get_object_attributes(Bucket="boto-acl", Key="parts", ObjectAttributes=["ETag", "ObjectParts", "ObjectSize"])
            out["attributes"] = [attributes["ETag"], attributes["ObjectSize"], attributes["ObjectParts"]["TotalPartsCount"]]
            print(json.dumps(out))
            """);

        string[] keys = [" ", "\t", "\r", "\r\n", " x ", "a b", "a+b"];
        string[] sorted = [.. keys.Order(StringComparer.Ordinal)];
        // Served now: a public access block on no bucket is NoSuchBucket (never CreateBucket), DeleteBucketCors answers 204.
        Assert.Equal("404 NoSuchBucket", result.GetProperty("public_access_block").GetString());
        Assert.Equal("ok", result.GetProperty("delete_cors").GetString());
        Assert.Equal("404 NoSuchBucket", result.GetProperty("ownership_controls").GetString());
        Assert.Equal("501 NotImplemented", result.GetProperty("delete_website").GetString());
        // Served now: object lock on no bucket is NoSuchBucket (never CreateBucket); a legal hold where the bucket has no object lock is refused.
        Assert.Equal("404 NoSuchBucket", result.GetProperty("object_lock").GetString());
        Assert.Equal("400 InvalidRequest", result.GetProperty("legal_hold").GetString());

        Assert.DoesNotContain("never-made", Strings(result.GetProperty("buckets_after")));
        Assert.Equal("ok", result.GetProperty("create_again").GetString());
        Assert.Equal("ok", result.GetProperty("head_after").GetString());
        Assert.Equal(keys, Strings(result.GetProperty("bodies")));
        Assert.Equal(sorted, Strings(result.GetProperty("listed_v1")));
        Assert.Equal(sorted, Strings(result.GetProperty("listed_v2")));
        Assert.Equal(sorted, Strings(result.GetProperty("deleted")));
        Assert.Equal(0, result.GetProperty("errors").GetArrayLength());
        Assert.Equal(0, result.GetProperty("left").GetInt32());

        var owner = _api.RootCredentials().AccountId;
        const string allUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
        Assert.Equal("BucketOwnerPreferred", result.GetProperty("ownership").GetString());
        Assert.Equal("403 AccessDenied", result.GetProperty("anonymous_before").GetString());
        Assert.Equal([$"FULL_CONTROL {owner}", $"READ {allUsers}"], Strings(result.GetProperty("object_grants")));
        Assert.Equal("acl", result.GetProperty("anonymous_after").GetString());
        Assert.Equal("400 InvalidArgument", result.GetProperty("bad_group").GetString());
        Assert.Equal("400 MalformedACLError", result.GetProperty("bad_permission").GetString());
        Assert.Equal("400 UnresolvableGrantByEmailAddress", result.GetProperty("by_email").GetString());
        Assert.Equal("400 InvalidRequest", result.GetProperty("both").GetString());
        Assert.Equal([$"FULL_CONTROL {owner}", $"READ {allUsers}"], Strings(result.GetProperty("grants_kept")));
        // A copy's ACL is the request's, never the source's.
        Assert.Equal([$"FULL_CONTROL {owner}", "READ http://acs.amazonaws.com/groups/global/AuthenticatedUsers"], Strings(result.GetProperty("copy_grants")));
        Assert.Equal([$"FULL_CONTROL {owner}", $"READ {allUsers}"], Strings(result.GetProperty("multipart_grants")));
        var attributes = result.GetProperty("attributes");
        Assert.EndsWith("-1", attributes[0].GetString());
        Assert.Equal(4, attributes[1].GetInt32());
        Assert.Equal(1, attributes[2].GetInt32());
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
