using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class InstanceRefreshPreferences : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "checkpoint_delay",
                table: "compute_instance_refreshes",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "checkpoint_percentages",
                table: "compute_instance_refreshes",
                type: "TEXT",
                maxLength: 400,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "checkpoint_reached_at",
                table: "compute_instance_refreshes",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "checkpoints_passed",
                table: "compute_instance_refreshes",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "max_healthy_percentage",
                table: "compute_instance_refreshes",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "skip_matching",
                table: "compute_instance_refreshes",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "checkpoint_delay",
                table: "compute_instance_refreshes");

            migrationBuilder.DropColumn(
                name: "checkpoint_percentages",
                table: "compute_instance_refreshes");

            migrationBuilder.DropColumn(
                name: "checkpoint_reached_at",
                table: "compute_instance_refreshes");

            migrationBuilder.DropColumn(
                name: "checkpoints_passed",
                table: "compute_instance_refreshes");

            migrationBuilder.DropColumn(
                name: "max_healthy_percentage",
                table: "compute_instance_refreshes");

            migrationBuilder.DropColumn(
                name: "skip_matching",
                table: "compute_instance_refreshes");
        }
    }
}
