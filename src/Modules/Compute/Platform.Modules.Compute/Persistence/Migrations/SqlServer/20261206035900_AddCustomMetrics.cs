using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class AddCustomMetrics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "dimensions",
                schema: "compute",
                table: "metric_alarms",
                type: "nvarchar(max)",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "custom_metric_data",
                schema: "compute",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(36)", maxLength: 36, nullable: false),
                    metric_id = table.Column<string>(type: "nvarchar(36)", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    timestamp = table.Column<DateTime>(type: "datetime2", nullable: false),
                    unit = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    sample_count = table.Column<double>(type: "float", nullable: false),
                    sum = table.Column<double>(type: "float", nullable: false),
                    minimum = table.Column<double>(type: "float", nullable: false),
                    maximum = table.Column<double>(type: "float", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_custom_metric_data", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "custom_metrics",
                schema: "compute",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(36)", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    metric_key = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    @namespace = table.Column<string>(name: "namespace", type: "nvarchar(255)", maxLength: 255, nullable: false),
                    metric_name = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    dimensions = table.Column<string>(type: "nvarchar(max)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_custom_metrics", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_custom_metric_data_metric_id_timestamp",
                schema: "compute",
                table: "custom_metric_data",
                columns: new[] { "metric_id", "timestamp" });

            migrationBuilder.CreateIndex(
                name: "IX_custom_metric_data_timestamp",
                schema: "compute",
                table: "custom_metric_data",
                column: "timestamp");

            migrationBuilder.CreateIndex(
                name: "IX_custom_metrics_account_id_metric_key",
                schema: "compute",
                table: "custom_metrics",
                columns: new[] { "account_id", "metric_key" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "custom_metric_data",
                schema: "compute");

            migrationBuilder.DropTable(
                name: "custom_metrics",
                schema: "compute");

            migrationBuilder.DropColumn(
                name: "dimensions",
                schema: "compute",
                table: "metric_alarms");
        }
    }
}
