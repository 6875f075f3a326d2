using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Iam.Persistence;

internal class IamDbContext(DbContextOptions options) : ModuleDbContext(options)
{
    public const string SchemaName = "iam";

    public override string Schema => SchemaName;

    public DbSet<Account> Accounts => Set<Account>();

    public DbSet<User> Users => Set<User>();

    public DbSet<AccessKey> AccessKeys => Set<AccessKey>();

    public DbSet<ManagedPolicy> ManagedPolicies => Set<ManagedPolicy>();

    public DbSet<ManagedPolicyVersion> ManagedPolicyVersions => Set<ManagedPolicyVersion>();

    public DbSet<UserPolicyAttachment> UserPolicyAttachments => Set<UserPolicyAttachment>();

    public DbSet<InlinePolicy> InlinePolicies => Set<InlinePolicy>();

    public DbSet<Role> Roles => Set<Role>();

    public DbSet<RolePolicyAttachment> RolePolicyAttachments => Set<RolePolicyAttachment>();

    public DbSet<RoleInlinePolicy> RoleInlinePolicies => Set<RoleInlinePolicy>();

    public DbSet<SessionCredential> SessionCredentials => Set<SessionCredential>();

    public DbSet<InstanceProfile> InstanceProfiles => Set<InstanceProfile>();

    public DbSet<Group> Groups => Set<Group>();

    public DbSet<GroupMembership> GroupMemberships => Set<GroupMembership>();

    public DbSet<GroupPolicyAttachment> GroupPolicyAttachments => Set<GroupPolicyAttachment>();

    public DbSet<GroupInlinePolicy> GroupInlinePolicies => Set<GroupInlinePolicy>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Account>(account =>
        {
            account.ToTable("accounts");
            account.HasKey(a => a.Id);
            account.Property(a => a.Id).HasColumnName("id").HasMaxLength(12);
            account.Property(a => a.Name).HasColumnName("name").HasMaxLength(64);
            account.Property(a => a.IsManagement).HasColumnName("is_management");
            account.Property(a => a.CreatedAt).HasColumnName("created_at");
            account.HasIndex(a => a.Name).IsUnique();
        });

        modelBuilder.Entity<User>(user =>
        {
            user.ToTable("users");
            user.HasKey(u => u.Id);
            user.Property(u => u.Id).HasColumnName("id").HasMaxLength(32);
            user.Property(u => u.AccountId).HasColumnName("account_id").HasMaxLength(12);
            user.Property(u => u.UserName).HasColumnName("user_name").HasMaxLength(64);
            user.Property(u => u.NormalizedName).HasColumnName("normalized_name").HasMaxLength(64);
            user.Property(u => u.Path).HasColumnName("path").HasMaxLength(512);
            user.Property(u => u.Tags).HasColumnName("tags").HasDefaultValue("[]");
            user.Property(u => u.CreatedAt).HasColumnName("created_at");
            user.HasIndex(u => new { u.AccountId, u.NormalizedName }).IsUnique();
        });

