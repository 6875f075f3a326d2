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
    public async Task Given_boto3_When_it_puts_gets_and_deletes_lifecycle_rules_and_bucket_tags_Then_S3s_answers_and_refusals_change_nothing()
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
    }
}
