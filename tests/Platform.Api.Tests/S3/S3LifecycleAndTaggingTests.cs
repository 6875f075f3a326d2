using System.Text.Json;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>
/// Issue 16 items 2 and 3 with boto3 against the API as its own process: lifecycle configurations and tags as S3 takes,
/// answers and refuses them (a refused call changes nothing). The lifecycle job itself is driven by a clock in
/// Platform.Modules.Storage.Tests' LifecycleJobTests.
/// </summary>
public sealed class S3LifecycleAndTaggingTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("platform-lifecycle-").FullName;
    private ApiProcess _api = null!;

    public async Task InitializeAsync() => _api = await ApiProcess.StartAsync(Path.Combine(_work, "data"));

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Given_boto3_When_it_puts_gets_and_deletes_lifecycle_rules_bucket_tags_and_object_tags_Then_S3s_answers_and_refusals_change_nothing()
    {
        var result = await Boto3.RunAsync(_api, _work, """
            import datetime
            out = {}
            b = "lifecycle"
            s3.create_bucket(Bucket=b)
            out["none"] = code_of(lambda: s3.get_bucket_lifecycle_configuration(Bucket=b))
            rules = [
                {"ID": "logs", "Filter": {"Prefix": "logs/"}, "Status": "Enabled", "Expiration": {"Days": 30},
                 "NoncurrentVersionExpiration": {"NoncurrentDays": 7, "NewerNoncurrentVersions": 2}},
                {"ID": "tagged", "Filter": {"And": {"Prefix": "tmp/", "Tags": [{"Key": "class", "Value": "temp"}], "ObjectSizeGreaterThan": 10}},
                 "Status": "Disabled", "Expiration": {"Date": datetime.datetime(2027, 1, 1, tzinfo=datetime.timezone.utc)}},
                {"ID": "markers", "Filter": {}, "Status": "Enabled", "Expiration": {"ExpiredObjectDeleteMarker": True},
                 "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3}},
            ]
            out["put"] = code_of(lambda: s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": rules}))
            got = s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"]
            for r in got:
                if "Expiration" in r and "Date" in r["Expiration"]:
                    r["Expiration"]["Date"] = r["Expiration"]["Date"].isoformat()
            out["got"] = got

            def put_rule(rule):
                return code_of(lambda: s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [rule]}))
            out["zero_days"] = put_rule({"ID": "z", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 0}})
            out["not_midnight"] = put_rule({"ID": "m", "Filter": {}, "Status": "Enabled",
                "Expiration": {"Date": datetime.datetime(2027, 1, 1, 10, tzinfo=datetime.timezone.utc)}})
            out["no_action"] = put_rule({"ID": "n", "Filter": {}, "Status": "Enabled"})
            out["transition"] = put_rule({"ID": "t", "Filter": {}, "Status": "Enabled", "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]})
            out["duplicate_ids"] = code_of(lambda: s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
                {"ID": "d", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 1}},
                {"ID": "d", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 2}}]}))
            out["still"] = [r["ID"] for r in s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"]]
            out["no_bucket"] = code_of(lambda: s3.get_bucket_lifecycle_configuration(Bucket="no-such-bucket-here"))
            out["delete"] = code_of(lambda: s3.delete_bucket_lifecycle(Bucket=b))
            out["after_delete"] = code_of(lambda: s3.get_bucket_lifecycle_configuration(Bucket=b))
            out["delete_again"] = code_of(lambda: s3.delete_bucket_lifecycle(Bucket=b))

            out["no_tags"] = code_of(lambda: s3.get_bucket_tagging(Bucket=b))
            s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "team", "Value": "storage"}, {"Key": "cost centre", "Value": ""}]})
            out["tags"] = s3.get_bucket_tagging(Bucket=b)["TagSet"]
            out["system_tag"] = code_of(lambda: s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "aws:x", "Value": "v"}]}))
            out["same_key"] = code_of(lambda: s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]}))
            out["long_key"] = code_of(lambda: s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "k" * 129, "Value": "1"}]}))
            out["tags_still"] = s3.get_bucket_tagging(Bucket=b)["TagSet"]
            out["delete_tags"] = code_of(lambda: s3.delete_bucket_tagging(Bucket=b))
            out["tags_after_delete"] = code_of(lambda: s3.get_bucket_tagging(Bucket=b))
            print(json.dumps(out, sort_keys=True, separators=(",", ":")))
            """);

        Assert.Equal("404 NoSuchLifecycleConfiguration", result.GetProperty("none").GetString());
        Assert.Equal("ok", result.GetProperty("put").GetString());
        Assert.Equal(
            """[{"Expiration":{"Days":30},"Filter":{"Prefix":"logs/"},"ID":"logs","NoncurrentVersionExpiration":{"NewerNoncurrentVersions":2,"NoncurrentDays":7},"Status":"Enabled"},"""
            + """{"Expiration":{"Date":"2027-01-01T00:00:00+00:00"},"Filter":{"And":{"ObjectSizeGreaterThan":10,"Prefix":"tmp/","Tags":[{"Key":"class","Value":"temp"}]}},"ID":"tagged","Status":"Disabled"},"""
            + """{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":3},"Expiration":{"ExpiredObjectDeleteMarker":true},"Filter":{},"ID":"markers","Status":"Enabled"}]""",
            result.GetProperty("got").GetRawText());
        Assert.Equal("400 InvalidArgument", result.GetProperty("zero_days").GetString());
        Assert.Equal("400 InvalidArgument", result.GetProperty("not_midnight").GetString());
        Assert.Equal("400 InvalidRequest", result.GetProperty("no_action").GetString());
        Assert.Equal("501 NotImplemented", result.GetProperty("transition").GetString());
        Assert.Equal("400 InvalidArgument", result.GetProperty("duplicate_ids").GetString());
        Assert.Equal("""["logs","tagged","markers"]""", result.GetProperty("still").GetRawText());
        Assert.Equal("404 NoSuchBucket", result.GetProperty("no_bucket").GetString());
        Assert.Equal("ok", result.GetProperty("delete").GetString());
        Assert.Equal("404 NoSuchLifecycleConfiguration", result.GetProperty("after_delete").GetString());
        Assert.Equal("ok", result.GetProperty("delete_again").GetString());

        Assert.Equal("404 NoSuchTagSet", result.GetProperty("no_tags").GetString());
        const string tags = """[{"Key":"team","Value":"storage"},{"Key":"cost centre","Value":""}]""";
        Assert.Equal(tags, result.GetProperty("tags").GetRawText());
        Assert.Equal("400 InvalidTag", result.GetProperty("system_tag").GetString());
        Assert.Equal("400 InvalidTag", result.GetProperty("same_key").GetString());
        Assert.Equal("400 InvalidTag", result.GetProperty("long_key").GetString());
        Assert.Equal(tags, result.GetProperty("tags_still").GetRawText());
        Assert.Equal("ok", result.GetProperty("delete_tags").GetString());
        Assert.Equal("404 NoSuchTagSet", result.GetProperty("tags_after_delete").GetString());

        await ObjectTagsAsync();
    }

    /// <summary>Object tags on the same API process (one start for the class): PUT, copy, multipart, versions, and a policy's tag condition.</summary>
    private async Task ObjectTagsAsync()
    {
        var result = await Boto3.RunAsync(_api, _work, """
            out = {}
            b = "objtags"
            s3.create_bucket(Bucket=b)
            def tags(key, **kw):
                return sorted("%s=%s" % (t["Key"], t["Value"]) for t in s3.get_object_tagging(Bucket=b, Key=key, **kw)["TagSet"])
            s3.put_object(Bucket=b, Key="t", Body=b"x", Tagging="class=temp&team=a%20b")
            out["on_put"] = tags("t")
            out["count"] = s3.get_object(Bucket=b, Key="t").get("TagCount")
            out["put_tagging"] = code_of(lambda: s3.put_object_tagging(Bucket=b, Key="t", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]}))
            out["after_put"] = tags("t")
            out["eleven"] = code_of(lambda: s3.put_object_tagging(Bucket=b, Key="t",
                Tagging={"TagSet": [{"Key": "k%d" % i, "Value": "v"} for i in range(11)]}))
            out["bad_header"] = code_of(lambda: s3.put_object(Bucket=b, Key="t", Body=b"y", Tagging="aws:x=1"))
            out["after_bad"] = tags("t")
            out["body_after_bad"] = s3.get_object(Bucket=b, Key="t")["Body"].read().decode()
            out["missing"] = code_of(lambda: s3.get_object_tagging(Bucket=b, Key="missing"))
            s3.copy_object(Bucket=b, Key="copied", CopySource={"Bucket": b, "Key": "t"})
            out["copied"] = tags("copied")
            s3.copy_object(Bucket=b, Key="replaced", CopySource={"Bucket": b, "Key": "t"}, TaggingDirective="REPLACE", Tagging="n=1")
            out["replaced"] = tags("replaced")
            up = s3.create_multipart_upload(Bucket=b, Key="mp", Tagging="mp=1")["UploadId"]
            etag = s3.upload_part(Bucket=b, Key="mp", UploadId=up, PartNumber=1, Body=b"parts")["ETag"]
            s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=up, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
            out["multipart"] = tags("mp")
            out["delete_tagging"] = code_of(lambda: s3.delete_object_tagging(Bucket=b, Key="t"))
            out["after_delete"] = tags("t")

            s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
            v1 = s3.put_object(Bucket=b, Key="v", Body=b"1", Tagging="v=1")["VersionId"]
            v2 = s3.put_object(Bucket=b, Key="v", Body=b"2", Tagging="v=2")["VersionId"]
            s3.put_object_tagging(Bucket=b, Key="v", VersionId=v1, Tagging={"TagSet": [{"Key": "v", "Value": "one"}]})
            out["versions"] = [tags("v", VersionId=v1), tags("v", VersionId=v2), tags("v")]

            # A bucket policy's tag condition: objects tagged class=secret are refused to everyone, the owner too.
            s3.put_bucket_policy(Bucket=b, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*",
                "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/*" % b, "Condition": {"StringEquals": {"s3:ExistingObjectTag/class": "secret"}}}]}))
            s3.put_object(Bucket=b, Key="secret", Body=b"s", Tagging="class=secret")
            out["secret_get"] = code_of(lambda: s3.get_object(Bucket=b, Key="secret"))
            out["plain_get"] = code_of(lambda: s3.get_object(Bucket=b, Key="copied"))
            s3.put_object_tagging(Bucket=b, Key="secret", Tagging={"TagSet": [{"Key": "class", "Value": "open"}]})
            out["opened_get"] = code_of(lambda: s3.get_object(Bucket=b, Key="secret"))
            print(json.dumps(out, sort_keys=True, separators=(",", ":")))
            """);

        Assert.Equal("""["class=temp","team=a b"]""", result.GetProperty("on_put").GetRawText());
        Assert.Equal(2, result.GetProperty("count").GetInt32());
        Assert.Equal("ok", result.GetProperty("put_tagging").GetString());
        Assert.Equal("""["k=v"]""", result.GetProperty("after_put").GetRawText());
        Assert.Equal("400 InvalidTag", result.GetProperty("eleven").GetString());
        Assert.Equal("400 InvalidTag", result.GetProperty("bad_header").GetString());
        Assert.Equal("""["k=v"]""", result.GetProperty("after_bad").GetRawText());
        Assert.Equal("x", result.GetProperty("body_after_bad").GetString());
        Assert.Equal("404 NoSuchKey", result.GetProperty("missing").GetString());
        Assert.Equal("""["k=v"]""", result.GetProperty("copied").GetRawText());
        Assert.Equal("""["n=1"]""", result.GetProperty("replaced").GetRawText());
        Assert.Equal("""["mp=1"]""", result.GetProperty("multipart").GetRawText());
        Assert.Equal("ok", result.GetProperty("delete_tagging").GetString());
        Assert.Equal("[]", result.GetProperty("after_delete").GetRawText());
        Assert.Equal("""[["v=one"],["v=2"],["v=2"]]""", result.GetProperty("versions").GetRawText());
        Assert.Equal("403 AccessDenied", result.GetProperty("secret_get").GetString());
        Assert.Equal("ok", result.GetProperty("plain_get").GetString());
        Assert.Equal("ok", result.GetProperty("opened_get").GetString());
    }
}
