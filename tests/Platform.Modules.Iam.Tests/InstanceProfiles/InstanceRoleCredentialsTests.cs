using System.Security.Cryptography;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Modules.Iam.Authentication;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Iam.InstanceProfiles;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Security;

namespace Platform.Modules.Iam.Tests.InstanceProfiles;

/// <summary>
/// An instance's role credentials (the IAM half of the metadata service's iam/security-credentials) against the module's
/// real database: a session of the profile's role named after the instance, only when the role's trust policy allows the
/// service principal ec2.amazonaws.com; otherwise AWS's codes and no session.
/// </summary>
public sealed class InstanceRoleCredentialsTests : IAsyncLifetime
{
    private const string Account = "123456789012";
    private static readonly DateTime Now = new(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc);

    private readonly string _directory = Directory.CreateTempSubdirectory("iam-instance-role-test-").FullName;
    private readonly AesGcmSecretProtector _protector = new(Options.Create(new PlatformOptions { MasterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }));
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Platform:DataDirectory"] = _directory,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IBackgroundJobClient, NoJobs>();
        services.AddIamModule(configuration);
        _services = services.BuildServiceProvider();
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IamDbContext>();
        await db.Database.MigrateAsync();
        AddRole(db, "AROAEC2", "ec2-role", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}""", 3600);
        AddRole(db, "AROALONG", "long-role", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","ec2.amazonaws.com"]},"Action":"sts:AssumeRole"}]}""", 43200);
        AddRole(db, "AROAACCT", "account-role", $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"{{Account}}"},"Action":"sts:AssumeRole"}]}""", 3600);
        AddRole(db, "AROALAMBDA", "lambda-role", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}""", 3600);
        AddProfile(db, "AIPAEC2", "ec2-profile", "AROAEC2");
        AddProfile(db, "AIPALONG", "long-profile", "AROALONG");
        AddProfile(db, "AIPAACCT", "account-profile", "AROAACCT");
        AddProfile(db, "AIPALAMBDA", "lambda-profile", "AROALAMBDA");
        AddProfile(db, "AIPAEMPTY", "empty-profile", null);
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Given_a_role_that_trusts_EC2_Then_the_instance_gets_a_session_of_it_named_after_the_instance()
    {
        var credentials = await IssueAsync("ec2-profile", "i-0123456789abcdef0");
        Assert.Equal((InstanceRoleCredentials.Success, "ec2-role"), (credentials.Code, credentials.RoleName));
        Assert.StartsWith("ASIA", credentials.AccessKeyId, StringComparison.Ordinal);
        Assert.Equal(Now.AddHours(1), credentials.Expiration);
        Assert.Equal(Now, credentials.LastUpdated);

        await using var scope = _services.CreateAsyncScope();
        var identity = await new AccessKeyAuthenticator(_protector, new FixedClock(Now))
            .ResolveAsync(scope.ServiceProvider.GetRequiredService<IamDbContext>(), credentials.AccessKeyId!, CancellationToken.None);
        Assert.Equal($"arn:aws:sts::{Account}:assumed-role/ec2-role/i-0123456789abcdef0", identity!.PrincipalArn);
        Assert.Equal("ec2-role", identity.Role!.RoleName);

        // Six hours at most, whatever longer the role allows.
        Assert.Equal(Now.AddHours(6), (await IssueAsync("long-profile", "i-0123456789abcdef1")).Expiration);
    }

    [Theory]
    [InlineData("account-profile", InstanceRoleCredentials.AssumeRoleUnauthorizedAccess)]
    [InlineData("lambda-profile", InstanceRoleCredentials.AssumeRoleUnauthorizedAccess)]
    [InlineData("empty-profile", InstanceRoleCredentials.InstanceProfileNotFound)]
    [InlineData("missing-profile", InstanceRoleCredentials.InstanceProfileNotFound)]
    public async Task Given_a_role_EC2_may_not_assume_or_no_role_Then_its_code_and_no_session(string profile, string code)
    {
        var credentials = await IssueAsync(profile, "i-0123456789abcdef2");
        Assert.Equal(code, credentials.Code);
        Assert.Null(credentials.AccessKeyId);
        Assert.Null(credentials.Token);
        await using var scope = _services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<IamDbContext>().SessionCredentials.AnyAsync(s => s.SessionName == "i-0123456789abcdef2"));
    }

    [Fact]
    public async Task Given_another_accounts_profile_ARN_Then_InstanceProfileNotFound()
    {
        await using var scope = _services.CreateAsyncScope();
        var handler = new IssueInstanceRoleCredentialsHandler(scope.ServiceProvider.GetRequiredService<IamDbContext>(), _protector, new FixedClock(Now));
        var credentials = await handler.Handle(new IssueInstanceRoleCredentials("210987654321", $"arn:aws:iam::{Account}:instance-profile/ec2-profile", "i-0123456789abcdef3"),
            CancellationToken.None);
        Assert.Equal(InstanceRoleCredentials.InstanceProfileNotFound, credentials.Code);
    }

    private async Task<InstanceRoleCredentials> IssueAsync(string profileName, string instanceId)
    {
        await using var scope = _services.CreateAsyncScope();
        var handler = new IssueInstanceRoleCredentialsHandler(scope.ServiceProvider.GetRequiredService<IamDbContext>(), _protector, new FixedClock(Now));
        return await handler.Handle(new IssueInstanceRoleCredentials(Account, $"arn:aws:iam::{Account}:instance-profile/{profileName}", instanceId), CancellationToken.None);
    }

    private static void AddRole(IamDbContext db, string id, string name, string trust, int maxSessionDuration) => db.Roles.Add(new Role
    {
        Id = id, AccountId = Account, RoleName = name, NormalizedName = name, Path = "/", AssumeRolePolicy = trust, MaxSessionDuration = maxSessionDuration,
        Tags = "[]", CreatedAt = Now,
    });

    private static void AddProfile(IamDbContext db, string id, string name, string? roleId) => db.InstanceProfiles.Add(new InstanceProfile
    {
        Id = id, AccountId = Account, Name = name, NormalizedName = name, Path = "/", RoleId = roleId, CreatedAt = Now,
    });

    private sealed class FixedClock(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(now);
    }

    private sealed class NoJobs : IBackgroundJobClient
    {
        public string Create(Job job, IState state) => throw new InvalidOperationException("Nothing here enqueues jobs.");

        public bool ChangeState(string jobId, IState state, string expectedState) => false;
    }
}
