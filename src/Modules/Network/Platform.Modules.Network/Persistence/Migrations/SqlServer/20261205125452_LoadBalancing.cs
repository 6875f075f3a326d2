using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Network.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class LoadBalancing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "listener_rules",
                schema: "network",
                columns: table => new
                {
                    arn = table.Column<string>(type: "nvarchar(340)", maxLength: 340, nullable: false),
                    listener_arn = table.Column<string>(type: "nvarchar(300)", maxLength: 300, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    priority = table.Column<int>(type: "int", nullable: false),
                    conditions_json = table.Column<string>(type: "nvarchar(max)", maxLength: 8000, nullable: false),
                    action_json = table.Column<string>(type: "nvarchar(4000)", maxLength: 4000, nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_listener_rules", x => x.arn);
                });

            migrationBuilder.CreateTable(
                name: "listeners",
                schema: "network",
                columns: table => new
                {
                    arn = table.Column<string>(type: "nvarchar(300)", maxLength: 300, nullable: false),
                    load_balancer_arn = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    protocol = table.Column<string>(type: "nvarchar(8)", maxLength: 8, nullable: false),
                    port = table.Column<int>(type: "int", nullable: false),
                    default_action_json = table.Column<string>(type: "nvarchar(4000)", maxLength: 4000, nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_listeners", x => x.arn);
                });

            migrationBuilder.CreateTable(
                name: "load_balancers",
                schema: "network",
                columns: table => new
                {
                    arn = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    type = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    scheme = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    vpc_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    state = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    nodes_json = table.Column<string>(type: "nvarchar(4000)", maxLength: 4000, nullable: false),
                    security_groups_json = table.Column<string>(type: "nvarchar(1000)", maxLength: 1000, nullable: false),
                    allocation_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    public_ip = table.Column<string>(type: "nvarchar(15)", maxLength: 15, nullable: true),
                    tags_json = table.Column<string>(type: "nvarchar(max)", maxLength: 8000, nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_load_balancers", x => x.arn);
                });

            migrationBuilder.CreateTable(
                name: "registered_targets",
                schema: "network",
                columns: table => new
                {
                    target_group_arn = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: false),
                    target_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    port = table.Column<int>(type: "int", nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    ip_address = table.Column<string>(type: "nvarchar(15)", maxLength: 15, nullable: false),
                    availability_zone = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    registered_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    deregistered_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    reported_health = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: true),
                    reported_reason = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    reported_at = table.Column<DateTime>(type: "datetime2", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_registered_targets", x => new { x.target_group_arn, x.target_id, x.port });
                });

            migrationBuilder.CreateTable(
                name: "target_groups",
                schema: "network",
                columns: table => new
                {
                    arn = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    protocol = table.Column<string>(type: "nvarchar(8)", maxLength: 8, nullable: false),
                    port = table.Column<int>(type: "int", nullable: false),
                    vpc_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    target_type = table.Column<string>(type: "nvarchar(8)", maxLength: 8, nullable: false),
                    health_check_enabled = table.Column<bool>(type: "bit", nullable: false),
                    health_check_protocol = table.Column<string>(type: "nvarchar(8)", maxLength: 8, nullable: false),
                    health_check_port = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    health_check_path = table.Column<string>(type: "nvarchar(1024)", maxLength: 1024, nullable: true),
                    health_check_interval_seconds = table.Column<int>(type: "int", nullable: false),
                    health_check_timeout_seconds = table.Column<int>(type: "int", nullable: false),
                    healthy_threshold_count = table.Column<int>(type: "int", nullable: false),
                    unhealthy_threshold_count = table.Column<int>(type: "int", nullable: false),
                    matcher = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    deregistration_delay_seconds = table.Column<int>(type: "int", nullable: false),
                    tags_json = table.Column<string>(type: "nvarchar(max)", maxLength: 8000, nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_target_groups", x => x.arn);
                });

            migrationBuilder.CreateIndex(
                name: "IX_listener_rules_listener_arn_priority",
                schema: "network",
                table: "listener_rules",
                columns: new[] { "listener_arn", "priority" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_listeners_load_balancer_arn_port",
                schema: "network",
                table: "listeners",
                columns: new[] { "load_balancer_arn", "port" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_load_balancers_account_id_name",
                schema: "network",
                table: "load_balancers",
                columns: new[] { "account_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_load_balancers_vpc_id",
                schema: "network",
                table: "load_balancers",
                column: "vpc_id");

            migrationBuilder.CreateIndex(
                name: "IX_registered_targets_target_id",
                schema: "network",
                table: "registered_targets",
                column: "target_id");

            migrationBuilder.CreateIndex(
                name: "IX_target_groups_account_id_name",
                schema: "network",
                table: "target_groups",
                columns: new[] { "account_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_target_groups_vpc_id",
                schema: "network",
                table: "target_groups",
                column: "vpc_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "listener_rules",
                schema: "network");

            migrationBuilder.DropTable(
                name: "listeners",
                schema: "network");

            migrationBuilder.DropTable(
                name: "load_balancers",
                schema: "network");

            migrationBuilder.DropTable(
                name: "registered_targets",
                schema: "network");

            migrationBuilder.DropTable(
                name: "target_groups",
                schema: "network");
        }
    }
}
