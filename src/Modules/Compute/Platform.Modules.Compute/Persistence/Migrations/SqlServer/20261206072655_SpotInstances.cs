using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class SpotInstances : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "awaiting_capacity",
                schema: "compute",
                table: "instances",
                type: "bit",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "instance_lifecycle",
                schema: "compute",
                table: "instances",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "spot_action_time",
                schema: "compute",
                table: "instances",
                type: "datetime2",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "spot_instance_request_id",
                schema: "compute",
                table: "instances",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "spot_interruption_behavior",
                schema: "compute",
                table: "instances",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "spot_max_price",
                schema: "compute",
                table: "instances",
                type: "decimal(20,10)",
                precision: 20,
                scale: 10,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "awaiting_capacity",
                schema: "compute",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "instance_lifecycle",
                schema: "compute",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "spot_action_time",
                schema: "compute",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "spot_instance_request_id",
                schema: "compute",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "spot_interruption_behavior",
                schema: "compute",
                table: "instances");

            migrationBuilder.DropColumn(
                name: "spot_max_price",
                schema: "compute",
                table: "instances");
        }
    }
}
