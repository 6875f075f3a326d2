using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class InstanceMetrics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "compute_instance_metrics",
                columns: table => new
                {
                    instance_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    period_start = table.Column<DateTime>(type: "TEXT", nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    intervals = table.Column<int>(type: "INTEGER", nullable: false),
                    cpu_time_ns = table.Column<long>(type: "INTEGER", nullable: false),
                    cpu_capacity_ns = table.Column<long>(type: "INTEGER", nullable: false),
                    network_in_bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    network_out_bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    network_packets_in = table.Column<long>(type: "INTEGER", nullable: false),
                    network_packets_out = table.Column<long>(type: "INTEGER", nullable: false),
                    disk_read_bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    disk_write_bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    disk_read_ops = table.Column<long>(type: "INTEGER", nullable: false),
                    disk_write_ops = table.Column<long>(type: "INTEGER", nullable: false),
                    memory_actual_kib = table.Column<long>(type: "INTEGER", nullable: true),
                    memory_rss_kib = table.Column<long>(type: "INTEGER", nullable: true),
                    memory_available_kib = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_instance_metrics", x => new { x.instance_id, x.period_start });
                });

            migrationBuilder.CreateTable(
                name: "compute_instance_usage_samples",
                columns: table => new
                {
                    instance_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    sample = table.Column<string>(type: "TEXT", nullable: false),
                    received_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_instance_usage_samples", x => x.instance_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_compute_instance_metrics_period_start",
                table: "compute_instance_metrics",
                column: "period_start");

            migrationBuilder.CreateIndex(
                name: "IX_compute_instance_usage_samples_received_at",
                table: "compute_instance_usage_samples",
                column: "received_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "compute_instance_metrics");

            migrationBuilder.DropTable(
                name: "compute_instance_usage_samples");
        }
    }
}
