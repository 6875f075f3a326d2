using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Modules.Storage.Persistence.Migrations.SqlServer
{
    /// <inheritdoc />
    internal partial class Checksums : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "checksum",
                schema: "storage",
                table: "upload_parts",
                type: "nvarchar(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "checksum_algorithm",
                schema: "storage",
                table: "upload_parts",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "checksum",
                schema: "storage",
                table: "s3_objects",
                type: "nvarchar(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "checksum_algorithm",
                schema: "storage",
                table: "s3_objects",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "checksum_type",
                schema: "storage",
                table: "s3_objects",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "object_key",
                schema: "storage",
                table: "multipart_uploads",
                type: "varchar(1024)",
                unicode: false,
                maxLength: 1024,
                nullable: false,
                collation: "Latin1_General_100_BIN2_UTF8",
                oldClrType: typeof(string),
                oldType: "nvarchar(1024)",
                oldMaxLength: 1024);

            migrationBuilder.AddColumn<string>(
                name: "checksum_algorithm",
                schema: "storage",
                table: "multipart_uploads",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "checksum_type",
                schema: "storage",
                table: "multipart_uploads",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "checksum",
                schema: "storage",
                table: "upload_parts");

            migrationBuilder.DropColumn(
                name: "checksum_algorithm",
                schema: "storage",
                table: "upload_parts");

            migrationBuilder.DropColumn(
                name: "checksum",
                schema: "storage",
                table: "s3_objects");

            migrationBuilder.DropColumn(
                name: "checksum_algorithm",
                schema: "storage",
                table: "s3_objects");

            migrationBuilder.DropColumn(
                name: "checksum_type",
                schema: "storage",
                table: "s3_objects");

            migrationBuilder.DropColumn(
                name: "checksum_algorithm",
                schema: "storage",
                table: "multipart_uploads");

            migrationBuilder.DropColumn(
                name: "checksum_type",
                schema: "storage",
                table: "multipart_uploads");

            migrationBuilder.AlterColumn<string>(
                name: "object_key",
                schema: "storage",
                table: "multipart_uploads",
                type: "nvarchar(1024)",
                maxLength: 1024,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "varchar(1024)",
                oldUnicode: false,
                oldMaxLength: 1024,
                oldCollation: "Latin1_General_100_BIN2_UTF8");
        }
    }
}
