using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Network.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class LoadBalancing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "network_listener_rules",
                columns: table => new
                {
                    arn = table.Column<string>(type: "TEXT", maxLength: 340, nullable: false),
                    listener_arn = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    priority = table.Column<int>(type: "INTEGER", nullable: false),
                    conditions_json = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    action_json = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_listener_rules", x => x.arn);
                });

            migrationBuilder.CreateTable(
                name: "network_listeners",
                columns: table => new
                {
                    arn = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    load_balancer_arn = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    protocol = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    port = table.Column<int>(type: "INTEGER", nullable: false),
                    default_action_json = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_listeners", x => x.arn);
                });

            migrationBuilder.CreateTable(
                name: "network_load_balancers",
                columns: table => new
                {
                    arn = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    type = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    scheme = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    vpc_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    state = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    nodes_json = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    security_groups_json = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    allocation_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    public_ip = table.Column<string>(type: "TEXT", maxLength: 15, nullable: true),
                    tags_json = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_load_balancers", x => x.arn);
                });

            migrationBuilder.CreateTable(
                name: "network_registered_targets",
                columns: table => new
                {
                    target_group_arn = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    target_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    port = table.Column<int>(type: "INTEGER", nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    ip_address = table.Column<string>(type: "TEXT", maxLength: 15, nullable: false),
                    availability_zone = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    registered_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    deregistered_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    reported_health = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    reported_reason = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    reported_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_registered_targets", x => new { x.target_group_arn, x.target_id, x.port });
                });

            migrationBuilder.CreateTable(
                name: "network_target_groups",
                columns: table => new
                {
                    arn = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    protocol = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    port = table.Column<int>(type: "INTEGER", nullable: false),
                    vpc_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    target_type = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    health_check_enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    health_check_protocol = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    health_check_port = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    health_check_path = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    health_check_interval_seconds = table.Column<int>(type: "INTEGER", nullable: false),
                    health_check_timeout_seconds = table.Column<int>(type: "INTEGER", nullable: false),
                    healthy_threshold_count = table.Column<int>(type: "INTEGER", nullable: false),
                    unhealthy_threshold_count = table.Column<int>(type: "INTEGER", nullable: false),
                    matcher = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    deregistration_delay_seconds = table.Column<int>(type: "INTEGER", nullable: false),
                    tags_json = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_network_target_groups", x => x.arn);
                });

            migrationBuilder.CreateIndex(
                name: "IX_network_listener_rules_listener_arn_priority",
                table: "network_listener_rules",
                columns: new[] { "listener_arn", "priority" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_network_listeners_load_balancer_arn_port",
                table: "network_listeners",
                columns: new[] { "load_balancer_arn", "port" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_network_load_balancers_account_id_name",
                table: "network_load_balancers",
                columns: new[] { "account_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_network_load_balancers_vpc_id",
                table: "network_load_balancers",
                column: "vpc_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_registered_targets_target_id",
                table: "network_registered_targets",
                column: "target_id");

            migrationBuilder.CreateIndex(
                name: "IX_network_target_groups_account_id_name",
                table: "network_target_groups",
                columns: new[] { "account_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_network_target_groups_vpc_id",
                table: "network_target_groups",
                column: "vpc_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "network_listener_rules");

            migrationBuilder.DropTable(
                name: "network_listeners");

            migrationBuilder.DropTable(
                name: "network_load_balancers");

            migrationBuilder.DropTable(
                name: "network_registered_targets");

            migrationBuilder.DropTable(
                name: "network_target_groups");
        }
    }
}
