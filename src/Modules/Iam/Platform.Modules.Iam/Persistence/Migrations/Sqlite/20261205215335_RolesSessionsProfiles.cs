using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Iam.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class RolesSessionsProfiles : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "iam_instance_profiles",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    normalized_name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    path = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    role_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_iam_instance_profiles", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "iam_role_inline_policies",
                columns: table => new
                {
                    role_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    normalized_name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    policy_name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    document = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_iam_role_inline_policies", x => new { x.role_id, x.normalized_name });
                });

            migrationBuilder.CreateTable(
                name: "iam_role_policy_attachments",
                columns: table => new
                {
                    role_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    policy_arn = table.Column<string>(type: "TEXT", maxLength: 700, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    attached_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_iam_role_policy_attachments", x => new { x.role_id, x.policy_arn });
                });

            migrationBuilder.CreateTable(
                name: "iam_roles",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    role_name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    normalized_name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    path = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    assume_role_policy = table.Column<string>(type: "TEXT", nullable: false),
                    max_session_duration = table.Column<int>(type: "INTEGER", nullable: false),
                    tags = table.Column<string>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_iam_roles", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "iam_session_credentials",
                columns: table => new
                {
                    access_key_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    role_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    user_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    session_name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    protected_secret = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    token_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    session_policy = table.Column<string>(type: "TEXT", nullable: true),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_iam_session_credentials", x => x.access_key_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_iam_instance_profiles_account_id_normalized_name",
                table: "iam_instance_profiles",
                columns: new[] { "account_id", "normalized_name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_iam_instance_profiles_role_id",
                table: "iam_instance_profiles",
                column: "role_id");

            migrationBuilder.CreateIndex(
                name: "IX_iam_role_policy_attachments_account_id_policy_arn",
                table: "iam_role_policy_attachments",
                columns: new[] { "account_id", "policy_arn" });

            migrationBuilder.CreateIndex(
                name: "IX_iam_roles_account_id_normalized_name",
                table: "iam_roles",
                columns: new[] { "account_id", "normalized_name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_iam_session_credentials_expires_at",
                table: "iam_session_credentials",
                column: "expires_at");

            migrationBuilder.CreateIndex(
                name: "IX_iam_session_credentials_role_id",
                table: "iam_session_credentials",
                column: "role_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "iam_instance_profiles");

            migrationBuilder.DropTable(
                name: "iam_role_inline_policies");

            migrationBuilder.DropTable(
                name: "iam_role_policy_attachments");

            migrationBuilder.DropTable(
                name: "iam_roles");

            migrationBuilder.DropTable(
                name: "iam_session_credentials");
        }
    }
}
