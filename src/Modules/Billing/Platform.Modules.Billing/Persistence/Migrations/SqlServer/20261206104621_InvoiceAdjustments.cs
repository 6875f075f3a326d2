using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Billing.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class InvoiceAdjustments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "adjustment_id",
                schema: "billing",
                table: "invoice_lines",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "description",
                schema: "billing",
                table: "invoice_lines",
                type: "nvarchar(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "invoice_adjustments",
                schema: "billing",
                columns: table => new
                {
                    adjustment_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    period = table.Column<DateOnly>(type: "date", nullable: false),
                    kind = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    amount = table.Column<decimal>(type: "decimal(20,2)", precision: 20, scale: 2, nullable: false),
                    service = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    reason = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    created_by = table.Column<string>(type: "nvarchar(2048)", maxLength: 2048, nullable: false),
                    client_token = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    invoice_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_invoice_adjustments", x => x.adjustment_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_invoice_adjustments_account_id_period",
                schema: "billing",
                table: "invoice_adjustments",
                columns: new[] { "account_id", "period" });

            migrationBuilder.CreateIndex(
                name: "IX_invoice_adjustments_client_token",
                schema: "billing",
                table: "invoice_adjustments",
                column: "client_token",
                unique: true,
                filter: "[client_token] IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "invoice_adjustments",
                schema: "billing");

            migrationBuilder.DropColumn(
                name: "adjustment_id",
                schema: "billing",
                table: "invoice_lines");

            migrationBuilder.DropColumn(
                name: "description",
                schema: "billing",
                table: "invoice_lines");
        }
    }
}
