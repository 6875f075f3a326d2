using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class InstanceRefreshRollback : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "launch_template_id",
                schema: "compute",
                table: "scaling_group_instances",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "auto_rollback",
                schema: "compute",
                table: "instance_refreshes",
                type: "bit",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "desired_launch_template_id",
                schema: "compute",
                table: "instance_refreshes",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "desired_launch_template_version",
                schema: "compute",
                table: "instance_refreshes",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "instances_to_update_on_rollback",
                schema: "compute",
                table: "instance_refreshes",
                type: "int",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "percentage_complete_on_rollback",
                schema: "compute",
                table: "instance_refreshes",
                type: "int",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "previous_launch_template_id",
                schema: "compute",
                table: "instance_refreshes",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "previous_launch_template_version",
                schema: "compute",
                table: "instance_refreshes",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "protected_wait_since",
                schema: "compute",
                table: "instance_refreshes",
                type: "datetime2",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "rollback_reason",
                schema: "compute",
                table: "instance_refreshes",
                type: "nvarchar(1023)",
                maxLength: 1023,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "rollback_start_time",
                schema: "compute",
                table: "instance_refreshes",
                type: "datetime2",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "scale_in_protected_instances",
                schema: "compute",
                table: "instance_refreshes",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "standby_instances",
                schema: "compute",
                table: "instance_refreshes",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "launch_template_id",
                schema: "compute",
                table: "scaling_group_instances");

            migrationBuilder.DropColumn(
                name: "auto_rollback",
                schema: "compute",
                table: "instance_refreshes");

            migrationBuilder.DropColumn(
                name: "desired_launch_template_id",
                schema: "compute",
                table: "instance_refreshes");

            migrationBuilder.DropColumn(
                name: "desired_launch_template_version",
                schema: "compute",
                table: "instance_refreshes");

            migrationBuilder.DropColumn(
                name: "instances_to_update_on_rollback",
                schema: "compute",
                table: "instance_refreshes");

            migrationBuilder.DropColumn(
                name: "percentage_complete_on_rollback",
                schema: "compute",
                table: "instance_refreshes");

            migrationBuilder.DropColumn(
                name: "previous_launch_template_id",
                schema: "compute",
                table: "instance_refreshes");

            migrationBuilder.DropColumn(
                name: "previous_launch_template_version",
                schema: "compute",
                table: "instance_refreshes");

            migrationBuilder.DropColumn(
                name: "protected_wait_since",
                schema: "compute",
                table: "instance_refreshes");

            migrationBuilder.DropColumn(
                name: "rollback_reason",
                schema: "compute",
                table: "instance_refreshes");

            migrationBuilder.DropColumn(
                name: "rollback_start_time",
                schema: "compute",
                table: "instance_refreshes");

            migrationBuilder.DropColumn(
                name: "scale_in_protected_instances",
                schema: "compute",
                table: "instance_refreshes");

            migrationBuilder.DropColumn(
                name: "standby_instances",
                schema: "compute",
                table: "instance_refreshes");
        }
    }
}
