using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class SpotInstances : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "awaiting_capacity",
                table: "compute_instances",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "instance_lifecycle",
                table: "compute_instances",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "spot_action_time",
                table: "compute_instances",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "spot_instance_request_id",
                table: "compute_instances",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "spot_interruption_behavior",
                table: "compute_instances",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "spot_max_price",
                table: "compute_instances",
                type: "TEXT",
                precision: 20,
                scale: 10,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "awaiting_capacity",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "instance_lifecycle",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "spot_action_time",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "spot_instance_request_id",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "spot_interruption_behavior",
                table: "compute_instances");

            migrationBuilder.DropColumn(
                name: "spot_max_price",
                table: "compute_instances");
        }
    }
}
