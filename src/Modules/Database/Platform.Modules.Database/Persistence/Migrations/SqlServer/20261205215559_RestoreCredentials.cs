using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Database.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class RestoreCredentials : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "backup_cipher_protected",
                schema: "rds",
                table: "db_snapshots",
                type: "nvarchar(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "restore_access_key_id",
                schema: "rds",
                table: "db_instances",
                type: "nvarchar(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "restore_cipher_protected",
                schema: "rds",
                table: "db_instances",
                type: "nvarchar(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "restore_secret_protected",
                schema: "rds",
                table: "db_instances",
                type: "nvarchar(1000)",
                maxLength: 1000,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "backup_cipher_protected",
                schema: "rds",
                table: "db_snapshots");

            migrationBuilder.DropColumn(
                name: "restore_access_key_id",
                schema: "rds",
                table: "db_instances");

            migrationBuilder.DropColumn(
                name: "restore_cipher_protected",
                schema: "rds",
                table: "db_instances");

            migrationBuilder.DropColumn(
                name: "restore_secret_protected",
                schema: "rds",
                table: "db_instances");
        }
    }
}
