using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Billing.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "billing_instance_runs",
                columns: table => new
                {
                    instance_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    started_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    service = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    usage_type = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    ended_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_billing_instance_runs", x => new { x.instance_id, x.started_at });
                });

            migrationBuilder.CreateTable(
                name: "billing_invoices",
                columns: table => new
                {
                    invoice_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    period = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    total = table.Column<decimal>(type: "TEXT", precision: 20, scale: 2, nullable: false),
                    issued_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_billing_invoices", x => x.invoice_id);
                });

            migrationBuilder.CreateTable(
                name: "billing_outbox_messages",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    type = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    payload = table.Column<string>(type: "TEXT", nullable: false),
                    occurred_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    processed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    last_error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_billing_outbox_messages", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "billing_prices",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    effective_from = table.Column<DateTime>(type: "TEXT", nullable: false),
                    service = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    usage_type = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    price_per_unit = table.Column<decimal>(type: "TEXT", precision: 20, scale: 10, nullable: false),
                    price_unit = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_by = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_billing_prices", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "billing_usage_records",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    idempotency_key = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    service = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    usage_type = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    resource_id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    usage_start = table.Column<DateTime>(type: "TEXT", nullable: false),
                    usage_end = table.Column<DateTime>(type: "TEXT", nullable: false),
                    quantity = table.Column<decimal>(type: "TEXT", precision: 28, scale: 6, nullable: false),
                    unit = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    recorded_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_billing_usage_records", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "billing_invoice_lines",
                columns: table => new
                {
                    invoice_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    line_number = table.Column<int>(type: "INTEGER", nullable: false),
                    service = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    usage_type = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    quantity = table.Column<decimal>(type: "TEXT", precision: 28, scale: 6, nullable: false),
                    unit = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    price_per_unit = table.Column<decimal>(type: "TEXT", precision: 20, scale: 10, nullable: false),
                    price_unit = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    amount = table.Column<decimal>(type: "TEXT", precision: 20, scale: 2, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_billing_invoice_lines", x => new { x.invoice_id, x.line_number });
                    table.ForeignKey(
                        name: "FK_billing_invoice_lines_billing_invoices_invoice_id",
                        column: x => x.invoice_id,
                        principalTable: "billing_invoices",
                        principalColumn: "invoice_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_billing_instance_runs_ended_at",
                table: "billing_instance_runs",
                column: "ended_at");

            migrationBuilder.CreateIndex(
                name: "IX_billing_invoices_account_id_period",
                table: "billing_invoices",
                columns: new[] { "account_id", "period" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_billing_outbox_messages_processed_at_occurred_at",
                table: "billing_outbox_messages",
                columns: new[] { "processed_at", "occurred_at" });

            migrationBuilder.CreateIndex(
                name: "IX_billing_prices_service_usage_type_effective_from",
                table: "billing_prices",
                columns: new[] { "service", "usage_type", "effective_from" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_billing_usage_records_account_id_usage_start",
                table: "billing_usage_records",
                columns: new[] { "account_id", "usage_start" });

            migrationBuilder.CreateIndex(
                name: "IX_billing_usage_records_idempotency_key",
                table: "billing_usage_records",
                column: "idempotency_key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_billing_usage_records_usage_start",
                table: "billing_usage_records",
                column: "usage_start");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "billing_instance_runs");

            migrationBuilder.DropTable(
                name: "billing_invoice_lines");

            migrationBuilder.DropTable(
                name: "billing_outbox_messages");

            migrationBuilder.DropTable(
                name: "billing_prices");

            migrationBuilder.DropTable(
                name: "billing_usage_records");

            migrationBuilder.DropTable(
                name: "billing_invoices");
        }
    }
}
