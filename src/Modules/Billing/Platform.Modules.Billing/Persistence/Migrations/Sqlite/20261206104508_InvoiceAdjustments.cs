using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Billing.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class InvoiceAdjustments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "adjustment_id",
                table: "billing_invoice_lines",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "description",
                table: "billing_invoice_lines",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "billing_invoice_adjustments",
                columns: table => new
                {
                    adjustment_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    period = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    amount = table.Column<decimal>(type: "TEXT", precision: 20, scale: 2, nullable: false),
                    service = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    reason = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_by = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    client_token = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    invoice_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_billing_invoice_adjustments", x => x.adjustment_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_billing_invoice_adjustments_account_id_period",
                table: "billing_invoice_adjustments",
                columns: new[] { "account_id", "period" });

            migrationBuilder.CreateIndex(
                name: "IX_billing_invoice_adjustments_client_token",
                table: "billing_invoice_adjustments",
                column: "client_token",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "billing_invoice_adjustments");

            migrationBuilder.DropColumn(
                name: "adjustment_id",
                table: "billing_invoice_lines");

            migrationBuilder.DropColumn(
                name: "description",
                table: "billing_invoice_lines");
        }
    }
}
