using System.Text.Json;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>
/// Issue 16 items 4 and 5 with boto3 against the API as its own process: NotImplemented sub-resources, white-space keys, CreateBucket
/// again; browser uploads with boto3's generate_presigned_post, posted by python's requests as a browser's form.
/// </summary>
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

    [Fact]
    public async Task Given_boto3_presigned_posts_When_forms_are_posted_Then_what_the_policy_allows_is_stored_and_every_violation_stores_nothing()
    {
        var result = await Boto3.RunAsync(_api, _work, """
            import re, requests
            out = {}
            b = "boto-post"
            s3.create_bucket(Bucket=b)
            def post(p, data=b"hello", filename="hello.txt", extra=None, drop=()):
                fields = dict(p["fields"])
                fields.update(extra or {})
                for name in drop:
                    fields.pop(name, None)
                return requests.post(p["url"], data=fields, files={"file": (filename, data)}, allow_redirects=False)
            def code(r):
                if r.status_code < 300 or r.status_code == 303:
                    return str(r.status_code)
                found = re.search(r"<Code>(.*?)</Code>", r.text)
                return "%d %s" % (r.status_code, found.group(1) if found else r.text[:200])

            # boto3 signs POST policies with Signature Version 2 in us-east-1 unless told s3v4; that form is not built here.
            v2 = s3.generate_presigned_post(b, "v2.txt")
            out["sigv2"] = code(post(v2))
            signer = boto3.client("s3", endpoint_url=os.environ["PLATFORM_S3"], region_name="us-east-1",
                                  aws_access_key_id=os.environ["PLATFORM_KEY"], aws_secret_access_key=os.environ["PLATFORM_SECRET"],
                                  config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
            form = signer.generate_presigned_post(b, "uploads/${filename}",
                Fields={"success_action_status": "201", "Content-Type": "text/plain", "x-amz-meta-owner": "web"},
                Conditions=[{"success_action_status": "201"}, ["starts-with", "$Content-Type", "text/"], {"x-amz-meta-owner": "web"},
                            ["content-length-range", 1, 100]], ExpiresIn=600)
            created = post(form)
            if created.status_code != 201:
                sys.exit("the form was refused: %d %s" % (created.status_code, created.text))
            out["created"] = [created.status_code, "<Key>uploads/hello.txt</Key>" in created.text, "<Bucket>boto-post</Bucket>" in created.text,
                              created.headers.get("ETag") == '"5d41402abc4b2a76b9719d911017c592"']
            stored = s3.get_object(Bucket=b, Key="uploads/hello.txt")
            out["stored"] = [stored["Body"].read().decode(), stored["ContentType"], stored["Metadata"].get("owner")]

            out["too_large"] = code(post(form, data=b"x" * 101, filename="large.txt"))
            out["too_small"] = code(post(form, data=b"", filename="small.txt"))
            out["other_prefix"] = code(post(form, extra={"key": "elsewhere/${filename}"}, filename="prefix.txt"))
            denied = post(form, extra={"Content-Type": "image/png"}, filename="type.txt")
            out["other_type"] = [code(denied), "Invalid according to Policy: Policy Condition failed" in denied.text]
            extra = post(form, extra={"x-amz-meta-sneaky": "1"}, filename="extra.txt")
            out["extra_field"] = [code(extra), "Extra input fields: x-amz-meta-sneaky" in extra.text]
            out["forged"] = code(post(form, extra={"x-amz-signature": "0" * 64}, filename="forged.txt"))
            out["no_policy"] = code(post(form, drop=("policy",), filename="nopolicy.txt"))
            out["anonymous"] = code(requests.post(form["url"], data={"key": "anonymous.txt"}, files={"file": ("a.txt", b"a")}))
            expired = signer.generate_presigned_post(b, "late.txt", ExpiresIn=-10)
            late = post(expired)
            out["expired"] = [code(late), "Policy expired" in late.text]
            out["not_a_form"] = code(requests.post(form["url"], data=b"raw", headers={"Content-Type": "text/plain"}))
            cut = b'--b\r\nContent-Disposition: form-data; name="key"\r\n\r\ncut.txt'
            out["cut_short"] = code(requests.post(form["url"], data=cut, headers={"Content-Type": "multipart/form-data; boundary=b"}))

            redirect = signer.generate_presigned_post(b, "redirected.txt", Fields={"success_action_redirect": "http://example.com/done"},
                Conditions=[{"success_action_redirect": "http://example.com/done"}])
            went = post(redirect)
            out["redirect"] = [went.status_code, went.headers.get("Location", "").startswith("http://example.com/done?bucket=boto-post&key=redirected.txt&etag=")]
            plain = signer.generate_presigned_post(b, "plain.txt")
            out["default_status"] = code(post(plain))
            ok = signer.generate_presigned_post(b, "ok.txt", Fields={"success_action_status": "200"}, Conditions=[{"success_action_status": "200"}])
            out["status_200"] = code(post(ok))
            out["keys"] = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=b).get("Contents", []))
            print(json.dumps(out, separators=(",", ":")))
            """);

        Assert.Equal("501 NotImplemented", result.GetProperty("sigv2").GetString());
        Assert.Equal("[201,true,true,true]", result.GetProperty("created").GetRawText());
        Assert.Equal("""["hello","text/plain","web"]""", result.GetProperty("stored").GetRawText());
        Assert.Equal("400 EntityTooLarge", result.GetProperty("too_large").GetString());
        Assert.Equal("400 EntityTooSmall", result.GetProperty("too_small").GetString());
        Assert.Equal("403 AccessDenied", result.GetProperty("other_prefix").GetString());
        Assert.Equal("""["403 AccessDenied",true]""", result.GetProperty("other_type").GetRawText());
        Assert.Equal("""["403 AccessDenied",true]""", result.GetProperty("extra_field").GetRawText());
        Assert.Equal("403 SignatureDoesNotMatch", result.GetProperty("forged").GetString());
        // A signature without its policy is malformed; without either the form is anonymous, which a private bucket refuses.
        Assert.Equal("400 InvalidArgument", result.GetProperty("no_policy").GetString());
        Assert.Equal("403 AccessDenied", result.GetProperty("anonymous").GetString());
        Assert.Equal("""["403 AccessDenied",true]""", result.GetProperty("expired").GetRawText());
        Assert.Equal("412 PreconditionFailed", result.GetProperty("not_a_form").GetString());
        Assert.Equal("400 MalformedPOSTRequest", result.GetProperty("cut_short").GetString());
        Assert.Equal("[303,true]", result.GetProperty("redirect").GetRawText());
        Assert.Equal("204", result.GetProperty("default_status").GetString());
        Assert.Equal("200", result.GetProperty("status_200").GetString());
        Assert.Equal(["ok.txt", "plain.txt", "redirected.txt", "uploads/hello.txt"], Strings(result.GetProperty("keys")));
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
