using System.Text.Json;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.S3;

/// <summary>Issue 16 item 1 with boto3 against the API as its own process: versioning, version ids, delete markers, the null version, ListObjectVersions.</summary>
public sealed class S3VersioningTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("platform-versions-").FullName;
    private ApiProcess _api = null!;

    public async Task InitializeAsync() => _api = await ApiProcess.StartAsync(Path.Combine(_work, "data"));

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Given_a_bucket_with_versioning_enabled_then_suspended_When_boto3_writes_deletes_and_lists_Then_every_version_is_kept_as_S3_keeps_it()
    {
        var result = await Boto3.RunAsync(_api, _work, """
            out = {}
            b = "versioned"
            s3.create_bucket(Bucket=b)
            out["status_new"] = s3.get_bucket_versioning(Bucket=b).get("Status")
            out["bad_status"] = code_of(lambda: s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Off"}))
            out["status_after_bad"] = s3.get_bucket_versioning(Bucket=b).get("Status")
            # Written before versioning: the null version.
            before = s3.put_object(Bucket=b, Key="k", Body=b"zero")
            out["id_before"] = before.get("VersionId")
            s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
            out["status_enabled"] = s3.get_bucket_versioning(Bucket=b).get("Status")
            v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
            v2 = s3.put_object(Bucket=b, Key="k", Body=b"two")["VersionId"]
            out["ids_distinct"] = len({v1, v2}) == 2 and "null" not in (v1, v2)
            out["get_current"] = s3.get_object(Bucket=b, Key="k")["Body"].read().decode()
            out["get_current_id"] = s3.get_object(Bucket=b, Key="k")["VersionId"] == v2
            out["get_v1"] = s3.get_object(Bucket=b, Key="k", VersionId=v1)["Body"].read().decode()
            out["get_null"] = s3.get_object(Bucket=b, Key="k", VersionId="null")["Body"].read().decode()
            out["head_v1_id"] = s3.head_object(Bucket=b, Key="k", VersionId=v1)["VersionId"] == v1
            out["no_such_version"] = code_of(lambda: s3.get_object(Bucket=b, Key="k", VersionId="A" * 32))
            out["malformed_version"] = code_of(lambda: s3.get_object(Bucket=b, Key="k", VersionId="not+an+id"))

            # A copy of an old version makes a new version.
            copied = s3.copy_object(Bucket=b, Key="copy", CopySource={"Bucket": b, "Key": "k", "VersionId": v1})
            out["copy_source_id"] = copied.get("CopySourceVersionId") == v1
            out["copy_has_id"] = bool(copied.get("VersionId"))
            out["copy_body"] = s3.get_object(Bucket=b, Key="copy")["Body"].read().decode()

            # Multipart completion makes a version.
            up = s3.create_multipart_upload(Bucket=b, Key="mp")["UploadId"]
            etag = s3.upload_part(Bucket=b, Key="mp", UploadId=up, PartNumber=1, Body=b"parts")["ETag"]
            done = s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=up, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
            out["mp_has_id"] = bool(done.get("VersionId"))

            # DELETE without a version id: a delete marker; the key is gone from listings and GET, every version kept.
            marker = s3.delete_object(Bucket=b, Key="k")
            out["marker_flag"] = marker.get("DeleteMarker")
            mid = marker["VersionId"]
            try:
                s3.get_object(Bucket=b, Key="k")
                out["get_deleted"] = "ok"
            except ClientError as e:
                h = e.response["ResponseMetadata"]["HTTPHeaders"]
                out["get_deleted"] = "%s %s %s %s" % (e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"],
                    h.get("x-amz-delete-marker"), h.get("x-amz-version-id") == mid)
            out["get_marker_by_id"] = code_of(lambda: s3.get_object(Bucket=b, Key="k", VersionId=mid))
            out["listed_v2"] = [o["Key"] for o in s3.list_objects_v2(Bucket=b).get("Contents", [])]
            out["listed_v1"] = [o["Key"] for o in s3.list_objects(Bucket=b).get("Contents", [])]
            out["get_v2_still"] = s3.get_object(Bucket=b, Key="k", VersionId=v2)["Body"].read().decode()
            out["delete_bucket"] = code_of(lambda: s3.delete_bucket(Bucket=b))

            listing = s3.list_object_versions(Bucket=b, Prefix="k")
            names = {v1: "v1", v2: "v2", "null": "null"}
            out["versions"] = [[v["Key"], names.get(v["VersionId"], "?"), v["IsLatest"], v["Size"]] for v in listing["Versions"]]
            out["markers"] = [[m["Key"], m["VersionId"] == mid, m["IsLatest"]] for m in listing["DeleteMarkers"]]

            # Removing the marker by id brings v2 back as current.
            removed = s3.delete_object(Bucket=b, Key="k", VersionId=mid)
            out["removed_marker"] = [removed.get("DeleteMarker"), removed.get("VersionId") == mid]
            out["after_unmark"] = s3.get_object(Bucket=b, Key="k")["Body"].read().decode()
            # Deleting the current version for good promotes the one before it.
            s3.delete_object(Bucket=b, Key="k", VersionId=v2)
            out["after_v2_gone"] = s3.get_object(Bucket=b, Key="k")["Body"].read().decode()
            out["v2_gone"] = code_of(lambda: s3.get_object(Bucket=b, Key="k", VersionId=v2))

            # Suspended: new writes are the null version, replacing the kept null version.
            s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
            out["status_suspended"] = s3.get_bucket_versioning(Bucket=b).get("Status")
            s3.put_object(Bucket=b, Key="k", Body=b"suspended")
            ids = [v["VersionId"] for v in s3.list_object_versions(Bucket=b, Prefix="k")["Versions"]]
            out["suspended_ids"] = ["null" if i == "null" else ("v1" if i == v1 else i) for i in ids]
            out["null_now"] = s3.get_object(Bucket=b, Key="k", VersionId="null")["Body"].read().decode()

            # DeleteObjects with version ids (one malformed), and without (a marker in a suspended bucket is the null version).
            res = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "k", "VersionId": v1}, {"Key": "copy"}, {"Key": "mp", "VersionId": "bad"}]})
            out["multi_deleted"] = sorted([d["Key"], d.get("VersionId") == v1 if d.get("VersionId") else None, d.get("DeleteMarker", False),
                                           d.get("DeleteMarkerVersionId")] for d in res.get("Deleted", []))
            out["multi_errors"] = [[e["Key"], e.get("VersionId"), e["Code"]] for e in res.get("Errors", [])]

            # A paginator walks every version and marker, two at a time.
            pages = s3.get_paginator("list_object_versions").paginate(Bucket=b, PaginationConfig={"PageSize": 2})
            walked = []
            for page in pages:
                walked += [(v["Key"], v["VersionId"]) for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            whole = s3.list_object_versions(Bucket=b)
            out["paged_equals_whole"] = sorted(walked) == sorted((v["Key"], v["VersionId"]) for v in whole.get("Versions", []) + whole.get("DeleteMarkers", []))
            out["paged_count"] = len(walked)

            # Emptying every version empties the bucket.
            for v in whole.get("Versions", []) + whole.get("DeleteMarkers", []):
                s3.delete_object(Bucket=b, Key=v["Key"], VersionId=v["VersionId"])
            out["left"] = len(s3.list_object_versions(Bucket=b).get("Versions", []))
            out["delete_bucket_empty"] = code_of(lambda: s3.delete_bucket(Bucket=b))
            print(json.dumps(out, separators=(",", ":")))
            """);

        var text = result.GetRawText();
        Assert.False(result.TryGetProperty("status_new", out var none) && none.ValueKind != JsonValueKind.Null, text);
        Assert.Equal("400 MalformedXML", result.GetProperty("bad_status").GetString());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("status_after_bad").ValueKind);
        Assert.Equal(JsonValueKind.Null, result.GetProperty("id_before").ValueKind);
        Assert.Equal("Enabled", result.GetProperty("status_enabled").GetString());
        Assert.True(result.GetProperty("ids_distinct").GetBoolean(), text);
        Assert.Equal("two", result.GetProperty("get_current").GetString());
        Assert.True(result.GetProperty("get_current_id").GetBoolean(), text);
        Assert.Equal("one", result.GetProperty("get_v1").GetString());
        Assert.Equal("zero", result.GetProperty("get_null").GetString());
        Assert.True(result.GetProperty("head_v1_id").GetBoolean(), text);
        Assert.Equal("404 NoSuchVersion", result.GetProperty("no_such_version").GetString());
        Assert.Equal("400 InvalidArgument", result.GetProperty("malformed_version").GetString());
        Assert.True(result.GetProperty("copy_source_id").GetBoolean(), text);
        Assert.True(result.GetProperty("copy_has_id").GetBoolean(), text);
        Assert.Equal("one", result.GetProperty("copy_body").GetString());
        Assert.True(result.GetProperty("mp_has_id").GetBoolean(), text);
        Assert.True(result.GetProperty("marker_flag").GetBoolean(), text);
        Assert.Equal("404 NoSuchKey true True", result.GetProperty("get_deleted").GetString());
        Assert.Equal("405 MethodNotAllowed", result.GetProperty("get_marker_by_id").GetString());
        Assert.Equal(["copy", "mp"], Strings(result.GetProperty("listed_v2")));
        Assert.Equal(["copy", "mp"], Strings(result.GetProperty("listed_v1")));
        Assert.Equal("two", result.GetProperty("get_v2_still").GetString());
        Assert.Equal("409 BucketNotEmpty", result.GetProperty("delete_bucket").GetString());
        Assert.Equal("""[["k","v2",false,3],["k","v1",false,3],["k","null",false,4]]""", result.GetProperty("versions").GetRawText());
        Assert.Equal("""[["k",true,true]]""", result.GetProperty("markers").GetRawText());
        Assert.Equal("[true,true]", result.GetProperty("removed_marker").GetRawText());
        Assert.Equal("two", result.GetProperty("after_unmark").GetString());
        Assert.Equal("one", result.GetProperty("after_v2_gone").GetString());
        Assert.Equal("404 NoSuchVersion", result.GetProperty("v2_gone").GetString());
        Assert.Equal("Suspended", result.GetProperty("status_suspended").GetString());
        // The new null version is current; v1 kept; the old null version ("zero") replaced, not kept twice.
        Assert.Equal("""["null","v1"]""", result.GetProperty("suspended_ids").GetRawText());
        Assert.Equal("suspended", result.GetProperty("null_now").GetString());
        Assert.Equal("""[["copy",null,true,"null"],["k",true,false,null]]""", result.GetProperty("multi_deleted").GetRawText());
        Assert.Equal("""[["mp","bad","InvalidArgument"]]""", result.GetProperty("multi_errors").GetRawText());
        Assert.True(result.GetProperty("paged_equals_whole").GetBoolean(), text);
        // k: null; copy: its version and the null marker; mp: its version.
        Assert.Equal(4, result.GetProperty("paged_count").GetInt32());
        Assert.Equal(0, result.GetProperty("left").GetInt32());
        Assert.Equal("ok", result.GetProperty("delete_bucket_empty").GetString());
    }

    [Fact]
    public async Task Given_a_bucket_made_with_object_lock_by_boto3_When_it_writes_holds_and_deletes_Then_locks_hold_as_on_S3()
    {
        var result = await Boto3.RunAsync(_api, _work, """
            import base64, hashlib
            from datetime import datetime, timedelta, timezone
            out = {}
            b = "boto-lock"
            s3.create_bucket(Bucket=b, ObjectLockEnabledForBucket=True)
            out["versioning"] = s3.get_bucket_versioning(Bucket=b).get("Status")
            out["suspend"] = code_of(lambda: s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"}))
            s3.put_object_lock_configuration(Bucket=b, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Years": 1}}})
            rule = s3.get_object_lock_configuration(Bucket=b)["ObjectLockConfiguration"]
            out["config"] = [rule["ObjectLockEnabled"], rule["Rule"]["DefaultRetention"]["Mode"], rule["Rule"]["DefaultRetention"]["Years"]]
            v = s3.put_object(Bucket=b, Key="k", Body=b"locked")["VersionId"]
            head = s3.head_object(Bucket=b, Key="k")
            days = (head["ObjectLockRetainUntilDate"] - datetime.now(timezone.utc)).days
            out["head"] = [head.get("ObjectLockMode"), 364 <= days <= 366]
            out["delete_version"] = code_of(lambda: s3.delete_object(Bucket=b, Key="k", VersionId=v))
            s3.put_object_legal_hold(Bucket=b, Key="k", VersionId=v, LegalHold={"Status": "ON"})
            out["hold"] = s3.get_object_legal_hold(Bucket=b, Key="k", VersionId=v)["LegalHold"]["Status"]
            out["bypass_while_held"] = code_of(lambda: s3.delete_object(Bucket=b, Key="k", VersionId=v, BypassGovernanceRetention=True))
            s3.put_object_legal_hold(Bucket=b, Key="k", VersionId=v, LegalHold={"Status": "OFF"})
            out["retention_shorter"] = code_of(lambda: s3.put_object_retention(Bucket=b, Key="k", VersionId=v,
                Retention={"Mode": "GOVERNANCE", "RetainUntilDate": datetime.now(timezone.utc) + timedelta(days=1)}))
            out["bypass"] = code_of(lambda: s3.delete_object(Bucket=b, Key="k", VersionId=v, BypassGovernanceRetention=True))
            out["left"] = len(s3.list_object_versions(Bucket=b).get("Versions", []))

            # A client that sends no checksum of its own (as SDKs before 2025): a locked write needs Content-MD5 or one.
            bare = boto3.client("s3", endpoint_url=os.environ["PLATFORM_S3"], region_name="us-east-1",
                                aws_access_key_id=os.environ["PLATFORM_KEY"], aws_secret_access_key=os.environ["PLATFORM_SECRET"],
                                config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                                              request_checksum_calculation="when_required"))
            out["no_digest"] = code_of(lambda: bare.put_object(Bucket=b, Key="bare", Body=b"x"))
            out["no_digest_left"] = len(s3.list_object_versions(Bucket=b, Prefix="bare").get("Versions", []))
            md5 = base64.b64encode(hashlib.md5(b"x").digest()).decode()
            out["with_md5"] = code_of(lambda: bare.put_object(Bucket=b, Key="bare", Body=b"x", ContentMD5=md5))
            print(json.dumps(out, separators=(",", ":")))
            """);

        Assert.Equal("Enabled", result.GetProperty("versioning").GetString());
        Assert.Equal("409 InvalidBucketState", result.GetProperty("suspend").GetString());
        Assert.Equal("""["Enabled","GOVERNANCE",1]""", result.GetProperty("config").GetRawText());
        Assert.Equal("""["GOVERNANCE",true]""", result.GetProperty("head").GetRawText());
        Assert.Equal("403 AccessDenied", result.GetProperty("delete_version").GetString());
        Assert.Equal("ON", result.GetProperty("hold").GetString());
        Assert.Equal("403 AccessDenied", result.GetProperty("bypass_while_held").GetString());
        Assert.Equal("403 AccessDenied", result.GetProperty("retention_shorter").GetString());
        Assert.Equal("ok", result.GetProperty("bypass").GetString());
        Assert.Equal(0, result.GetProperty("left").GetInt32());
        Assert.Equal("400 InvalidRequest", result.GetProperty("no_digest").GetString());
        Assert.Equal(0, result.GetProperty("no_digest_left").GetInt32());
        Assert.Equal("ok", result.GetProperty("with_md5").GetString());
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
