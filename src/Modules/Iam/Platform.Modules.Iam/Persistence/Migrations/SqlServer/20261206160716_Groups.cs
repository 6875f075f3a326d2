using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Iam.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class Groups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "group_inline_policies",
                schema: "iam",
                columns: table => new
                {
                    group_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    normalized_name = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    policy_name = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    document = table.Column<string>(type: "nvarchar(max)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_group_inline_policies", x => new { x.group_id, x.normalized_name });
                });

            migrationBuilder.CreateTable(
                name: "group_memberships",
                schema: "iam",
                columns: table => new
                {
                    group_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    user_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    added_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_group_memberships", x => new { x.group_id, x.user_id });
                });

            migrationBuilder.CreateTable(
                name: "group_policy_attachments",
                schema: "iam",
                columns: table => new
                {
                    group_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    policy_arn = table.Column<string>(type: "nvarchar(700)", maxLength: 700, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    attached_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_group_policy_attachments", x => new { x.group_id, x.policy_arn });
                });

            migrationBuilder.CreateTable(
                name: "groups",
                schema: "iam",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    group_name = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    normalized_name = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    path = table.Column<string>(type: "nvarchar(512)", maxLength: 512, nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_groups", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_group_memberships_user_id",
                schema: "iam",
                table: "group_memberships",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "IX_group_policy_attachments_account_id_policy_arn",
                schema: "iam",
                table: "group_policy_attachments",
                columns: new[] { "account_id", "policy_arn" });

            migrationBuilder.CreateIndex(
                name: "IX_groups_account_id_normalized_name",
                schema: "iam",
                table: "groups",
                columns: new[] { "account_id", "normalized_name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "group_inline_policies",
                schema: "iam");

            migrationBuilder.DropTable(
                name: "group_memberships",
                schema: "iam");

            migrationBuilder.DropTable(
                name: "group_policy_attachments",
                schema: "iam");

            migrationBuilder.DropTable(
                name: "groups",
                schema: "iam");
        }
    }
}
