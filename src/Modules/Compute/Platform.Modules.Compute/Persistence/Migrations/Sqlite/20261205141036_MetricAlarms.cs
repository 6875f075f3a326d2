using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class MetricAlarms : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "compute_alarm_history",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    alarm_name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    timestamp = table.Column<DateTime>(type: "TEXT", nullable: false),
                    history_item_type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    history_summary = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    history_data = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_alarm_history", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "compute_metric_alarms",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    @namespace = table.Column<string>(name: "namespace", type: "TEXT", maxLength: 255, nullable: false),
                    metric_name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    dimension_name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    dimension_value = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    statistic = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    period = table.Column<int>(type: "INTEGER", nullable: false),
                    evaluation_periods = table.Column<int>(type: "INTEGER", nullable: false),
                    datapoints_to_alarm = table.Column<int>(type: "INTEGER", nullable: false),
                    threshold = table.Column<double>(type: "REAL", nullable: false),
                    comparison_operator = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    treat_missing_data = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    actions_enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    alarm_actions = table.Column<string>(type: "TEXT", maxLength: 8192, nullable: false),
                    ok_actions = table.Column<string>(type: "TEXT", maxLength: 8192, nullable: false),
                    insufficient_data_actions = table.Column<string>(type: "TEXT", maxLength: 8192, nullable: false),
                    state_value = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    state_reason = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    state_reason_data = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    state_updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    actions_due_for = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    last_action_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    configuration_updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_compute_metric_alarms", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_compute_alarm_history_account_id_alarm_name_timestamp",
                table: "compute_alarm_history",
                columns: new[] { "account_id", "alarm_name", "timestamp" });

            migrationBuilder.CreateIndex(
                name: "IX_compute_metric_alarms_account_id_name",
                table: "compute_metric_alarms",
                columns: new[] { "account_id", "name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "compute_alarm_history");

            migrationBuilder.DropTable(
                name: "compute_metric_alarms");
        }
    }
}
