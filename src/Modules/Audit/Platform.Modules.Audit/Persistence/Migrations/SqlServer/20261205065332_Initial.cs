using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Audit.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "audit");

            migrationBuilder.CreateTable(
                name: "deliveries",
                schema: "audit",
                columns: table => new
                {
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    day = table.Column<DateOnly>(type: "date", nullable: false),
                    bucket_name = table.Column<string>(type: "nvarchar(63)", maxLength: 63, nullable: false),
                    object_key = table.Column<string>(type: "nvarchar(1024)", maxLength: 1024, nullable: true),
                    event_count = table.Column<int>(type: "int", nullable: false),
                    delivered_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_deliveries", x => new { x.account_id, x.day });
                });

            migrationBuilder.CreateTable(
                name: "events",
                schema: "audit",
                columns: table => new
                {
                    event_id = table.Column<string>(type: "nvarchar(36)", maxLength: 36, nullable: false),
                    request_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    event_time = table.Column<DateTime>(type: "datetime2", nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: true),
                    principal_arn = table.Column<string>(type: "nvarchar(2048)", maxLength: 2048, nullable: true),
                    user_name = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    access_key_id = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: true),
                    source_ip_address = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    user_agent = table.Column<string>(type: "nvarchar(512)", maxLength: 512, nullable: true),
                    event_source = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    event_name = table.Column<string>(type: "nvarchar(512)", maxLength: 512, nullable: false),
                    operation = table.Column<string>(type: "nvarchar(512)", maxLength: 512, nullable: false),
                    read_only = table.Column<bool>(type: "bit", nullable: false),
                    resources = table.Column<string>(type: "nvarchar(max)", nullable: true),
                    outcome = table.Column<int>(type: "int", nullable: false),
                    status_code = table.Column<int>(type: "int", nullable: true),
                    error_code = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: true),
                    error_message = table.Column<string>(type: "nvarchar(1024)", maxLength: 1024, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_events", x => x.event_id);
                });

            migrationBuilder.CreateTable(
                name: "outbox_messages",
                schema: "audit",
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
                name: "trails",
                schema: "audit",
                columns: table => new
                {
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    bucket_name = table.Column<string>(type: "nvarchar(63)", maxLength: 63, nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    updated_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_trails", x => x.account_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_events_account_id_event_time",
                schema: "audit",
                table: "events",
                columns: new[] { "account_id", "event_time" });

            migrationBuilder.CreateIndex(
                name: "IX_events_event_time",
                schema: "audit",
                table: "events",
                column: "event_time");

            migrationBuilder.CreateIndex(
                name: "IX_events_request_id",
                schema: "audit",
                table: "events",
                column: "request_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_outbox_messages_processed_at_occurred_at",
                schema: "audit",
                table: "outbox_messages",
                columns: new[] { "processed_at", "occurred_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "deliveries",
                schema: "audit");

            migrationBuilder.DropTable(
                name: "events",
                schema: "audit");

            migrationBuilder.DropTable(
                name: "outbox_messages",
                schema: "audit");

            migrationBuilder.DropTable(
                name: "trails",
                schema: "audit");
        }
    }
}
