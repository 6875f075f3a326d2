using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Billing.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class CostReportsAndBudgets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "billing_budget_alerts",
                columns: table => new
                {
                    budget_id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    notification_number = table.Column<int>(type: "INTEGER", nullable: false),
                    period = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    triggered_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    spend = table.Column<decimal>(type: "TEXT", precision: 28, scale: 6, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_billing_budget_alerts", x => new { x.budget_id, x.notification_number, x.period });
                });

            migrationBuilder.CreateTable(
                name: "billing_budgets",
                columns: table => new
                {
                    budget_id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    budget_name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    amount = table.Column<decimal>(type: "TEXT", precision: 20, scale: 2, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    spend_period = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    actual_spend = table.Column<decimal>(type: "TEXT", precision: 28, scale: 6, nullable: true),
                    forecasted_spend = table.Column<decimal>(type: "TEXT", precision: 28, scale: 6, nullable: true),
                    evaluated_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_billing_budgets", x => x.budget_id);
                });

            migrationBuilder.CreateTable(
                name: "billing_cost_report_deliveries",
                columns: table => new
                {
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    report_name = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    period = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    object_key = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    etag = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    delivered_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_billing_cost_report_deliveries", x => new { x.account_id, x.report_name, x.period });
                });

            migrationBuilder.CreateTable(
                name: "billing_cost_reports",
                columns: table => new
                {
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    report_name = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    time_unit = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    s3_bucket = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    s3_prefix = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    last_delivery = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_billing_cost_reports", x => new { x.account_id, x.report_name });
                });

            migrationBuilder.CreateTable(
                name: "billing_budget_notifications",
                columns: table => new
                {
                    budget_id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    notification_number = table.Column<int>(type: "INTEGER", nullable: false),
                    notification_type = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    comparison_operator = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    threshold = table.Column<decimal>(type: "TEXT", precision: 20, scale: 6, nullable: false),
                    threshold_type = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_billing_budget_notifications", x => new { x.budget_id, x.notification_number });
                    table.ForeignKey(
                        name: "FK_billing_budget_notifications_billing_budgets_budget_id",
                        column: x => x.budget_id,
                        principalTable: "billing_budgets",
                        principalColumn: "budget_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_billing_budgets_account_id_budget_name",
                table: "billing_budgets",
                columns: new[] { "account_id", "budget_name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "billing_budget_alerts");

            migrationBuilder.DropTable(
                name: "billing_budget_notifications");

            migrationBuilder.DropTable(
                name: "billing_cost_report_deliveries");

            migrationBuilder.DropTable(
                name: "billing_cost_reports");

            migrationBuilder.DropTable(
                name: "billing_budgets");
        }
    }
}
