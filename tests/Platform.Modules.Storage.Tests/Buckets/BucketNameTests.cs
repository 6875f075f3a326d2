using Platform.Modules.Shared.Errors;
using Platform.Modules.Storage.Buckets;

namespace Platform.Modules.Storage.Tests.Buckets;

public sealed class BucketNameTests
{
    [Theory]
    [InlineData("abc")]
    [InlineData("my-bucket")]
    [InlineData("my.bucket.name")]
    [InlineData("bucket-2026")]
    [InlineData("0bucket9")]
    [InlineData("a23456789012345678901234567890123456789012345678901234567890123")]
    [InlineData("192.168.5")]
    public void Given_a_name_S3_accepts_Then_it_is_valid(string name) => Assert.True(BucketName.IsValid(name), name);

    [Theory]
    [InlineData("ab")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    [InlineData("MyBucket")]
    [InlineData("my_bucket")]
    [InlineData("-bucket")]
    [InlineData("bucket-")]
    [InlineData(".bucket")]
    [InlineData("my..bucket")]
    [InlineData("192.168.5.4")]
    [InlineData("xn--bucket")]
    [InlineData("sthree-bucket")]
    [InlineData("amzn-s3-demo-bucket")]
    [InlineData("bucket-s3alias")]
    [InlineData("bucket--ol-s3")]
    [InlineData("bucket.mrap")]
    [InlineData("bucket--x-s3")]
    [InlineData("bucket--table-s3")]
    [InlineData("bücket")]
    [InlineData("my bucket")]
    public void Given_a_name_S3_refuses_Then_InvalidBucketName(string name)
    {
        Assert.False(BucketName.IsValid(name), name);
        var error = Assert.Throws<ApiException>(() => BucketName.Validate(name));
        Assert.Equal("InvalidBucketName", error.Code);
        Assert.Equal(400, error.StatusCode);
    }
}
