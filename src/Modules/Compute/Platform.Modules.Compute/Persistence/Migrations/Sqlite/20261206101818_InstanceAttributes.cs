using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class InstanceAttributes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "disable_api_stop",
                table: "compute_instances",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "disable_api_termination",
                table: "compute_instances",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "instance_initiated_shutdown_behavior",
                table: "compute_instances",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "stop");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "disable_api_stop",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "disable_api_termination",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "instance_initiated_shutdown_behavior",
                table: "compute_instances");
        }
    }
}
