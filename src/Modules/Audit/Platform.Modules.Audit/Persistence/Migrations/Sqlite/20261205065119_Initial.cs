using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Audit.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "audit_deliveries",
                columns: table => new
                {
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    bucket_name = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    object_key = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    event_count = table.Column<int>(type: "INTEGER", nullable: false),
                    delivered_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_deliveries", x => new { x.account_id, x.day });
                });

            migrationBuilder.CreateTable(
                name: "audit_events",
                columns: table => new
                {
                    event_id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    request_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    event_time = table.Column<DateTime>(type: "TEXT", nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: true),
                    principal_arn = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    user_name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    access_key_id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    source_ip_address = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    user_agent = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    event_source = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    event_name = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    operation = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    read_only = table.Column<bool>(type: "INTEGER", nullable: false),
                    resources = table.Column<string>(type: "TEXT", nullable: true),
                    outcome = table.Column<int>(type: "INTEGER", nullable: false),
                    status_code = table.Column<int>(type: "INTEGER", nullable: true),
                    error_code = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    error_message = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_events", x => x.event_id);
                });

            migrationBuilder.CreateTable(
                name: "audit_outbox_messages",
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
                    table.PrimaryKey("PK_audit_outbox_messages", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "audit_trails",
                columns: table => new
                {
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    bucket_name = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_trails", x => x.account_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_audit_events_account_id_event_time",
                table: "audit_events",
                columns: new[] { "account_id", "event_time" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_events_event_time",
                table: "audit_events",
                column: "event_time");

            migrationBuilder.CreateIndex(
                name: "IX_audit_events_request_id",
                table: "audit_events",
                column: "request_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_audit_outbox_messages_processed_at_occurred_at",
                table: "audit_outbox_messages",
                columns: new[] { "processed_at", "occurred_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "audit_deliveries");

            migrationBuilder.DropTable(
                name: "audit_events");

            migrationBuilder.DropTable(
                name: "audit_outbox_messages");

            migrationBuilder.DropTable(
                name: "audit_trails");
        }
    }
}
