using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class InstanceMetrics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "instance_metrics",
                schema: "compute",
                columns: table => new
                {
                    instance_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    period_start = table.Column<DateTime>(type: "datetime2", nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    intervals = table.Column<int>(type: "int", nullable: false),
                    cpu_time_ns = table.Column<long>(type: "bigint", nullable: false),
                    cpu_capacity_ns = table.Column<long>(type: "bigint", nullable: false),
                    network_in_bytes = table.Column<long>(type: "bigint", nullable: false),
                    network_out_bytes = table.Column<long>(type: "bigint", nullable: false),
                    network_packets_in = table.Column<long>(type: "bigint", nullable: false),
                    network_packets_out = table.Column<long>(type: "bigint", nullable: false),
                    disk_read_bytes = table.Column<long>(type: "bigint", nullable: false),
                    disk_write_bytes = table.Column<long>(type: "bigint", nullable: false),
                    disk_read_ops = table.Column<long>(type: "bigint", nullable: false),
                    disk_write_ops = table.Column<long>(type: "bigint", nullable: false),
                    memory_actual_kib = table.Column<long>(type: "bigint", nullable: true),
                    memory_rss_kib = table.Column<long>(type: "bigint", nullable: true),
                    memory_available_kib = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_instance_metrics", x => new { x.instance_id, x.period_start });
                });

            migrationBuilder.CreateTable(
                name: "instance_usage_samples",
                schema: "compute",
                columns: table => new
                {
                    instance_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    sample = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    received_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_instance_usage_samples", x => x.instance_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_instance_metrics_period_start",
                schema: "compute",
                table: "instance_metrics",
                column: "period_start");

            migrationBuilder.CreateIndex(
                name: "IX_instance_usage_samples_received_at",
                schema: "compute",
                table: "instance_usage_samples",
                column: "received_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "instance_metrics",
                schema: "compute");

            migrationBuilder.DropTable(
                name: "instance_usage_samples",
                schema: "compute");
        }
    }
}
