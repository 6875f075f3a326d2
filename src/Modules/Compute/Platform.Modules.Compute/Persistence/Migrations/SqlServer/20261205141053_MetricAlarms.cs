using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Compute.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class MetricAlarms : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "alarm_history",
                schema: "compute",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(36)", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    alarm_name = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    timestamp = table.Column<DateTime>(type: "datetime2", nullable: false),
                    history_item_type = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    history_summary = table.Column<string>(type: "nvarchar(1024)", maxLength: 1024, nullable: false),
                    history_data = table.Column<string>(type: "nvarchar(max)", maxLength: 8000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_alarm_history", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "metric_alarms",
                schema: "compute",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(36)", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    description = table.Column<string>(type: "nvarchar(1024)", maxLength: 1024, nullable: true),
                    @namespace = table.Column<string>(name: "namespace", type: "nvarchar(255)", maxLength: 255, nullable: false),
                    metric_name = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    dimension_name = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    dimension_value = table.Column<string>(type: "nvarchar(1024)", maxLength: 1024, nullable: false),
                    statistic = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    period = table.Column<int>(type: "int", nullable: false),
                    evaluation_periods = table.Column<int>(type: "int", nullable: false),
                    datapoints_to_alarm = table.Column<int>(type: "int", nullable: false),
                    threshold = table.Column<double>(type: "float", nullable: false),
                    comparison_operator = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    treat_missing_data = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    actions_enabled = table.Column<bool>(type: "bit", nullable: false),
                    alarm_actions = table.Column<string>(type: "nvarchar(max)", maxLength: 8192, nullable: false),
                    ok_actions = table.Column<string>(type: "nvarchar(max)", maxLength: 8192, nullable: false),
                    insufficient_data_actions = table.Column<string>(type: "nvarchar(max)", maxLength: 8192, nullable: false),
                    state_value = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    state_reason = table.Column<string>(type: "nvarchar(1024)", maxLength: 1024, nullable: false),
                    state_reason_data = table.Column<string>(type: "nvarchar(4000)", maxLength: 4000, nullable: true),
                    state_updated_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    actions_due_for = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    last_action_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    configuration_updated_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_metric_alarms", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_alarm_history_account_id_alarm_name_timestamp",
                schema: "compute",
                table: "alarm_history",
                columns: new[] { "account_id", "alarm_name", "timestamp" });

            migrationBuilder.CreateIndex(
                name: "IX_metric_alarms_account_id_name",
                schema: "compute",
                table: "metric_alarms",
                columns: new[] { "account_id", "name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "alarm_history",
                schema: "compute");

            migrationBuilder.DropTable(
                name: "metric_alarms",
                schema: "compute");
        }
    }
}
