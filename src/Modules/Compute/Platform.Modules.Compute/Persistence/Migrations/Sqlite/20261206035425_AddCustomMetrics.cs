using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class AddCustomMetrics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "dimensions",
                table: "compute_metric_alarms",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "compute_custom_metric_data",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    metric_id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    timestamp = table.Column<DateTime>(type: "TEXT", nullable: false),
                    unit = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    sample_count = table.Column<double>(type: "REAL", nullable: false),
                    sum = table.Column<double>(type: "REAL", nullable: false),
                    minimum = table.Column<double>(type: "REAL", nullable: false),
                    maximum = table.Column<double>(type: "REAL", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_custom_metric_data", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "compute_custom_metrics",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    metric_key = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    @namespace = table.Column<string>(name: "namespace", type: "TEXT", maxLength: 255, nullable: false),
                    metric_name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    dimensions = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_custom_metrics", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_compute_custom_metric_data_metric_id_timestamp",
                table: "compute_custom_metric_data",
                columns: new[] { "metric_id", "timestamp" });

            migrationBuilder.CreateIndex(
                name: "IX_compute_custom_metric_data_timestamp",
                table: "compute_custom_metric_data",
                column: "timestamp");

            migrationBuilder.CreateIndex(
                name: "IX_compute_custom_metrics_account_id_metric_key",
                table: "compute_custom_metrics",
                columns: new[] { "account_id", "metric_key" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "compute_custom_metric_data");

            migrationBuilder.DropTable(
                name: "compute_custom_metrics");

            migrationBuilder.DropColumn(
                name: "dimensions",
                table: "compute_metric_alarms");
        }
    }
}
