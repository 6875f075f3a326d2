using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class VolumeEncryption : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "encrypted",
                table: "storage_volumes",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "wrapped_key",
                table: "storage_volumes",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "encrypted",
                table: "storage_snapshots",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "wrapped_key",
                table: "storage_snapshots",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "storage_ebs_encryption_defaults",
                columns: table => new
                {
                    account_id = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    enabled = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_storage_ebs_encryption_defaults", x => x.account_id);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "storage_ebs_encryption_defaults");

            migrationBuilder.DropColumn(
                name: "encrypted",
                table: "storage_volumes");

            migrationBuilder.DropColumn(
                name: "wrapped_key",
                table: "storage_volumes");

            migrationBuilder.DropColumn(
                name: "encrypted",
                table: "storage_snapshots");

            migrationBuilder.DropColumn(
                name: "wrapped_key",
                table: "storage_snapshots");
        }
    }
}
