using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Iam.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "iam");

            migrationBuilder.CreateTable(
                name: "access_keys",
                schema: "iam",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    user_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    protected_secret = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: false),
                    status = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_access_keys", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "accounts",
                schema: "iam",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    is_management = table.Column<bool>(type: "bit", nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_accounts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "inline_policies",
                schema: "iam",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    normalized_name = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    policy_name = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    document = table.Column<string>(type: "nvarchar(max)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_inline_policies", x => new { x.user_id, x.normalized_name });
                });

            migrationBuilder.CreateTable(
                name: "managed_policies",
                schema: "iam",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    policy_name = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    normalized_name = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    path = table.Column<string>(type: "nvarchar(512)", maxLength: 512, nullable: false),
                    description = table.Column<string>(type: "nvarchar(1000)", maxLength: 1000, nullable: true),
                    document = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    updated_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_managed_policies", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "outbox_messages",
                schema: "iam",
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
                name: "user_policy_attachments",
                schema: "iam",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    policy_arn = table.Column<string>(type: "nvarchar(700)", maxLength: 700, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    attached_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_user_policy_attachments", x => new { x.user_id, x.policy_arn });
                });

            migrationBuilder.CreateTable(
                name: "users",
                schema: "iam",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    user_name = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    normalized_name = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    path = table.Column<string>(type: "nvarchar(512)", maxLength: 512, nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_users", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_access_keys_account_id_user_id",
                schema: "iam",
                table: "access_keys",
                columns: new[] { "account_id", "user_id" });

            migrationBuilder.CreateIndex(
                name: "IX_accounts_name",
                schema: "iam",
                table: "accounts",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_managed_policies_account_id_normalized_name",
                schema: "iam",
                table: "managed_policies",
                columns: new[] { "account_id", "normalized_name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_outbox_messages_processed_at_occurred_at",
                schema: "iam",
                table: "outbox_messages",
                columns: new[] { "processed_at", "occurred_at" });

            migrationBuilder.CreateIndex(
                name: "IX_user_policy_attachments_account_id_policy_arn",
                schema: "iam",
                table: "user_policy_attachments",
                columns: new[] { "account_id", "policy_arn" });

            migrationBuilder.CreateIndex(
                name: "IX_users_account_id_normalized_name",
                schema: "iam",
                table: "users",
                columns: new[] { "account_id", "normalized_name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "access_keys",
                schema: "iam");

            migrationBuilder.DropTable(
                name: "accounts",
                schema: "iam");

            migrationBuilder.DropTable(
                name: "inline_policies",
                schema: "iam");

            migrationBuilder.DropTable(
                name: "managed_policies",
                schema: "iam");

            migrationBuilder.DropTable(
                name: "outbox_messages",
                schema: "iam");

            migrationBuilder.DropTable(
                name: "user_policy_attachments",
                schema: "iam");

            migrationBuilder.DropTable(
                name: "users",
                schema: "iam");
        }
    }
}
