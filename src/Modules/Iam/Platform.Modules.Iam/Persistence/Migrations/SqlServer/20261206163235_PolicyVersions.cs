using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Iam.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class PolicyVersions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "default_version_id",
                schema: "iam",
                table: "managed_policies",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "v1");

            migrationBuilder.AddColumn<int>(
                name: "last_version_number",
                schema: "iam",
                table: "managed_policies",
                type: "int",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<int>(
                name: "revision",
                schema: "iam",
                table: "managed_policies",
                type: "int",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "policy_versions",
                schema: "iam",
                columns: table => new
                {
                    policy_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    version_id = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    document = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_policy_versions", x => new { x.policy_id, x.version_id });
                });

            // Every policy made before versions existed had one document: it becomes its v1, the default.
            migrationBuilder.Sql(
                "INSERT INTO [iam].[policy_versions] (policy_id, version_id, account_id, document, created_at) " +
                "SELECT id, 'v1', account_id, document, created_at FROM [iam].[managed_policies]");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "policy_versions",
                schema: "iam");

            migrationBuilder.DropColumn(
                name: "default_version_id",
                schema: "iam",
                table: "managed_policies");

            migrationBuilder.DropColumn(
                name: "last_version_number",
                schema: "iam",
                table: "managed_policies");

            migrationBuilder.DropColumn(
                name: "revision",
                schema: "iam",
                table: "managed_policies");
        }
    }
}
