using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Database.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class RestoreCredentials : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "backup_cipher_protected",
                table: "rds_db_snapshots",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "restore_access_key_id",
                table: "rds_db_instances",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "restore_cipher_protected",
                table: "rds_db_instances",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "restore_secret_protected",
                table: "rds_db_instances",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "backup_cipher_protected",
                table: "rds_db_snapshots");

            migrationBuilder.DropColumn(
                name: "restore_access_key_id",
                table: "rds_db_instances");

            migrationBuilder.DropColumn(
                name: "restore_cipher_protected",
                table: "rds_db_instances");

            migrationBuilder.DropColumn(
                name: "restore_secret_protected",
                table: "rds_db_instances");
        }
    }
}
