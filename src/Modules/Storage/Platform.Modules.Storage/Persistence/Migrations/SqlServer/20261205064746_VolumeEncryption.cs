using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class VolumeEncryption : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "encrypted",
                schema: "storage",
                table: "volumes",
                type: "bit",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "wrapped_key",
                schema: "storage",
                table: "volumes",
                type: "nvarchar(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "encrypted",
                schema: "storage",
                table: "snapshots",
                type: "bit",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "wrapped_key",
                schema: "storage",
                table: "snapshots",
                type: "nvarchar(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ebs_encryption_defaults",
                schema: "storage",
                columns: table => new
                {
                    account_id = table.Column<string>(type: "nvarchar(12)", maxLength: 12, nullable: false),
                    enabled = table.Column<bool>(type: "bit", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ebs_encryption_defaults", x => x.account_id);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ebs_encryption_defaults",
                schema: "storage");

            migrationBuilder.DropColumn(
                name: "encrypted",
                schema: "storage",
                table: "volumes");

            migrationBuilder.DropColumn(
                name: "wrapped_key",
                schema: "storage",
                table: "volumes");

            migrationBuilder.DropColumn(
                name: "encrypted",
                schema: "storage",
                table: "snapshots");

            migrationBuilder.DropColumn(
                name: "wrapped_key",
                schema: "storage",
                table: "snapshots");
        }
    }
}
