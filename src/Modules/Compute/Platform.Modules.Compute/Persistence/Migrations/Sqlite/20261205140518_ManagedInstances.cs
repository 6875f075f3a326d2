using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class ManagedInstances : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "data_volume_id",
                table: "compute_instances",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "managed_by",
                table: "compute_instances",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "managed_report_hash",
                table: "compute_instances",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "managed_resource_id",
                table: "compute_instances",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_compute_instances_managed_by_managed_resource_id",
                table: "compute_instances",
                columns: new[] { "managed_by", "managed_resource_id" },
                unique: true,
                filter: "managed_resource_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_compute_instances_managed_by_managed_resource_id",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "data_volume_id",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "managed_by",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "managed_report_hash",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "managed_resource_id",
                table: "compute_instances");
        }
    }
}
