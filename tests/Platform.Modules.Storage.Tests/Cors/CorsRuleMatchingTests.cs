using System.Xml.Linq;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Storage.Buckets;
using Platform.Modules.Storage.Cors;

namespace Platform.Modules.Storage.Tests.Cors;

/// <summary>S3's CORS matching (one '*' in an origin or header) and its judgement of a public bucket policy.</summary>
public sealed class CorsRuleMatchingTests
{
    [Theory]
    [InlineData("*", "https://anything.test", true)]
    [InlineData("https://*.example.com", "https://app.example.com", true)]
    [InlineData("https://*.example.com", "https://a.b.example.com", true)]
    [InlineData("https://*.example.com", "https://example.com", false)]
    [InlineData("https://*.example.com", "http://app.example.com", false)]
    [InlineData("https://app.example.com", "https://app.example.com", true)]
    [InlineData("https://app.example.com", "https://APP.example.com", false)]
    [InlineData("https://app.example.com*", "https://app.example.com:8443", true)]
    public void Given_an_allowed_origin_Then_it_matches_as_S3_matches_it(string pattern, string origin, bool matches) =>
        Assert.Equal(matches, CorsConfiguration.WildcardMatch(pattern, origin, StringComparison.Ordinal));

    [Fact]
    public void Given_rules_Then_the_first_allowing_origin_method_and_every_header_is_chosen()
    {
        var configuration = CorsConfiguration.Parse(XElement.Parse("""
            <CORSConfiguration>
              <CORSRule><ID>one</ID><AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedHeader>x-amz-meta-*</AllowedHeader></CORSRule>
              <CORSRule><ID>two</ID><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader></CORSRule>
            </CORSConfiguration>
            """));
        Assert.Equal("one", configuration.Match("https://a.example.com", "PUT", ["X-Amz-Meta-Owner"])?.Id);
        Assert.Null(configuration.Match("https://a.example.com", "PUT", ["x-amz-meta-owner", "content-type"]));
        Assert.Equal("two", configuration.Match("https://a.example.com", "GET", ["anything"])?.Id);
        Assert.Null(configuration.Match("https://a.example.com", "DELETE", []));
        // As kept (JSON) it matches the same.
        var kept = CorsConfiguration.FromJson(configuration.ToJson())!;
        Assert.Equal("one", kept.Match("https://a.example.com", "PUT", ["x-amz-meta-owner"])?.Id);
        Assert.Equal("two", kept.Match("http://other.test", "GET", [])?.Id);
    }

    [Theory]
    [InlineData("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>get</AllowedMethod></CORSRule></CORSConfiguration>", "InvalidRequest")]
    [InlineData("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>-1</MaxAgeSeconds></CORSRule></CORSConfiguration>", "MalformedXML")]
    [InlineData("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><Other/></CORSRule></CORSConfiguration>", "MalformedXML")]
    [InlineData("<Other><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></Other>", "MalformedXML")]
    public void Given_a_bad_configuration_Then_S3s_error(string xml, string code) =>
        Assert.Equal(code, Assert.Throws<ApiException>(() => CorsConfiguration.Parse(XElement.Parse(xml))).Code);

    [Theory]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}""", true)]
    [InlineData("""{"Statement":{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:root","*"]},"Action":"s3:*","Resource":"*"}}""", true)]
    [InlineData("""{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}""", false)]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"s3:*","Resource":"*"}]}""", false)]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}""", false)]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}}]}""", true)]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:SourceAccount":"111111111111"}}}]}""", true)]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"111111111111"}}}]}""", false)]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:root"}}}]}""", true)]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"home/"}}}]}""", true)]
    public void Given_a_bucket_policy_Then_it_is_public_as_S3_judges_it(string policy, bool isPublic) =>
        Assert.Equal(isPublic, PublicPolicy.IsPublic(policy));

    [Theory]
    [InlineData("<PublicAccessBlockConfiguration><BlockPublicPolicy>TRUE</BlockPublicPolicy></PublicAccessBlockConfiguration>", false, true)]
    [InlineData("<PublicAccessBlockConfiguration/>", false, false)]
    [InlineData("<PublicAccessBlockConfiguration><RestrictPublicBuckets>true</RestrictPublicBuckets><BlockPublicPolicy>false</BlockPublicPolicy></PublicAccessBlockConfiguration>", true, false)]
    public void Given_a_public_access_block_body_Then_its_settings(string xml, bool restrict, bool blockPolicy)
    {
        var block = PublicAccessBlock.Parse(XElement.Parse(xml));
        Assert.Equal((restrict, blockPolicy), (block.RestrictPublicBuckets, block.BlockPublicPolicy));
        Assert.Equal(block, PublicAccessBlock.FromJson(block.ToJson()));
    }

    [Theory]
    [InlineData("<PublicAccessBlockConfiguration><BlockPublicPolicy>yes</BlockPublicPolicy></PublicAccessBlockConfiguration>")]
    [InlineData("<PublicAccessBlockConfiguration><Other>true</Other></PublicAccessBlockConfiguration>")]
    [InlineData("<Other/>")]
    public void Given_a_bad_public_access_block_body_Then_MalformedXML(string xml) =>
        Assert.Equal("MalformedXML", Assert.Throws<ApiException>(() => PublicAccessBlock.Parse(XElement.Parse(xml))).Code);
}
