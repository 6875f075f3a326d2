using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class CorsAndPublicAccessBlock : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "cors",
                table: "storage_buckets",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "public_access_block",
                table: "storage_buckets",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "cors",
                table: "storage_buckets");

            migrationBuilder.DropColumn(
                name: "public_access_block",
                table: "storage_buckets");
        }
    }
}
