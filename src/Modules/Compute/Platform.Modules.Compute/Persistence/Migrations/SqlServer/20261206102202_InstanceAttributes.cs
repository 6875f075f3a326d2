using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class InstanceAttributes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "disable_api_stop",
                schema: "compute",
                table: "instances",
                type: "bit",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "disable_api_termination",
                schema: "compute",
                table: "instances",
                type: "bit",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "instance_initiated_shutdown_behavior",
                schema: "compute",
                table: "instances",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "stop");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "disable_api_stop",
                schema: "compute",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "disable_api_termination",
                schema: "compute",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "instance_initiated_shutdown_behavior",
                schema: "compute",
                table: "instances");
        }
    }
}
