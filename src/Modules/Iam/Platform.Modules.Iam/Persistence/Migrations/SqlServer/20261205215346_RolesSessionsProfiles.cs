using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Iam.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class RolesSessionsProfiles : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "instance_profiles",
                schema: "iam",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    normalized_name = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    path = table.Column<string>(type: "nvarchar(512)", maxLength: 512, nullable: false),
                    role_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_instance_profiles", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "role_inline_policies",
                schema: "iam",
                columns: table => new
                {
                    role_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    normalized_name = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    policy_name = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    document = table.Column<string>(type: "nvarchar(max)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_role_inline_policies", x => new { x.role_id, x.normalized_name });
                });

            migrationBuilder.CreateTable(
                name: "role_policy_attachments",
                schema: "iam",
                columns: table => new
                {
                    role_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    policy_arn = table.Column<string>(type: "nvarchar(700)", maxLength: 700, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    attached_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_role_policy_attachments", x => new { x.role_id, x.policy_arn });
                });

            migrationBuilder.CreateTable(
                name: "roles",
                schema: "iam",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    role_name = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    normalized_name = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    path = table.Column<string>(type: "nvarchar(512)", maxLength: 512, nullable: false),
                    description = table.Column<string>(type: "nvarchar(1000)", maxLength: 1000, nullable: true),
                    assume_role_policy = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    max_session_duration = table.Column<int>(type: "int", nullable: false),
                    tags = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_roles", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "session_credentials",
                schema: "iam",
                columns: table => new
                {
                    access_key_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    role_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    user_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    session_name = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    protected_secret = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: false),
                    token_hash = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    session_policy = table.Column<string>(type: "nvarchar(max)", nullable: true),
                    expires_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_session_credentials", x => x.access_key_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_instance_profiles_account_id_normalized_name",
                schema: "iam",
                table: "instance_profiles",
                columns: new[] { "account_id", "normalized_name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_instance_profiles_role_id",
                schema: "iam",
                table: "instance_profiles",
                column: "role_id");

            migrationBuilder.CreateIndex(
                name: "IX_role_policy_attachments_account_id_policy_arn",
                schema: "iam",
                table: "role_policy_attachments",
                columns: new[] { "account_id", "policy_arn" });

            migrationBuilder.CreateIndex(
                name: "IX_roles_account_id_normalized_name",
                schema: "iam",
                table: "roles",
                columns: new[] { "account_id", "normalized_name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_session_credentials_expires_at",
                schema: "iam",
                table: "session_credentials",
                column: "expires_at");

            migrationBuilder.CreateIndex(
                name: "IX_session_credentials_role_id",
                schema: "iam",
                table: "session_credentials",
                column: "role_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "instance_profiles",
                schema: "iam");

            migrationBuilder.DropTable(
                name: "role_inline_policies",
                schema: "iam");

            migrationBuilder.DropTable(
                name: "role_policy_attachments",
                schema: "iam");

            migrationBuilder.DropTable(
                name: "roles",
                schema: "iam");

            migrationBuilder.DropTable(
                name: "session_credentials",
                schema: "iam");
        }
    }
}
