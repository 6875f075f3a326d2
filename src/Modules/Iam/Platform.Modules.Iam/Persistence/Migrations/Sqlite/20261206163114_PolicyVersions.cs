using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Iam.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class PolicyVersions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "default_version_id",
                table: "iam_managed_policies",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                defaultValue: "v1");

            migrationBuilder.AddColumn<int>(
                name: "last_version_number",
                table: "iam_managed_policies",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<int>(
                name: "revision",
                table: "iam_managed_policies",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "iam_policy_versions",
                columns: table => new
                {
                    policy_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    version_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    document = table.Column<string>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_iam_policy_versions", x => new { x.policy_id, x.version_id });
                });

            // Every policy made before versions existed had one document: it becomes its v1, the default.
            migrationBuilder.Sql(
                "INSERT INTO iam_policy_versions (policy_id, version_id, account_id, document, created_at) " +
                "SELECT id, 'v1', account_id, document, created_at FROM iam_managed_policies");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "iam_policy_versions");

            migrationBuilder.DropColumn(
                name: "default_version_id",
                table: "iam_managed_policies");

            migrationBuilder.DropColumn(
                name: "last_version_number",
                table: "iam_managed_policies");

            migrationBuilder.DropColumn(
                name: "revision",
                table: "iam_managed_policies");
        }
    }
}
