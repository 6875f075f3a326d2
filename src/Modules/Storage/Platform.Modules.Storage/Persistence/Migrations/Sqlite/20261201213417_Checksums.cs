using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class Checksums : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "checksum",
                table: "storage_upload_parts",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "checksum_algorithm",
                table: "storage_upload_parts",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "checksum",
                table: "storage_s3_objects",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "checksum_algorithm",
                table: "storage_s3_objects",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "checksum_type",
                table: "storage_s3_objects",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "checksum_algorithm",
                table: "storage_multipart_uploads",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "checksum_type",
                table: "storage_multipart_uploads",
                type: "TEXT",
                maxLength: 16,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "checksum",
                table: "storage_upload_parts");

            migrationBuilder.DropColumn(
                name: "checksum_algorithm",
                table: "storage_upload_parts");

            migrationBuilder.DropColumn(
                name: "checksum",
                table: "storage_s3_objects");

            migrationBuilder.DropColumn(
                name: "checksum_algorithm",
                table: "storage_s3_objects");

            migrationBuilder.DropColumn(
                name: "checksum_type",
                table: "storage_s3_objects");

            migrationBuilder.DropColumn(
                name: "checksum_algorithm",
                table: "storage_multipart_uploads");

            migrationBuilder.DropColumn(
                name: "checksum_type",
                table: "storage_multipart_uploads");
        }
    }
}
