using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Iam.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class Groups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "iam_group_inline_policies",
                columns: table => new
                {
                    group_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    normalized_name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    policy_name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    document = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_iam_group_inline_policies", x => new { x.group_id, x.normalized_name });
                });

            migrationBuilder.CreateTable(
                name: "iam_group_memberships",
                columns: table => new
                {
                    group_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    user_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    added_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_iam_group_memberships", x => new { x.group_id, x.user_id });
                });

            migrationBuilder.CreateTable(
                name: "iam_group_policy_attachments",
                columns: table => new
                {
                    group_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    policy_arn = table.Column<string>(type: "TEXT", maxLength: 700, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    attached_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_iam_group_policy_attachments", x => new { x.group_id, x.policy_arn });
                });

            migrationBuilder.CreateTable(
                name: "iam_groups",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    group_name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    normalized_name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    path = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_iam_groups", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_iam_group_memberships_user_id",
                table: "iam_group_memberships",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "IX_iam_group_policy_attachments_account_id_policy_arn",
                table: "iam_group_policy_attachments",
                columns: new[] { "account_id", "policy_arn" });

            migrationBuilder.CreateIndex(
                name: "IX_iam_groups_account_id_normalized_name",
                table: "iam_groups",
                columns: new[] { "account_id", "normalized_name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "iam_group_inline_policies");

            migrationBuilder.DropTable(
                name: "iam_group_memberships");

            migrationBuilder.DropTable(
                name: "iam_group_policy_attachments");

            migrationBuilder.DropTable(
                name: "iam_groups");
        }
    }
}
