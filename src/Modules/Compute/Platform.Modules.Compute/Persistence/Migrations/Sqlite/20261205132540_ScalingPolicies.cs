using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class ScalingPolicies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "capacity_change_cause",
                table: "compute_scaling_groups",
                type: "TEXT",
                maxLength: 1024,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "compute_scaling_policies",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    group_id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    policy_type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    adjustment_type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    scaling_adjustment = table.Column<int>(type: "INTEGER", nullable: true),
                    min_adjustment_magnitude = table.Column<int>(type: "INTEGER", nullable: true),
                    cooldown = table.Column<int>(type: "INTEGER", nullable: true),
                    step_adjustments = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: true),
                    estimated_instance_warmup = table.Column<int>(type: "INTEGER", nullable: true),
                    predefined_metric_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    target_value = table.Column<double>(type: "REAL", nullable: true),
                    disable_scale_in = table.Column<bool>(type: "INTEGER", nullable: false),
                    enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    last_scaled_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_scaling_policies", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_compute_scaling_policies_group_id_name",
                table: "compute_scaling_policies",
                columns: new[] { "group_id", "name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "compute_scaling_policies");

            migrationBuilder.DropColumn(
                name: "capacity_change_cause",
                table: "compute_scaling_groups");
        }
    }
}
