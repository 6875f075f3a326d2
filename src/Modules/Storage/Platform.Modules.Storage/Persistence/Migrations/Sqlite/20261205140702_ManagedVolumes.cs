using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class ManagedVolumes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "managed_by",
                table: "storage_volumes",
                type: "TEXT",
                maxLength: 16,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "managed_by",
                table: "storage_volumes");
        }
    }
}