        modelBuilder.Entity<AccessKey>(key =>
        {
            key.ToTable("access_keys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).HasColumnName("id").HasMaxLength(32);
            key.Property(k => k.AccountId).HasColumnName("account_id").HasMaxLength(12);
            key.Property(k => k.UserId).HasColumnName("user_id").HasMaxLength(32);
            key.Property(k => k.ProtectedSecret).HasColumnName("protected_secret").HasMaxLength(256);
            key.Property(k => k.Status).HasColumnName("status").HasMaxLength(16);
            key.Property(k => k.CreatedAt).HasColumnName("created_at");
            key.HasIndex(k => new { k.AccountId, k.UserId });
        });

        modelBuilder.Entity<ManagedPolicy>(policy =>
        {
            policy.ToTable("managed_policies");
            policy.HasKey(p => p.Id);
            policy.Property(p => p.Id).HasColumnName("id").HasMaxLength(32);
            policy.Property(p => p.AccountId).HasColumnName("account_id").HasMaxLength(12);
            policy.Property(p => p.PolicyName).HasColumnName("policy_name").HasMaxLength(128);
            policy.Property(p => p.NormalizedName).HasColumnName("normalized_name").HasMaxLength(128);
            policy.Property(p => p.Path).HasColumnName("path").HasMaxLength(512);
            policy.Property(p => p.Description).HasColumnName("description").HasMaxLength(1000);
            policy.Property(p => p.Document).HasColumnName("document");
            policy.Property(p => p.DefaultVersionId).HasColumnName("default_version_id").HasMaxLength(32).HasDefaultValue("v1");
            policy.Property(p => p.LastVersionNumber).HasColumnName("last_version_number").HasDefaultValue(1);
            policy.Property(p => p.Revision).HasColumnName("revision").IsConcurrencyToken();
            policy.Property(p => p.CreatedAt).HasColumnName("created_at");
            policy.Property(p => p.UpdatedAt).HasColumnName("updated_at");
            policy.HasIndex(p => new { p.AccountId, p.NormalizedName }).IsUnique();
        });

        modelBuilder.Entity<ManagedPolicyVersion>(version =>
        {
            version.ToTable("policy_versions");
            version.HasKey(v => new { v.PolicyId, v.VersionId });
            version.Property(v => v.PolicyId).HasColumnName("policy_id").HasMaxLength(32);
            version.Property(v => v.AccountId).HasColumnName("account_id").HasMaxLength(12);
            version.Property(v => v.VersionId).HasColumnName("version_id").HasMaxLength(32);
            version.Property(v => v.Document).HasColumnName("document");
            version.Property(v => v.CreatedAt).HasColumnName("created_at");
        });

        modelBuilder.Entity<UserPolicyAttachment>(attachment =>
        {
            attachment.ToTable("user_policy_attachments");
            attachment.HasKey(a => new { a.UserId, a.PolicyArn });
            attachment.Property(a => a.AccountId).HasColumnName("account_id").HasMaxLength(12);
            attachment.Property(a => a.UserId).HasColumnName("user_id").HasMaxLength(32);
            attachment.Property(a => a.PolicyArn).HasColumnName("policy_arn").HasMaxLength(700);
            attachment.Property(a => a.AttachedAt).HasColumnName("attached_at");
            attachment.HasIndex(a => new { a.AccountId, a.PolicyArn });
        });

        modelBuilder.Entity<InlinePolicy>(policy =>
        {
            policy.ToTable("inline_policies");
            policy.HasKey(p => new { p.UserId, p.NormalizedName });
            policy.Property(p => p.AccountId).HasColumnName("account_id").HasMaxLength(12);
            policy.Property(p => p.UserId).HasColumnName("user_id").HasMaxLength(32);
            policy.Property(p => p.PolicyName).HasColumnName("policy_name").HasMaxLength(128);
            policy.Property(p => p.NormalizedName).HasColumnName("normalized_name").HasMaxLength(128);
            policy.Property(p => p.Document).HasColumnName("document");
        });

        modelBuilder.Entity<Role>(role =>
        {
            role.ToTable("roles");
            role.HasKey(r => r.Id);
            role.Property(r => r.Id).HasColumnName("id").HasMaxLength(32);
            role.Property(r => r.AccountId).HasColumnName("account_id").HasMaxLength(12);
            role.Property(r => r.RoleName).HasColumnName("role_name").HasMaxLength(64);
            role.Property(r => r.NormalizedName).HasColumnName("normalized_name").HasMaxLength(64);
            role.Property(r => r.Path).HasColumnName("path").HasMaxLength(512);
            role.Property(r => r.Description).HasColumnName("description").HasMaxLength(1000);
            role.Property(r => r.AssumeRolePolicy).HasColumnName("assume_role_policy");
            role.Property(r => r.MaxSessionDuration).HasColumnName("max_session_duration");
            role.Property(r => r.Tags).HasColumnName("tags");
            role.Property(r => r.CreatedAt).HasColumnName("created_at");
            role.HasIndex(r => new { r.AccountId, r.NormalizedName }).IsUnique();
        });

        modelBuilder.Entity<RolePolicyAttachment>(attachment =>
        {
            attachment.ToTable("role_policy_attachments");
            attachment.HasKey(a => new { a.RoleId, a.PolicyArn });
            attachment.Property(a => a.AccountId).HasColumnName("account_id").HasMaxLength(12);
            attachment.Property(a => a.RoleId).HasColumnName("role_id").HasMaxLength(32);
            attachment.Property(a => a.PolicyArn).HasColumnName("policy_arn").HasMaxLength(700);
            attachment.Property(a => a.AttachedAt).HasColumnName("attached_at");
            attachment.HasIndex(a => new { a.AccountId, a.PolicyArn });
        });

        modelBuilder.Entity<RoleInlinePolicy>(policy =>
        {
            policy.ToTable("role_inline_policies");
            policy.HasKey(p => new { p.RoleId, p.NormalizedName });
            policy.Property(p => p.AccountId).HasColumnName("account_id").HasMaxLength(12);
            policy.Property(p => p.RoleId).HasColumnName("role_id").HasMaxLength(32);
            policy.Property(p => p.PolicyName).HasColumnName("policy_name").HasMaxLength(128);
            policy.Property(p => p.NormalizedName).HasColumnName("normalized_name").HasMaxLength(128);
            policy.Property(p => p.Document).HasColumnName("document");
        });

        modelBuilder.Entity<SessionCredential>(session =>
        {
            session.ToTable("session_credentials");
            session.HasKey(s => s.AccessKeyId);
            session.Property(s => s.AccessKeyId).HasColumnName("access_key_id").HasMaxLength(32);
            session.Property(s => s.AccountId).HasColumnName("account_id").HasMaxLength(12);
            session.Property(s => s.RoleId).HasColumnName("role_id").HasMaxLength(32);
            session.Property(s => s.UserId).HasColumnName("user_id").HasMaxLength(32);
            session.Property(s => s.SessionName).HasColumnName("session_name").HasMaxLength(64);
            session.Property(s => s.ProtectedSecret).HasColumnName("protected_secret").HasMaxLength(256);
            session.Property(s => s.TokenHash).HasColumnName("token_hash").HasMaxLength(64);
            session.Property(s => s.SessionPolicy).HasColumnName("session_policy");
            session.Property(s => s.ExpiresAt).HasColumnName("expires_at");
            session.Property(s => s.CreatedAt).HasColumnName("created_at");
            session.HasIndex(s => s.ExpiresAt);
            session.HasIndex(s => s.RoleId);
        });

        modelBuilder.Entity<InstanceProfile>(profile =>
        {
            profile.ToTable("instance_profiles");
            profile.HasKey(p => p.Id);
            profile.Property(p => p.Id).HasColumnName("id").HasMaxLength(32);
            profile.Property(p => p.AccountId).HasColumnName("account_id").HasMaxLength(12);
            profile.Property(p => p.Name).HasColumnName("name").HasMaxLength(128);
            profile.Property(p => p.NormalizedName).HasColumnName("normalized_name").HasMaxLength(128);
            profile.Property(p => p.Path).HasColumnName("path").HasMaxLength(512);
            profile.Property(p => p.RoleId).HasColumnName("role_id").HasMaxLength(32);
            profile.Property(p => p.CreatedAt).HasColumnName("created_at");
            profile.HasIndex(p => new { p.AccountId, p.NormalizedName }).IsUnique();
            profile.HasIndex(p => p.RoleId);
        });

        ConfigureGroups(modelBuilder);
    }

