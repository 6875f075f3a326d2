using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Platform.Modules.Shared.Persistence;

namespace Platform.Modules.Network.Persistence;

/// <summary>VPCs, subnets, security groups and interfaces, in the <c>network</c> schema.</summary>
internal class NetworkDbContext(DbContextOptions options) : ModuleDbContext(options)
{
    public const string SchemaName = "network";

    public override string Schema => SchemaName;

    public DbSet<AccountNetwork> AccountNetworks => Set<AccountNetwork>();

    public DbSet<Vpc> Vpcs => Set<Vpc>();

    public DbSet<IsolationIdAllocation> IsolationIds => Set<IsolationIdAllocation>();

    public DbSet<Subnet> Subnets => Set<Subnet>();

    public DbSet<SecurityGroup> SecurityGroups => Set<SecurityGroup>();

    public DbSet<SecurityGroupRule> SecurityGroupRules => Set<SecurityGroupRule>();

    public DbSet<NetworkInterface> NetworkInterfaces => Set<NetworkInterface>();

    public DbSet<InterfaceSecurityGroup> InterfaceSecurityGroups => Set<InterfaceSecurityGroup>();

    public DbSet<RouteTable> RouteTables => Set<RouteTable>();

    public DbSet<Route> Routes => Set<Route>();

    public DbSet<RouteTableAssociation> RouteTableAssociations => Set<RouteTableAssociation>();

    public DbSet<InternetGateway> InternetGateways => Set<InternetGateway>();

    public DbSet<ElasticAddress> ElasticAddresses => Set<ElasticAddress>();

    public DbSet<NatGateway> NatGateways => Set<NatGateway>();

    public DbSet<LoadBalancer> LoadBalancers => Set<LoadBalancer>();

    public DbSet<TargetGroup> TargetGroups => Set<TargetGroup>();

    public DbSet<RegisteredTarget> RegisteredTargets => Set<RegisteredTarget>();

    public DbSet<Listener> Listeners => Set<Listener>();

    public DbSet<ListenerRule> ListenerRules => Set<ListenerRule>();

    public DbSet<ResourceTagRow> ResourceTags => Set<ResourceTagRow>();

    protected override void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<AccountNetwork>(account =>
        {
            account.ToTable("account_networks");
            account.HasKey(a => a.AccountId);
            account.Property(a => a.AccountId).HasColumnName("account_id").HasMaxLength(12);
            account.Property(a => a.DefaultVpcId).HasColumnName("default_vpc_id").HasMaxLength(32);
            account.Property(a => a.CreatedAt).HasColumnName("created_at");
        });

        modelBuilder.Entity<Vpc>(vpc =>
        {
            vpc.ToTable("vpcs");
            vpc.HasKey(v => v.Id);
            vpc.Property(v => v.Id).HasColumnName("id").HasMaxLength(32);
            vpc.Property(v => v.AccountId).HasColumnName("account_id").HasMaxLength(12);
            vpc.Property(v => v.CidrBlock).HasColumnName("cidr_block").HasMaxLength(18);
            vpc.Property(v => v.IsolationId).HasColumnName("isolation_id");
            vpc.Property(v => v.IsDefault).HasColumnName("is_default");
            vpc.Property(v => v.Version).HasColumnName("version").IsConcurrencyToken();
            vpc.Property(v => v.CreatedAt).HasColumnName("created_at");
            vpc.HasIndex(v => v.AccountId);
            vpc.HasIndex(v => v.IsolationId).IsUnique();
        });

        modelBuilder.Entity<IsolationIdAllocation>(allocation =>
        {
            allocation.ToTable("isolation_ids");
            allocation.HasKey(a => a.IsolationId);
            allocation.Property(a => a.IsolationId).HasColumnName("isolation_id").ValueGeneratedNever();
            allocation.Property(a => a.VpcId).HasColumnName("vpc_id").HasMaxLength(32);
            allocation.Property(a => a.AllocatedAt).HasColumnName("allocated_at");
        });

        modelBuilder.Entity<Subnet>(subnet =>
        {
            subnet.ToTable("subnets");
            subnet.HasKey(s => s.Id);
            subnet.Property(s => s.Id).HasColumnName("id").HasMaxLength(32);
            subnet.Property(s => s.AccountId).HasColumnName("account_id").HasMaxLength(12);
            subnet.Property(s => s.VpcId).HasColumnName("vpc_id").HasMaxLength(32);
            subnet.Property(s => s.CidrBlock).HasColumnName("cidr_block").HasMaxLength(18);
            subnet.Property(s => s.AvailabilityZone).HasColumnName("availability_zone").HasMaxLength(64);
            subnet.Property(s => s.DefaultForAz).HasColumnName("default_for_az");
            subnet.Property(s => s.CreatedAt).HasColumnName("created_at");
            subnet.HasIndex(s => s.AccountId);
            subnet.HasIndex(s => s.VpcId);
        });

