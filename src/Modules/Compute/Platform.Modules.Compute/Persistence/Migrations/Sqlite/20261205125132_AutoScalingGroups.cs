using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class AutoScalingGroups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "compute_launch_templates",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    default_version = table.Column<long>(type: "INTEGER", nullable: false),
                    latest_version = table.Column<long>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_launch_templates", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "compute_scaling_activities",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    group_id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    cause = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    status_code = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    status_message = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    progress = table.Column<int>(type: "INTEGER", nullable: false),
                    start_time = table.Column<DateTime>(type: "TEXT", nullable: false),
                    end_time = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_scaling_activities", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "compute_scaling_group_instances",
                columns: table => new
                {
                    client_token = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    group_id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    instance_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    availability_zone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    subnet_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    lifecycle_state = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    health_status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    protected_from_scale_in = table.Column<bool>(type: "INTEGER", nullable: false),
                    launch_template_version = table.Column<long>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    launched_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_scaling_group_instances", x => x.client_token);
                });

            migrationBuilder.CreateTable(
                name: "compute_scaling_groups",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    launch_template_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    launch_template_version = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    min_size = table.Column<int>(type: "INTEGER", nullable: false),
                    max_size = table.Column<int>(type: "INTEGER", nullable: false),
                    desired_capacity = table.Column<int>(type: "INTEGER", nullable: false),
                    subnets = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: false),
                    vpc_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    availability_zones = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: false),
                    health_check_type = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    health_check_grace_period = table.Column<int>(type: "INTEGER", nullable: false),
                    default_cooldown = table.Column<int>(type: "INTEGER", nullable: false),
                    default_instance_warmup = table.Column<int>(type: "INTEGER", nullable: true),
                    termination_policies = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    new_instances_protected_from_scale_in = table.Column<bool>(type: "INTEGER", nullable: false),
                    suspended_processes = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    tags = table.Column<string>(type: "TEXT", nullable: false),
                    target_group_arns = table.Column<string>(type: "TEXT", nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    lease_holder = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    lease_expires_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    revision = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_scaling_groups", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "compute_launch_template_versions",
                columns: table => new
                {
                    template_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    version_number = table.Column<long>(type: "INTEGER", nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    image_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    instance_type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    key_name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    security_groups = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: false),
                    user_data = table.Column<string>(type: "TEXT", nullable: true),
                    tags = table.Column<string>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_launch_template_versions", x => new { x.template_id, x.version_number });
                    table.ForeignKey(
                        name: "FK_compute_launch_template_versions_compute_launch_templates_template_id",
                        column: x => x.template_id,
                        principalTable: "compute_launch_templates",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_compute_launch_templates_account_id_name",
                table: "compute_launch_templates",
                columns: new[] { "account_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_compute_scaling_activities_group_id_start_time",
                table: "compute_scaling_activities",
                columns: new[] { "group_id", "start_time" });

            migrationBuilder.CreateIndex(
                name: "IX_compute_scaling_group_instances_group_id_lifecycle_state",
                table: "compute_scaling_group_instances",
                columns: new[] { "group_id", "lifecycle_state" });

            migrationBuilder.CreateIndex(
                name: "IX_compute_scaling_group_instances_instance_id",
                table: "compute_scaling_group_instances",
                column: "instance_id");

            migrationBuilder.CreateIndex(
                name: "IX_compute_scaling_groups_account_id_name",
                table: "compute_scaling_groups",
                columns: new[] { "account_id", "name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "compute_launch_template_versions");

            migrationBuilder.DropTable(
                name: "compute_scaling_activities");

            migrationBuilder.DropTable(
                name: "compute_scaling_group_instances");

            migrationBuilder.DropTable(
                name: "compute_scaling_groups");

            migrationBuilder.DropTable(
                name: "compute_launch_templates");
        }
    }
}
