using System.Net;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Iam;

/// <summary>Instance profiles on the native API: one role each, holding their role against deletion, and the account's own.</summary>
public sealed class InstanceProfileTests : IDisposable
{
    private readonly PlatformApp _app = new(runJobs: false);

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Given_a_profile_holding_a_role_When_either_is_deleted_Then_DeleteConflict_until_the_role_is_removed()
    {
        var root = _app.RootCredentials;
        using var admin = _app.SignedClient(root, "iam");
        var trust = IamSetup.Document(new { Effect = "Allow", Principal = new { AWS = root.AccountId }, Action = "sts:AssumeRole" });
        await (await admin.PostJsonAsync("/api/v1/iam/roles", new { role_name = "web", assume_role_policy_document = trust })).AssertOkAsync();
        await (await admin.PostJsonAsync("/api/v1/iam/roles", new { role_name = "other", assume_role_policy_document = trust })).AssertOkAsync();

        var profile = await (await admin.PostJsonAsync("/api/v1/iam/instance-profiles", new { instance_profile_name = "web-profile" })).AssertOkAsync();
        Assert.Equal($"arn:aws:iam::{root.AccountId}:instance-profile/web-profile", profile.GetProperty("arn").GetString());
        Assert.StartsWith("AIPA", profile.GetProperty("instance_profile_id").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostJsonAsync("/api/v1/iam/instance-profiles", new { instance_profile_name = "WEB-profile" })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsync("/api/v1/iam/instance-profiles/web-profile/roles/web", null)).StatusCode);
        // One role per profile, as on AWS.
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PutAsync("/api/v1/iam/instance-profiles/web-profile/roles/other", null)).StatusCode);
        var read = await (await admin.GetAsync("/api/v1/iam/instance-profiles/web-profile")).AssertOkAsync();
        Assert.Equal("web", Assert.Single(read.GetProperty("roles").EnumerateArray()).GetProperty("role_name").GetString());

        Assert.Equal(HttpStatusCode.Conflict, (await admin.DeleteAsync("/api/v1/iam/roles/web")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.DeleteAsync("/api/v1/iam/instance-profiles/web-profile")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync("/api/v1/iam/instance-profiles/web-profile/roles/other")).StatusCode);

        // Another account sees no profile of this one.
        var tenant = await admin.CreateAccountAsync("profiles-tenant");
        using (var other = _app.SignedClient(tenant, "iam"))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync("/api/v1/iam/instance-profiles/web-profile")).StatusCode);
            var list = await (await other.GetAsync("/api/v1/iam/instance-profiles")).AssertOkAsync();
            Assert.Empty(list.GetProperty("instance_profiles").EnumerateArray());
        }

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/v1/iam/instance-profiles/web-profile/roles/web")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/v1/iam/roles/web")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/v1/iam/instance-profiles/web-profile")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/v1/iam/instance-profiles/web-profile")).StatusCode);
    }
}