        modelBuilder.Entity<SecurityGroup>(group =>
        {
            group.ToTable("security_groups");
            group.HasKey(g => g.Id);
            group.Property(g => g.Id).HasColumnName("id").HasMaxLength(32);
            group.Property(g => g.AccountId).HasColumnName("account_id").HasMaxLength(12);
            group.Property(g => g.VpcId).HasColumnName("vpc_id").HasMaxLength(32);
            group.Property(g => g.GroupName).HasColumnName("group_name").HasMaxLength(255);
            group.Property(g => g.Description).HasColumnName("description").HasMaxLength(255);
            group.Property(g => g.IsDefault).HasColumnName("is_default");
            group.Property(g => g.Version).HasColumnName("version").IsConcurrencyToken();
            group.Property(g => g.CreatedAt).HasColumnName("created_at");
            group.HasIndex(g => g.AccountId);
            group.HasIndex(g => new { g.VpcId, g.GroupName }).IsUnique();
        });

        modelBuilder.Entity<SecurityGroupRule>(rule =>
        {
            rule.ToTable("security_group_rules");
            rule.HasKey(r => r.Id);
            rule.Property(r => r.Id).HasColumnName("id").HasMaxLength(32);
            rule.Property(r => r.GroupId).HasColumnName("group_id").HasMaxLength(32);
            rule.Property(r => r.AccountId).HasColumnName("account_id").HasMaxLength(12);
            rule.Property(r => r.IsEgress).HasColumnName("is_egress");
            rule.Property(r => r.Protocol).HasColumnName("protocol").HasMaxLength(8);
            rule.Property(r => r.FromPort).HasColumnName("from_port");
            rule.Property(r => r.ToPort).HasColumnName("to_port");
            rule.Property(r => r.CidrIpv4).HasColumnName("cidr_ipv4").HasMaxLength(18);
            rule.Property(r => r.ReferencedGroupId).HasColumnName("referenced_group_id").HasMaxLength(32);
            rule.Property(r => r.Description).HasColumnName("description").HasMaxLength(255);
            rule.Property(r => r.CreatedAt).HasColumnName("created_at");
            rule.HasIndex(r => r.GroupId);
            rule.HasIndex(r => r.ReferencedGroupId);
        });

        modelBuilder.Entity<NetworkInterface>(eni =>
        {
            eni.ToTable("network_interfaces");
            eni.HasKey(n => n.Id);
            eni.Property(n => n.Id).HasColumnName("id").HasMaxLength(32);
            eni.Property(n => n.AccountId).HasColumnName("account_id").HasMaxLength(12);
            eni.Property(n => n.VpcId).HasColumnName("vpc_id").HasMaxLength(32);
            eni.Property(n => n.SubnetId).HasColumnName("subnet_id").HasMaxLength(32);
            eni.Property(n => n.AvailabilityZone).HasColumnName("availability_zone").HasMaxLength(64);
            eni.Property(n => n.MacAddress).HasColumnName("mac_address").HasMaxLength(17);
            eni.Property(n => n.PrivateIpAddress).HasColumnName("private_ip_address").HasMaxLength(15);
            eni.Property(n => n.AddressValue).HasColumnName("address_value");
            eni.Property(n => n.InstanceId).HasColumnName("instance_id").HasMaxLength(32);
            eni.Property(n => n.AttachmentId).HasColumnName("attachment_id").HasMaxLength(40);
            eni.Property(n => n.Description).HasColumnName("description").HasMaxLength(255);
            eni.Property(n => n.InterfaceType).HasColumnName("interface_type").HasMaxLength(32);
            eni.Property(n => n.CreatedAt).HasColumnName("created_at");
            eni.HasIndex(n => new { n.SubnetId, n.AddressValue }).IsUnique();
            eni.HasIndex(n => n.MacAddress).IsUnique();
            eni.HasIndex(n => new { n.AccountId, n.InstanceId });
            eni.HasIndex(n => n.InstanceId);
            eni.HasIndex(n => n.VpcId);
        });

