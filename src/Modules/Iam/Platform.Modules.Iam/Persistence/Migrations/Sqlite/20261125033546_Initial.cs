using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Iam.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "iam_access_keys",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    user_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    protected_secret = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_iam_access_keys", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "iam_accounts",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    is_management = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_iam_accounts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "iam_inline_policies",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    normalized_name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    policy_name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    document = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_iam_inline_policies", x => new { x.user_id, x.normalized_name });
                });

            migrationBuilder.CreateTable(
                name: "iam_managed_policies",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    policy_name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    normalized_name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    path = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    document = table.Column<string>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_iam_managed_policies", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "iam_outbox_messages",
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
                    table.PrimaryKey("PK_iam_outbox_messages", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "iam_user_policy_attachments",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    policy_arn = table.Column<string>(type: "TEXT", maxLength: 700, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    attached_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_iam_user_policy_attachments", x => new { x.user_id, x.policy_arn });
                });

            migrationBuilder.CreateTable(
                name: "iam_users",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    user_name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    normalized_name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    path = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_iam_users", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_iam_access_keys_account_id_user_id",
                table: "iam_access_keys",
                columns: new[] { "account_id", "user_id" });

            migrationBuilder.CreateIndex(
                name: "IX_iam_accounts_name",
                table: "iam_accounts",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_iam_managed_policies_account_id_normalized_name",
                table: "iam_managed_policies",
                columns: new[] { "account_id", "normalized_name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_iam_outbox_messages_processed_at_occurred_at",
                table: "iam_outbox_messages",
                columns: new[] { "processed_at", "occurred_at" });

            migrationBuilder.CreateIndex(
                name: "IX_iam_user_policy_attachments_account_id_policy_arn",
                table: "iam_user_policy_attachments",
                columns: new[] { "account_id", "policy_arn" });

            migrationBuilder.CreateIndex(
                name: "IX_iam_users_account_id_normalized_name",
                table: "iam_users",
                columns: new[] { "account_id", "normalized_name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "iam_access_keys");

            migrationBuilder.DropTable(
                name: "iam_accounts");

            migrationBuilder.DropTable(
                name: "iam_inline_policies");

            migrationBuilder.DropTable(
                name: "iam_managed_policies");

            migrationBuilder.DropTable(
                name: "iam_outbox_messages");

            migrationBuilder.DropTable(
                name: "iam_user_policy_attachments");

            migrationBuilder.DropTable(
                name: "iam_users");
        }
    }
}
