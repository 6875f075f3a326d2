using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Billing.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "billing");

            migrationBuilder.CreateTable(
                name: "instance_runs",
                schema: "billing",
                columns: table => new
                {
                    instance_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    started_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    service = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    usage_type = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    ended_at = table.Column<DateTime>(type: "datetime2", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_instance_runs", x => new { x.instance_id, x.started_at });
                });

            migrationBuilder.CreateTable(
                name: "invoices",
                schema: "billing",
                columns: table => new
                {
                    invoice_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    period = table.Column<DateOnly>(type: "date", nullable: false),
                    currency = table.Column<string>(type: "nvarchar(3)", maxLength: 3, nullable: false),
                    total = table.Column<decimal>(type: "decimal(20,2)", precision: 20, scale: 2, nullable: false),
                    issued_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_invoices", x => x.invoice_id);
                });

            migrationBuilder.CreateTable(
                name: "outbox_messages",
                schema: "billing",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    type = table.Column<string>(type: "nvarchar(512)", maxLength: 512, nullable: false),
                    payload = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    occurred_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    processed_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    attempts = table.Column<int>(type: "int", nullable: false),
                    last_error = table.Column<string>(type: "nvarchar(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_outbox_messages", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "prices",
                schema: "billing",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    effective_from = table.Column<DateTime>(type: "datetime2", nullable: false),
                    service = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    usage_type = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    price_per_unit = table.Column<decimal>(type: "decimal(20,10)", precision: 20, scale: 10, nullable: false),
                    price_unit = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    created_by = table.Column<string>(type: "nvarchar(2048)", maxLength: 2048, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_prices", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "usage_records",
                schema: "billing",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    idempotency_key = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    service = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    usage_type = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    resource_id = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    usage_start = table.Column<DateTime>(type: "datetime2", nullable: false),
                    usage_end = table.Column<DateTime>(type: "datetime2", nullable: false),
                    quantity = table.Column<decimal>(type: "decimal(28,6)", precision: 28, scale: 6, nullable: false),
                    unit = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    recorded_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_usage_records", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "invoice_lines",
                schema: "billing",
                columns: table => new
                {
                    invoice_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    line_number = table.Column<int>(type: "int", nullable: false),
                    service = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    usage_type = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    quantity = table.Column<decimal>(type: "decimal(28,6)", precision: 28, scale: 6, nullable: false),
                    unit = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    price_per_unit = table.Column<decimal>(type: "decimal(20,10)", precision: 20, scale: 10, nullable: false),
                    price_unit = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    amount = table.Column<decimal>(type: "decimal(20,2)", precision: 20, scale: 2, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_invoice_lines", x => new { x.invoice_id, x.line_number });
                    table.ForeignKey(
                        name: "FK_invoice_lines_invoices_invoice_id",
                        column: x => x.invoice_id,
                        principalSchema: "billing",
                        principalTable: "invoices",
                        principalColumn: "invoice_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_instance_runs_ended_at",
                schema: "billing",
                table: "instance_runs",
                column: "ended_at");

            migrationBuilder.CreateIndex(
                name: "IX_invoices_account_id_period",
                schema: "billing",
                table: "invoices",
                columns: new[] { "account_id", "period" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_outbox_messages_processed_at_occurred_at",
                schema: "billing",
                table: "outbox_messages",
                columns: new[] { "processed_at", "occurred_at" });

            migrationBuilder.CreateIndex(
                name: "IX_prices_service_usage_type_effective_from",
                schema: "billing",
                table: "prices",
                columns: new[] { "service", "usage_type", "effective_from" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_usage_records_account_id_usage_start",
                schema: "billing",
                table: "usage_records",
                columns: new[] { "account_id", "usage_start" });

            migrationBuilder.CreateIndex(
                name: "IX_usage_records_idempotency_key",
                schema: "billing",
                table: "usage_records",
                column: "idempotency_key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_usage_records_usage_start",
                schema: "billing",
                table: "usage_records",
                column: "usage_start");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "instance_runs",
                schema: "billing");

            migrationBuilder.DropTable(
                name: "invoice_lines",
                schema: "billing");

            migrationBuilder.DropTable(
                name: "outbox_messages",
                schema: "billing");

            migrationBuilder.DropTable(
                name: "prices",
                schema: "billing");

            migrationBuilder.DropTable(
                name: "usage_records",
                schema: "billing");

            migrationBuilder.DropTable(
                name: "invoices",
                schema: "billing");
        }
    }
}