        modelBuilder.Entity<InterfaceSecurityGroup>(link =>
        {
            link.ToTable("interface_security_groups");
            link.HasKey(l => new { l.InterfaceId, l.GroupId });
            link.Property(l => l.InterfaceId).HasColumnName("interface_id").HasMaxLength(32);
            link.Property(l => l.GroupId).HasColumnName("group_id").HasMaxLength(32);
            link.HasIndex(l => l.GroupId);
        });

        ConfigureEdge(modelBuilder);
    }

    /// <summary>Route tables, internet gateways, elastic IPs and NAT gateways (issue 11).</summary>
    private static void ConfigureEdge(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<RouteTable>(table =>
        {
            table.ToTable("route_tables");
            table.HasKey(t => t.Id);
            table.Property(t => t.Id).HasColumnName("id").HasMaxLength(32);
            table.Property(t => t.AccountId).HasColumnName("account_id").HasMaxLength(12);
            table.Property(t => t.VpcId).HasColumnName("vpc_id").HasMaxLength(32);
            table.Property(t => t.Version).HasColumnName("version").IsConcurrencyToken();
            table.Property(t => t.CreatedAt).HasColumnName("created_at");
            table.HasIndex(t => t.AccountId);
            table.HasIndex(t => t.VpcId);
        });

        modelBuilder.Entity<Route>(route =>
        {
            route.ToTable("routes");
            route.HasKey(r => new { r.RouteTableId, r.DestinationCidrBlock });
            route.Property(r => r.RouteTableId).HasColumnName("route_table_id").HasMaxLength(32);
            route.Property(r => r.DestinationCidrBlock).HasColumnName("destination_cidr_block").HasMaxLength(18);
            route.Property(r => r.AccountId).HasColumnName("account_id").HasMaxLength(12);
            route.Property(r => r.GatewayId).HasColumnName("gateway_id").HasMaxLength(32);
            route.Property(r => r.NatGatewayId).HasColumnName("nat_gateway_id").HasMaxLength(32);
            route.Property(r => r.NetworkInterfaceId).HasColumnName("network_interface_id").HasMaxLength(32);
            route.Property(r => r.CreatedAt).HasColumnName("created_at");
        });

        modelBuilder.Entity<RouteTableAssociation>(association =>
        {
            association.ToTable("route_table_associations");
            association.HasKey(a => a.Id);
            association.Property(a => a.Id).HasColumnName("id").HasMaxLength(40);
            association.Property(a => a.AccountId).HasColumnName("account_id").HasMaxLength(12);
            association.Property(a => a.VpcId).HasColumnName("vpc_id").HasMaxLength(32);
            association.Property(a => a.RouteTableId).HasColumnName("route_table_id").HasMaxLength(32);
            association.Property(a => a.SubnetId).HasColumnName("subnet_id").HasMaxLength(32);
            association.Property(a => a.MainVpcId).HasColumnName("main_vpc_id").HasMaxLength(32);
            association.Property(a => a.CreatedAt).HasColumnName("created_at");
            association.HasIndex(a => a.SubnetId).IsUnique();
            association.HasIndex(a => a.MainVpcId).IsUnique();
            association.HasIndex(a => a.RouteTableId);
            association.HasIndex(a => a.VpcId);
        });

        modelBuilder.Entity<InternetGateway>(gateway =>
        {
            gateway.ToTable("internet_gateways");
            gateway.HasKey(g => g.Id);
            gateway.Property(g => g.Id).HasColumnName("id").HasMaxLength(32);
            gateway.Property(g => g.AccountId).HasColumnName("account_id").HasMaxLength(12);
            gateway.Property(g => g.AttachedVpcId).HasColumnName("attached_vpc_id").HasMaxLength(32).IsConcurrencyToken();
            gateway.Property(g => g.CreatedAt).HasColumnName("created_at");
            gateway.HasIndex(g => g.AccountId);
            gateway.HasIndex(g => g.AttachedVpcId).IsUnique();
        });

        modelBuilder.Entity<ElasticAddress>(address =>
        {
            address.ToTable("elastic_addresses");
            address.HasKey(a => a.AllocationId);
            address.Property(a => a.AllocationId).HasColumnName("allocation_id").HasMaxLength(32);
            address.Property(a => a.AccountId).HasColumnName("account_id").HasMaxLength(12);
            address.Property(a => a.PublicIp).HasColumnName("public_ip").HasMaxLength(15);
            address.Property(a => a.AddressValue).HasColumnName("address_value");
            address.Property(a => a.AssociationId).HasColumnName("association_id").HasMaxLength(40);
            address.Property(a => a.NetworkInterfaceId).HasColumnName("network_interface_id").HasMaxLength(32);
            address.Property(a => a.VpcId).HasColumnName("vpc_id").HasMaxLength(32);
            address.Property(a => a.Version).HasColumnName("version").IsConcurrencyToken();
            address.Property(a => a.AllocatedAt).HasColumnName("allocated_at");
            address.HasIndex(a => a.AddressValue).IsUnique();
            address.HasIndex(a => a.NetworkInterfaceId).IsUnique();
            address.HasIndex(a => a.AssociationId);
            address.HasIndex(a => a.AccountId);
            address.HasIndex(a => a.VpcId);
        });

        modelBuilder.Entity<NatGateway>(nat =>
        {
            nat.ToTable("nat_gateways");
            nat.HasKey(n => n.Id);
            nat.Property(n => n.Id).HasColumnName("id").HasMaxLength(32);
            nat.Property(n => n.AccountId).HasColumnName("account_id").HasMaxLength(12);
            nat.Property(n => n.VpcId).HasColumnName("vpc_id").HasMaxLength(32);
            nat.Property(n => n.SubnetId).HasColumnName("subnet_id").HasMaxLength(32);
            nat.Property(n => n.AllocationId).HasColumnName("allocation_id").HasMaxLength(32);
            nat.Property(n => n.State).HasColumnName("state").HasMaxLength(16).IsConcurrencyToken();
            nat.Property(n => n.NetworkInterfaceId).HasColumnName("network_interface_id").HasMaxLength(32);
            nat.Property(n => n.HostId).HasColumnName("host_id").HasMaxLength(64);
            nat.Property(n => n.HostTunnelAddress).HasColumnName("host_tunnel_address").HasMaxLength(64);
            nat.Property(n => n.ClientToken).HasColumnName("client_token").HasMaxLength(64);
            nat.Property(n => n.FailureMessage).HasColumnName("failure_message").HasMaxLength(255);
            nat.Property(n => n.CreatedAt).HasColumnName("created_at");
            nat.Property(n => n.DeletedAt).HasColumnName("deleted_at");
            nat.HasIndex(n => n.AccountId);
            nat.HasIndex(n => n.VpcId);
            nat.HasIndex(n => n.HostId);
            nat.HasIndex(n => new { n.AccountId, n.ClientToken }).IsUnique();
        });

        modelBuilder.Entity<ResourceTagRow>(tag =>
        {
            tag.ToTable("resource_tags");
            tag.HasKey(t => new { t.ResourceId, t.Key });
            tag.Property(t => t.ResourceId).HasColumnName("resource_id").HasMaxLength(32);
            tag.Property(t => t.AccountId).HasColumnName("account_id").HasMaxLength(12);
            tag.Property(t => t.ResourceType).HasColumnName("resource_type").HasMaxLength(32);
            tag.Property(t => t.Key).HasColumnName("key").HasMaxLength(128);
            tag.Property(t => t.Value).HasColumnName("value").HasMaxLength(256);
            tag.HasIndex(t => t.AccountId);
        });

        LoadBalancingModel.Configure(modelBuilder);
    }
}

