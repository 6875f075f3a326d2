using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class AutoScalingGroupMetrics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "enabled_metrics",
                schema: "compute",
                table: "scaling_groups",
                type: "nvarchar(1024)",
                maxLength: 1024,
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.CreateTable(
                name: "scaling_group_metrics",
                schema: "compute",
                columns: table => new
                {
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    group_name = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    metric_name = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    period_start = table.Column<DateTime>(type: "datetime2", nullable: false),
                    value = table.Column<double>(type: "float", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_scaling_group_metrics", x => new { x.account_id, x.group_name, x.metric_name, x.period_start });
                });

            migrationBuilder.CreateIndex(
                name: "IX_scaling_group_metrics_period_start",
                schema: "compute",
                table: "scaling_group_metrics",
                column: "period_start");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "scaling_group_metrics",
                schema: "compute");

            migrationBuilder.DropColumn(
                name: "enabled_metrics",
                schema: "compute",
                table: "scaling_groups");
        }
    }
}
