using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class InstanceRefreshAlarmsAndBakeTime : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "alarms",
                table: "compute_instance_refreshes",
                type: "TEXT",
                maxLength: 2600,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "bake_time",
                table: "compute_instance_refreshes",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "baking_since",
                table: "compute_instance_refreshes",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "alarms",
                table: "compute_instance_refreshes");

            migrationBuilder.DropColumn(
                name: "bake_time",
                table: "compute_instance_refreshes");

            migrationBuilder.DropColumn(
                name: "baking_since",
                table: "compute_instance_refreshes");
        }
    }
}
