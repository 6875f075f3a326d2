using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class InstanceRefreshAlarmsAndBakeTime : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "alarms",
                schema: "compute",
                table: "instance_refreshes",
                type: "nvarchar(2600)",
                maxLength: 2600,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "bake_time",
                schema: "compute",
                table: "instance_refreshes",
                type: "int",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "baking_since",
                schema: "compute",
                table: "instance_refreshes",
                type: "datetime2",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "alarms",
                schema: "compute",
                table: "instance_refreshes");

            migrationBuilder.DropColumn(
                name: "bake_time",
                schema: "compute",
                table: "instance_refreshes");

            migrationBuilder.DropColumn(
                name: "baking_since",
                schema: "compute",
                table: "instance_refreshes");
        }
    }
}
