using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class ScalingPolicies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "capacity_change_cause",
                schema: "compute",
                table: "scaling_groups",
                type: "nvarchar(1024)",
                maxLength: 1024,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "scaling_policies",
                schema: "compute",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(36)", maxLength: 36, nullable: false),
                    group_id = table.Column<string>(type: "nvarchar(36)", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    policy_type = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    adjustment_type = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    scaling_adjustment = table.Column<int>(type: "int", nullable: true),
                    min_adjustment_magnitude = table.Column<int>(type: "int", nullable: true),
                    cooldown = table.Column<int>(type: "int", nullable: true),
                    step_adjustments = table.Column<string>(type: "nvarchar(max)", maxLength: 4096, nullable: true),
                    estimated_instance_warmup = table.Column<int>(type: "int", nullable: true),
                    predefined_metric_type = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    target_value = table.Column<double>(type: "float", nullable: true),
                    disable_scale_in = table.Column<bool>(type: "bit", nullable: false),
                    enabled = table.Column<bool>(type: "bit", nullable: false),
                    last_scaled_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_scaling_policies", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_scaling_policies_group_id_name",
                schema: "compute",
                table: "scaling_policies",
                columns: new[] { "group_id", "name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "scaling_policies",
                schema: "compute");

            migrationBuilder.DropColumn(
                name: "capacity_change_cause",
                schema: "compute",
                table: "scaling_groups");
        }
    }
}