/// <summary>The SQLite flavour, with its own migrations (Persistence/Migrations/Sqlite).</summary>
internal sealed class SqliteNetworkDbContext(DbContextOptions<SqliteNetworkDbContext> options) : NetworkDbContext(options);

/// <summary>The SQL Server flavour, with its own migrations (Persistence/Migrations/SqlServer).</summary>
internal sealed class SqlServerNetworkDbContext(DbContextOptions<SqlServerNetworkDbContext> options) : NetworkDbContext(options);

internal sealed class SqliteNetworkDbContextFactory : IDesignTimeDbContextFactory<SqliteNetworkDbContext>
{
    public SqliteNetworkDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<SqliteNetworkDbContext>)ModuleDatabase.UseSqlite(
            new DbContextOptionsBuilder<SqliteNetworkDbContext>(), "Data Source=design-time.db", NetworkDbContext.SchemaName).Options);
}

internal sealed class SqlServerNetworkDbContextFactory : IDesignTimeDbContextFactory<SqlServerNetworkDbContext>
{
    public SqlServerNetworkDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<SqlServerNetworkDbContext>)ModuleDatabase.UseSqlServer(
            new DbContextOptionsBuilder<SqlServerNetworkDbContext>(), "Server=design-time;Database=platform", NetworkDbContext.SchemaName).Options);
}
