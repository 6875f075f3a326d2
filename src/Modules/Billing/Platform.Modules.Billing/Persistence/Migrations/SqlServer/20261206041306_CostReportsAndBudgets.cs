using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Billing.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class CostReportsAndBudgets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "budget_alerts",
                schema: "billing",
                columns: table => new
                {
                    budget_id = table.Column<string>(type: "nvarchar(36)", maxLength: 36, nullable: false),
                    notification_number = table.Column<int>(type: "int", nullable: false),
                    period = table.Column<DateOnly>(type: "date", nullable: false),
                    triggered_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    spend = table.Column<decimal>(type: "decimal(28,6)", precision: 28, scale: 6, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_budget_alerts", x => new { x.budget_id, x.notification_number, x.period });
                });

            migrationBuilder.CreateTable(
                name: "budgets",
                schema: "billing",
                columns: table => new
                {
                    budget_id = table.Column<string>(type: "nvarchar(36)", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    budget_name = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: false),
                    amount = table.Column<decimal>(type: "decimal(20,2)", precision: 20, scale: 2, nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    spend_period = table.Column<DateOnly>(type: "date", nullable: true),
                    actual_spend = table.Column<decimal>(type: "decimal(28,6)", precision: 28, scale: 6, nullable: true),
                    forecasted_spend = table.Column<decimal>(type: "decimal(28,6)", precision: 28, scale: 6, nullable: true),
                    evaluated_at = table.Column<DateTime>(type: "datetime2", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_budgets", x => x.budget_id);
                });

            migrationBuilder.CreateTable(
                name: "cost_report_deliveries",
                schema: "billing",
                columns: table => new
                {
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    report_name = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: false),
                    period = table.Column<DateOnly>(type: "date", nullable: false),
                    object_key = table.Column<string>(type: "nvarchar(1024)", maxLength: 1024, nullable: false),
                    etag = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    delivered_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_cost_report_deliveries", x => new { x.account_id, x.report_name, x.period });
                });

            migrationBuilder.CreateTable(
                name: "cost_reports",
                schema: "billing",
                columns: table => new
                {
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    report_name = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: false),
                    time_unit = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    s3_bucket = table.Column<string>(type: "nvarchar(63)", maxLength: 63, nullable: false),
                    s3_prefix = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    last_delivery = table.Column<DateTime>(type: "datetime2", nullable: true),
                    last_status = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_cost_reports", x => new { x.account_id, x.report_name });
                });

            migrationBuilder.CreateTable(
                name: "budget_notifications",
                schema: "billing",
                columns: table => new
                {
                    budget_id = table.Column<string>(type: "nvarchar(36)", maxLength: 36, nullable: false),
                    notification_number = table.Column<int>(type: "int", nullable: false),
                    notification_type = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    comparison_operator = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    threshold = table.Column<decimal>(type: "decimal(20,6)", precision: 20, scale: 6, nullable: false),
                    threshold_type = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_budget_notifications", x => new { x.budget_id, x.notification_number });
                    table.ForeignKey(
                        name: "FK_budget_notifications_budgets_budget_id",
                        column: x => x.budget_id,
                        principalSchema: "billing",
                        principalTable: "budgets",
                        principalColumn: "budget_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_budgets_account_id_budget_name",
                schema: "billing",
                table: "budgets",
                columns: new[] { "account_id", "budget_name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "budget_alerts",
                schema: "billing");

            migrationBuilder.DropTable(
                name: "budget_notifications",
                schema: "billing");

            migrationBuilder.DropTable(
                name: "cost_report_deliveries",
                schema: "billing");

            migrationBuilder.DropTable(
                name: "cost_reports",
                schema: "billing");

            migrationBuilder.DropTable(
                name: "budgets",
                schema: "billing");
        }
    }
}
