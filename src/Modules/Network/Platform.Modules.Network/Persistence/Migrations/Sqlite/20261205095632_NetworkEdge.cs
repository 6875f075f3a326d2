using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Network.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class NetworkEdge : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "interface_type",
                table: "network_network_interfaces",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                defaultValue: "interface");

            migrationBuilder.CreateTable(
                name: "network_elastic_addresses",
                columns: table => new
                {
                    allocation_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    public_ip = table.Column<string>(type: "TEXT", maxLength: 15, nullable: false),
                    address_value = table.Column<long>(type: "INTEGER", nullable: false),
                    association_id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    network_interface_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    vpc_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    version = table.Column<int>(type: "INTEGER", nullable: false),
                    allocated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_elastic_addresses", x => x.allocation_id);
                });

            migrationBuilder.CreateTable(
                name: "network_internet_gateways",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    attached_vpc_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_internet_gateways", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "network_nat_gateways",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    vpc_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    subnet_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    allocation_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    state = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    network_interface_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    host_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    host_tunnel_address = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    client_token = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    failure_message = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    deleted_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_nat_gateways", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "network_route_table_associations",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    vpc_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    route_table_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    subnet_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    main_vpc_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_route_table_associations", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "network_route_tables",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    vpc_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    version = table.Column<int>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_route_tables", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "network_routes",
                columns: table => new
                {
                    route_table_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    destination_cidr_block = table.Column<string>(type: "TEXT", maxLength: 18, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    gateway_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    nat_gateway_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    network_interface_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_routes", x => new { x.route_table_id, x.destination_cidr_block });
                });

            migrationBuilder.CreateIndex(
                name: "IX_network_elastic_addresses_account_id",
                table: "network_elastic_addresses",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_elastic_addresses_address_value",
                table: "network_elastic_addresses",
                column: "address_value",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_network_elastic_addresses_association_id",
                table: "network_elastic_addresses",
                column: "association_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_elastic_addresses_network_interface_id",
                table: "network_elastic_addresses",
                column: "network_interface_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_network_elastic_addresses_vpc_id",
                table: "network_elastic_addresses",
                column: "vpc_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_internet_gateways_account_id",
                table: "network_internet_gateways",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_internet_gateways_attached_vpc_id",
                table: "network_internet_gateways",
                column: "attached_vpc_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_network_nat_gateways_account_id",
                table: "network_nat_gateways",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_nat_gateways_account_id_client_token",
                table: "network_nat_gateways",
                columns: new[] { "account_id", "client_token" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_network_nat_gateways_host_id",
                table: "network_nat_gateways",
                column: "host_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_nat_gateways_vpc_id",
                table: "network_nat_gateways",
                column: "vpc_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_route_table_associations_main_vpc_id",
                table: "network_route_table_associations",
                column: "main_vpc_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_network_route_table_associations_route_table_id",
                table: "network_route_table_associations",
                column: "route_table_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_route_table_associations_subnet_id",
                table: "network_route_table_associations",
                column: "subnet_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_network_route_table_associations_vpc_id",
                table: "network_route_table_associations",
                column: "vpc_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_route_tables_account_id",
                table: "network_route_tables",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_route_tables_vpc_id",
                table: "network_route_tables",
                column: "vpc_id");

            // Every VPC has a main route table with its local route; the VPCs made before route tables get theirs here.
            migrationBuilder.Sql("INSERT INTO network_route_tables (id, account_id, vpc_id, version, created_at) SELECT 'rtb-' || substr(lower(hex(randomblob(9))), 1, 17), account_id, id, 0, created_at FROM network_vpcs;");
            migrationBuilder.Sql("INSERT INTO network_route_table_associations (id, account_id, vpc_id, route_table_id, subnet_id, main_vpc_id, created_at) SELECT 'rtbassoc-' || substr(lower(hex(randomblob(9))), 1, 17), account_id, vpc_id, id, NULL, vpc_id, created_at FROM network_route_tables;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "network_elastic_addresses");

            migrationBuilder.DropTable(
                name: "network_internet_gateways");

            migrationBuilder.DropTable(
                name: "network_nat_gateways");

            migrationBuilder.DropTable(
                name: "network_route_table_associations");

            migrationBuilder.DropTable(
                name: "network_route_tables");

            migrationBuilder.DropTable(
                name: "network_routes");

            migrationBuilder.DropColumn(
                name: "interface_type",
                table: "network_network_interfaces");
        }
    }
}