    private static void ConfigureGroups(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Group>(group =>
        {
            group.ToTable("groups");
            group.HasKey(g => g.Id);
            group.Property(g => g.Id).HasColumnName("id").HasMaxLength(32);
            group.Property(g => g.AccountId).HasColumnName("account_id").HasMaxLength(12);
            group.Property(g => g.GroupName).HasColumnName("group_name").HasMaxLength(128);
            group.Property(g => g.NormalizedName).HasColumnName("normalized_name").HasMaxLength(128);
            group.Property(g => g.Path).HasColumnName("path").HasMaxLength(512);
            group.Property(g => g.CreatedAt).HasColumnName("created_at");
            group.HasIndex(g => new { g.AccountId, g.NormalizedName }).IsUnique();
        });

        modelBuilder.Entity<GroupMembership>(membership =>
        {
            membership.ToTable("group_memberships");
            membership.HasKey(m => new { m.GroupId, m.UserId });
            membership.Property(m => m.AccountId).HasColumnName("account_id").HasMaxLength(12);
            membership.Property(m => m.GroupId).HasColumnName("group_id").HasMaxLength(32);
            membership.Property(m => m.UserId).HasColumnName("user_id").HasMaxLength(32);
            membership.Property(m => m.AddedAt).HasColumnName("added_at");
            membership.HasIndex(m => m.UserId);
        });

        modelBuilder.Entity<GroupPolicyAttachment>(attachment =>
        {
            attachment.ToTable("group_policy_attachments");
            attachment.HasKey(a => new { a.GroupId, a.PolicyArn });
            attachment.Property(a => a.AccountId).HasColumnName("account_id").HasMaxLength(12);
            attachment.Property(a => a.GroupId).HasColumnName("group_id").HasMaxLength(32);
            attachment.Property(a => a.PolicyArn).HasColumnName("policy_arn").HasMaxLength(700);
            attachment.Property(a => a.AttachedAt).HasColumnName("attached_at");
            attachment.HasIndex(a => new { a.AccountId, a.PolicyArn });
        });

        modelBuilder.Entity<GroupInlinePolicy>(policy =>
        {
            policy.ToTable("group_inline_policies");
            policy.HasKey(p => new { p.GroupId, p.NormalizedName });
            policy.Property(p => p.AccountId).HasColumnName("account_id").HasMaxLength(12);
            policy.Property(p => p.GroupId).HasColumnName("group_id").HasMaxLength(32);
            policy.Property(p => p.PolicyName).HasColumnName("policy_name").HasMaxLength(128);
            policy.Property(p => p.NormalizedName).HasColumnName("normalized_name").HasMaxLength(128);
            policy.Property(p => p.Document).HasColumnName("document");
        });
    }
}

/// <summary>The SQLite flavour, with its own migrations (Persistence/Migrations/Sqlite).</summary>
internal sealed class SqliteIamDbContext(DbContextOptions<SqliteIamDbContext> options) : IamDbContext(options);

/// <summary>The SQL Server flavour, with its own migrations (Persistence/Migrations/SqlServer).</summary>
internal sealed class SqlServerIamDbContext(DbContextOptions<SqlServerIamDbContext> options) : IamDbContext(options);

internal sealed class SqliteIamDbContextFactory : IDesignTimeDbContextFactory<SqliteIamDbContext>
{
    public SqliteIamDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<SqliteIamDbContext>)ModuleDatabase.UseSqlite(
            new DbContextOptionsBuilder<SqliteIamDbContext>(), "Data Source=design-time.db", IamDbContext.SchemaName).Options);
}

internal sealed class SqlServerIamDbContextFactory : IDesignTimeDbContextFactory<SqlServerIamDbContext>
{
    public SqlServerIamDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<SqlServerIamDbContext>)ModuleDatabase.UseSqlServer(
            new DbContextOptionsBuilder<SqlServerIamDbContext>(), "Server=design-time;Database=platform", IamDbContext.SchemaName).Options);
}
