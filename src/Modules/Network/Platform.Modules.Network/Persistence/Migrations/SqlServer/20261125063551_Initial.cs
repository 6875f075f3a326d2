using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Network.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "network");

            migrationBuilder.CreateTable(
                name: "account_networks",
                schema: "network",
                columns: table => new
                {
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    default_vpc_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_account_networks", x => x.account_id);
                });

            migrationBuilder.CreateTable(
                name: "interface_security_groups",
                schema: "network",
                columns: table => new
                {
                    interface_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    group_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_interface_security_groups", x => new { x.interface_id, x.group_id });
                });

            migrationBuilder.CreateTable(
                name: "network_interfaces",
                schema: "network",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    vpc_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    subnet_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    availability_zone = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    mac_address = table.Column<string>(type: "nvarchar(17)", maxLength: 17, nullable: false),
                    private_ip_address = table.Column<string>(type: "nvarchar(15)", maxLength: 15, nullable: false),
                    address_value = table.Column<long>(type: "bigint", nullable: false),
                    instance_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    attachment_id = table.Column<string>(type: "nvarchar(40)", maxLength: 40, nullable: true),
                    description = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_interfaces", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "outbox_messages",
                schema: "network",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    type = table.Column<string>(type: "nvarchar(512)", maxLength: 512, nullable: false),
                    payload = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    occurred_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    processed_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    attempts = table.Column<int>(type: "int", nullable: false),
                    last_error = table.Column<string>(type: "nvarchar(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_outbox_messages", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "security_group_rules",
                schema: "network",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    group_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    is_egress = table.Column<bool>(type: "bit", nullable: false),
                    protocol = table.Column<string>(type: "nvarchar(8)", maxLength: 8, nullable: false),
                    from_port = table.Column<int>(type: "int", nullable: true),
                    to_port = table.Column<int>(type: "int", nullable: true),
                    cidr_ipv4 = table.Column<string>(type: "nvarchar(18)", maxLength: 18, nullable: true),
                    referenced_group_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    description = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: true),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_security_group_rules", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "security_groups",
                schema: "network",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    vpc_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    group_name = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    description = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    is_default = table.Column<bool>(type: "bit", nullable: false),
                    version = table.Column<int>(type: "int", nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_security_groups", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "subnets",
                schema: "network",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    vpc_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    cidr_block = table.Column<string>(type: "nvarchar(18)", maxLength: 18, nullable: false),
                    availability_zone = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    default_for_az = table.Column<bool>(type: "bit", nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_subnets", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "vpcs",
                schema: "network",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    cidr_block = table.Column<string>(type: "nvarchar(18)", maxLength: 18, nullable: false),
                    isolation_id = table.Column<int>(type: "int", nullable: false),
                    is_default = table.Column<bool>(type: "bit", nullable: false),
                    version = table.Column<int>(type: "int", nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_vpcs", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_interface_security_groups_group_id",
                schema: "network",
                table: "interface_security_groups",
                column: "group_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_interfaces_account_id_instance_id",
                schema: "network",
                table: "network_interfaces",
                columns: new[] { "account_id", "instance_id" });

            migrationBuilder.CreateIndex(
                name: "IX_network_interfaces_instance_id",
                schema: "network",
                table: "network_interfaces",
                column: "instance_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_interfaces_mac_address",
                schema: "network",
                table: "network_interfaces",
                column: "mac_address",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_network_interfaces_subnet_id_address_value",
                schema: "network",
                table: "network_interfaces",
                columns: new[] { "subnet_id", "address_value" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_network_interfaces_vpc_id",
                schema: "network",
                table: "network_interfaces",
                column: "vpc_id");

            migrationBuilder.CreateIndex(
                name: "IX_outbox_messages_processed_at_occurred_at",
                schema: "network",
                table: "outbox_messages",
                columns: new[] { "processed_at", "occurred_at" });

            migrationBuilder.CreateIndex(
                name: "IX_security_group_rules_group_id",
                schema: "network",
                table: "security_group_rules",
                column: "group_id");

            migrationBuilder.CreateIndex(
                name: "IX_security_group_rules_referenced_group_id",
                schema: "network",
                table: "security_group_rules",
                column: "referenced_group_id");

            migrationBuilder.CreateIndex(
                name: "IX_security_groups_account_id",
                schema: "network",
                table: "security_groups",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_security_groups_vpc_id_group_name",
                schema: "network",
                table: "security_groups",
                columns: new[] { "vpc_id", "group_name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_subnets_account_id",
                schema: "network",
                table: "subnets",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_subnets_vpc_id",
                schema: "network",
                table: "subnets",
                column: "vpc_id");

            migrationBuilder.CreateIndex(
                name: "IX_vpcs_account_id",
                schema: "network",
                table: "vpcs",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_vpcs_isolation_id",
                schema: "network",
                table: "vpcs",
                column: "isolation_id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "account_networks",
                schema: "network");

            migrationBuilder.DropTable(
                name: "interface_security_groups",
                schema: "network");

            migrationBuilder.DropTable(
                name: "network_interfaces",
                schema: "network");

            migrationBuilder.DropTable(
                name: "outbox_messages",
                schema: "network");

            migrationBuilder.DropTable(
                name: "security_group_rules",
                schema: "network");

            migrationBuilder.DropTable(
                name: "security_groups",
                schema: "network");

            migrationBuilder.DropTable(
                name: "subnets",
                schema: "network");

            migrationBuilder.DropTable(
                name: "vpcs",
                schema: "network");
        }
    }
}
