using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class InstanceNetwork : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "mac_address",
                table: "compute_instances",
                type: "TEXT",
                maxLength: 17,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "network_interface_id",
                table: "compute_instances",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "subnet_id",
                table: "compute_instances",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "vpc_id",
                table: "compute_instances",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "tunnel_address",
                table: "compute_hosts",
                type: "TEXT",
                maxLength: 45,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_compute_instances_vpc_id",
                table: "compute_instances",
                column: "vpc_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_compute_instances_vpc_id",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "mac_address",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "network_interface_id",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "subnet_id",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "vpc_id",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "tunnel_address",
                table: "compute_hosts");
        }
    }
}
