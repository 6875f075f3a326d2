using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class InstanceRefreshPreferences : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "checkpoint_delay",
                schema: "compute",
                table: "instance_refreshes",
                type: "int",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "checkpoint_percentages",
                schema: "compute",
                table: "instance_refreshes",
                type: "nvarchar(400)",
                maxLength: 400,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "checkpoint_reached_at",
                schema: "compute",
                table: "instance_refreshes",
                type: "datetime2",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "checkpoints_passed",
                schema: "compute",
                table: "instance_refreshes",
                type: "int",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "max_healthy_percentage",
                schema: "compute",
                table: "instance_refreshes",
                type: "int",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "skip_matching",
                schema: "compute",
                table: "instance_refreshes",
                type: "bit",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "checkpoint_delay",
                schema: "compute",
                table: "instance_refreshes");

            migrationBuilder.DropColumn(
                name: "checkpoint_percentages",
                schema: "compute",
                table: "instance_refreshes");

            migrationBuilder.DropColumn(
                name: "checkpoint_reached_at",
                schema: "compute",
                table: "instance_refreshes");

            migrationBuilder.DropColumn(
                name: "checkpoints_passed",
                schema: "compute",
                table: "instance_refreshes");

            migrationBuilder.DropColumn(
                name: "max_healthy_percentage",
                schema: "compute",
                table: "instance_refreshes");

            migrationBuilder.DropColumn(
                name: "skip_matching",
                schema: "compute",
                table: "instance_refreshes");
        }
    }
}
