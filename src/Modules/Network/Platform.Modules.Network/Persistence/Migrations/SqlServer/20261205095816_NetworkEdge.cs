using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Network.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class NetworkEdge : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "interface_type",
                schema: "network",
                table: "network_interfaces",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "interface");

            migrationBuilder.CreateTable(
                name: "elastic_addresses",
                schema: "network",
                columns: table => new
                {
                    allocation_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    public_ip = table.Column<string>(type: "nvarchar(15)", maxLength: 15, nullable: false),
                    address_value = table.Column<long>(type: "bigint", nullable: false),
                    association_id = table.Column<string>(type: "nvarchar(40)", maxLength: 40, nullable: true),
                    network_interface_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    vpc_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    version = table.Column<int>(type: "int", nullable: false),
                    allocated_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_elastic_addresses", x => x.allocation_id);
                });

            migrationBuilder.CreateTable(
                name: "internet_gateways",
                schema: "network",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    attached_vpc_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_internet_gateways", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "nat_gateways",
                schema: "network",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    vpc_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    subnet_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    allocation_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    state = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    network_interface_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    host_id = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    host_tunnel_address = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    client_token = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    failure_message = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: true),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    deleted_at = table.Column<DateTime>(type: "datetime2", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_nat_gateways", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "route_table_associations",
                schema: "network",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(40)", maxLength: 40, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    vpc_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    route_table_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    subnet_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    main_vpc_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_route_table_associations", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "route_tables",
                schema: "network",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    vpc_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    version = table.Column<int>(type: "int", nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_route_tables", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "routes",
                schema: "network",
                columns: table => new
                {
                    route_table_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    destination_cidr_block = table.Column<string>(type: "nvarchar(18)", maxLength: 18, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    gateway_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    nat_gateway_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    network_interface_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_routes", x => new { x.route_table_id, x.destination_cidr_block });
                });

            migrationBuilder.CreateIndex(
                name: "IX_elastic_addresses_account_id",
                schema: "network",
                table: "elastic_addresses",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_elastic_addresses_address_value",
                schema: "network",
                table: "elastic_addresses",
                column: "address_value",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_elastic_addresses_association_id",
                schema: "network",
                table: "elastic_addresses",
                column: "association_id");

            migrationBuilder.CreateIndex(
                name: "IX_elastic_addresses_network_interface_id",
                schema: "network",
                table: "elastic_addresses",
                column: "network_interface_id",
                unique: true,
                filter: "[network_interface_id] IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_elastic_addresses_vpc_id",
                schema: "network",
                table: "elastic_addresses",
                column: "vpc_id");

            migrationBuilder.CreateIndex(
                name: "IX_internet_gateways_account_id",
                schema: "network",
                table: "internet_gateways",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_internet_gateways_attached_vpc_id",
                schema: "network",
                table: "internet_gateways",
                column: "attached_vpc_id",
                unique: true,
                filter: "[attached_vpc_id] IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_nat_gateways_account_id",
                schema: "network",
                table: "nat_gateways",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_nat_gateways_account_id_client_token",
                schema: "network",
                table: "nat_gateways",
                columns: new[] { "account_id", "client_token" },
                unique: true,
                filter: "[client_token] IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_nat_gateways_host_id",
                schema: "network",
                table: "nat_gateways",
                column: "host_id");

            migrationBuilder.CreateIndex(
                name: "IX_nat_gateways_vpc_id",
                schema: "network",
                table: "nat_gateways",
                column: "vpc_id");

            migrationBuilder.CreateIndex(
                name: "IX_route_table_associations_main_vpc_id",
                schema: "network",
                table: "route_table_associations",
                column: "main_vpc_id",
                unique: true,
                filter: "[main_vpc_id] IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_route_table_associations_route_table_id",
                schema: "network",
                table: "route_table_associations",
                column: "route_table_id");

            migrationBuilder.CreateIndex(
                name: "IX_route_table_associations_subnet_id",
                schema: "network",
                table: "route_table_associations",
                column: "subnet_id",
                unique: true,
                filter: "[subnet_id] IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_route_table_associations_vpc_id",
                schema: "network",
                table: "route_table_associations",
                column: "vpc_id");

            migrationBuilder.CreateIndex(
                name: "IX_route_tables_account_id",
                schema: "network",
                table: "route_tables",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "IX_route_tables_vpc_id",
                schema: "network",
                table: "route_tables",
                column: "vpc_id");

            // Every VPC has a main route table with its local route; the VPCs made before route tables get theirs here.
            migrationBuilder.Sql("INSERT INTO [network].[route_tables] (id, account_id, vpc_id, version, created_at) SELECT 'rtb-' + LOWER(LEFT(REPLACE(CONVERT(varchar(36), NEWID()), '-', ''), 17)), account_id, id, 0, created_at FROM [network].[vpcs];");
            migrationBuilder.Sql("INSERT INTO [network].[route_table_associations] (id, account_id, vpc_id, route_table_id, subnet_id, main_vpc_id, created_at) SELECT 'rtbassoc-' + LOWER(LEFT(REPLACE(CONVERT(varchar(36), NEWID()), '-', ''), 17)), account_id, vpc_id, id, NULL, vpc_id, created_at FROM [network].[route_tables];");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "elastic_addresses",
                schema: "network");

            migrationBuilder.DropTable(
                name: "internet_gateways",
                schema: "network");

            migrationBuilder.DropTable(
                name: "nat_gateways",
                schema: "network");

            migrationBuilder.DropTable(
                name: "route_table_associations",
                schema: "network");

            migrationBuilder.DropTable(
                name: "route_tables",
                schema: "network");

            migrationBuilder.DropTable(
                name: "routes",
                schema: "network");

            migrationBuilder.DropColumn(
                name: "interface_type",
                schema: "network",
                table: "network_interfaces");
        }
    }
}
