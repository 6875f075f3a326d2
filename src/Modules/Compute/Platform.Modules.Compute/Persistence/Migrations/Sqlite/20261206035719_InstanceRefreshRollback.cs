using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class InstanceRefreshRollback : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "launch_template_id",
                table: "compute_scaling_group_instances",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "auto_rollback",
                table: "compute_instance_refreshes",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "desired_launch_template_id",
                table: "compute_instance_refreshes",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "desired_launch_template_version",
                table: "compute_instance_refreshes",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "instances_to_update_on_rollback",
                table: "compute_instance_refreshes",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "percentage_complete_on_rollback",
                table: "compute_instance_refreshes",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "previous_launch_template_id",
                table: "compute_instance_refreshes",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "previous_launch_template_version",
                table: "compute_instance_refreshes",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "protected_wait_since",
                table: "compute_instance_refreshes",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "rollback_reason",
                table: "compute_instance_refreshes",
                type: "TEXT",
                maxLength: 1023,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "rollback_start_time",
                table: "compute_instance_refreshes",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "scale_in_protected_instances",
                table: "compute_instance_refreshes",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "standby_instances",
                table: "compute_instance_refreshes",
                type: "TEXT",
                maxLength: 16,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "launch_template_id",
                table: "compute_scaling_group_instances");

            migrationBuilder.DropColumn(
                name: "auto_rollback",
                table: "compute_instance_refreshes");

            migrationBuilder.DropColumn(
                name: "desired_launch_template_id",
                table: "compute_instance_refreshes");

            migrationBuilder.DropColumn(
                name: "desired_launch_template_version",
                table: "compute_instance_refreshes");

            migrationBuilder.DropColumn(
                name: "instances_to_update_on_rollback",
                table: "compute_instance_refreshes");

            migrationBuilder.DropColumn(
                name: "percentage_complete_on_rollback",
                table: "compute_instance_refreshes");

            migrationBuilder.DropColumn(
                name: "previous_launch_template_id",
                table: "compute_instance_refreshes");

            migrationBuilder.DropColumn(
                name: "previous_launch_template_version",
                table: "compute_instance_refreshes");

            migrationBuilder.DropColumn(
                name: "protected_wait_since",
                table: "compute_instance_refreshes");

            migrationBuilder.DropColumn(
                name: "rollback_reason",
                table: "compute_instance_refreshes");

            migrationBuilder.DropColumn(
                name: "rollback_start_time",
                table: "compute_instance_refreshes");

            migrationBuilder.DropColumn(
                name: "scale_in_protected_instances",
                table: "compute_instance_refreshes");

            migrationBuilder.DropColumn(
                name: "standby_instances",
                table: "compute_instance_refreshes");
        }
    }
}
