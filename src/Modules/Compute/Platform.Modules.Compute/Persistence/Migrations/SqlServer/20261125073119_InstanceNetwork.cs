using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class InstanceNetwork : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "mac_address",
                schema: "compute",
                table: "instances",
                type: "nvarchar(17)",
                maxLength: 17,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "network_interface_id",
                schema: "compute",
                table: "instances",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "subnet_id",
                schema: "compute",
                table: "instances",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "vpc_id",
                schema: "compute",
                table: "instances",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "tunnel_address",
                schema: "compute",
                table: "hosts",
                type: "nvarchar(45)",
                maxLength: 45,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_instances_vpc_id",
                schema: "compute",
                table: "instances",
                column: "vpc_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_instances_vpc_id",
                schema: "compute",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "mac_address",
                schema: "compute",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "network_interface_id",
                schema: "compute",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "subnet_id",
                schema: "compute",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "vpc_id",
                schema: "compute",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "tunnel_address",
                schema: "compute",
                table: "hosts");
        }
    }
}
