using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class AutoScalingGroupMetrics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "enabled_metrics",
                table: "compute_scaling_groups",
                type: "TEXT",
                maxLength: 1024,
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.CreateTable(
                name: "compute_scaling_group_metrics",
                columns: table => new
                {
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    group_name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    metric_name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    period_start = table.Column<DateTime>(type: "TEXT", nullable: false),
                    value = table.Column<double>(type: "REAL", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_scaling_group_metrics", x => new { x.account_id, x.group_name, x.metric_name, x.period_start });
                });

            migrationBuilder.CreateIndex(
                name: "IX_compute_scaling_group_metrics_period_start",
                table: "compute_scaling_group_metrics",
                column: "period_start");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "compute_scaling_group_metrics");

            migrationBuilder.DropColumn(
                name: "enabled_metrics",
                table: "compute_scaling_groups");
        }
    }
}
