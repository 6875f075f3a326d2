using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Network.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "network_account_networks",
                columns: table => new
                {
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    default_vpc_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_account_networks", x => x.account_id);
                });

            migrationBuilder.CreateTable(
                name: "network_interface_security_groups",
                columns: table => new
                {
                    interface_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    group_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_interface_security_groups", x => new { x.interface_id, x.group_id });
                });

            migrationBuilder.CreateTable(
                name: "network_network_interfaces",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    vpc_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    subnet_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    availability_zone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    mac_address = table.Column<string>(type: "TEXT", maxLength: 17, nullable: false),
                    private_ip_address = table.Column<string>(type: "TEXT", maxLength: 15, nullable: false),
                    address_value = table.Column<long>(type: "INTEGER", nullable: false),
                    instance_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    attachment_id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    description = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_network_interfaces", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "network_outbox_messages",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    type = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    payload = table.Column<string>(type: "TEXT", nullable: false),
                    occurred_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    processed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    last_error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_outbox_messages", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "network_security_group_rules",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    group_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    is_egress = table.Column<bool>(type: "INTEGER", nullable: false),
                    protocol = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    from_port = table.Column<int>(type: "INTEGER", nullable: true),
                    to_port = table.Column<int>(type: "INTEGER", nullable: true),
                    cidr_ipv4 = table.Column<string>(type: "TEXT", maxLength: 18, nullable: true),
                    referenced_group_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    description = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_security_group_rules", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "network_security_groups",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    vpc_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    group_name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    is_default = table.Column<bool>(type: "INTEGER", nullable: false),
                    version = table.Column<int>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_security_groups", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "network_subnets",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    vpc_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    cidr_block = table.Column<string>(type: "TEXT", maxLength: 18, nullable: false),
                    availability_zone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    default_for_az = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_subnets", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "network_vpcs",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    cidr_block = table.Column<string>(type: "TEXT", maxLength: 18, nullable: false),
                    isolation_id = table.Column<int>(type: "INTEGER", nullable: false),
                    is_default = table.Column<bool>(type: "INTEGER", nullable: false),
                    version = table.Column<int>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_vpcs", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_network_interface_security_groups_group_id",
                table: "network_interface_security_groups",
                column: "group_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_network_interfaces_account_id_instance_id",
                table: "network_network_interfaces",
                columns: new[] { "account_id", "instance_id" });

            migrationBuilder.CreateIndex(
                name: "IX_network_network_interfaces_instance_id",
                table: "network_network_interfaces",
                column: "instance_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_network_interfaces_mac_address",
                table: "network_network_interfaces",
                column: "mac_address",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_network_network_interfaces_subnet_id_address_value",
                table: "network_network_interfaces",
                columns: new[] { "subnet_id", "address_value" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_network_network_interfaces_vpc_id",
                table: "network_network_interfaces",
                column: "vpc_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_outbox_messages_processed_at_occurred_at",
                table: "network_outbox_messages",
                columns: new[] { "processed_at", "occurred_at" });

            migrationBuilder.CreateIndex(
                name: "IX_network_security_group_rules_group_id",
                table: "network_security_group_rules",
                column: "group_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_security_group_rules_referenced_group_id",
                table: "network_security_group_rules",
                column: "referenced_group_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_security_groups_account_id",
                table: "network_security_groups",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_security_groups_vpc_id_group_name",
                table: "network_security_groups",
                columns: new[] { "vpc_id", "group_name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_network_subnets_account_id",
                table: "network_subnets",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_subnets_vpc_id",
                table: "network_subnets",
                column: "vpc_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_vpcs_account_id",
                table: "network_vpcs",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_vpcs_isolation_id",
                table: "network_vpcs",
                column: "isolation_id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "network_account_networks");

            migrationBuilder.DropTable(
                name: "network_interface_security_groups");

            migrationBuilder.DropTable(
                name: "network_network_interfaces");

            migrationBuilder.DropTable(
                name: "network_outbox_messages");

            migrationBuilder.DropTable(
                name: "network_security_group_rules");

            migrationBuilder.DropTable(
                name: "network_security_groups");

            migrationBuilder.DropTable(
                name: "network_subnets");

            migrationBuilder.DropTable(
                name: "network_vpcs");
        }
    }
}
